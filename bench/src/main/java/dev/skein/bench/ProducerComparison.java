package dev.skein.bench;

import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The same workload through Skein's producer and the reference producer: N records of B bytes
 * (keyless, acks=all, idempotence on, linger 5 ms, batch 16 KiB, no compression), each client on its
 * own topic of 6 partitions on one broker, alternating clients over several rounds. Reports records/s,
 * MB/s and this process's CPU time per million records (the broker is a separate process).
 */
public final class ProducerComparison {
    private ProducerComparison() {}

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        byte[] value = new byte[size];
        try (KafkaCluster kafka = KafkaCluster.builder().brokerConfig("log.retention.bytes", "2000000000").build().start();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            for (int round = 0; round < rounds; round++) {
                String skeinTopic = "bench-skein-" + round;
                String refTopic = "bench-reference-" + round;
                admin.createTopics(List.of(new NewTopic(skeinTopic, 6, (short) 1), new NewTopic(refTopic, 6, (short) 1)))
                        .all().get(60, TimeUnit.SECONDS);
                report("skein", round, records, size, runSkein(kafka, skeinTopic, records, value));
                report("reference", round, records, size, runReference(kafka, refTopic, records, value));
            }
        }
    }

    /** Returns {wall nanos, cpu nanos, allocated bytes}. */
    private static long[] runSkein(KafkaCluster kafka, String topic, int n, byte[] value) throws Exception {
        long[] start = sample();
        try (Producer<byte[], byte[]> p = Producer.builder(Serdes.bytes(), Serdes.bytes())
                .bootstrapServers(kafka.bootstrapServers()).linger(Duration.ofMillis(5)).batchSize(16 * 1024)
                .bufferMemory(64L * 1024 * 1024).build()) {
            for (int i = 0; i < n; i++) {
                p.send(ProducerRecord.of(topic, value)); // both clients are bounded by buffer.memory alone
            }
            p.flush();
        }
        return since(start);
    }

    private static long[] runReference(KafkaCluster kafka, String topic, int n, byte[] value) throws Exception {
        long[] start = sample();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "linger.ms", 5, "batch.size", 16 * 1024, "buffer.memory", 64L * 1024 * 1024, "acks", "all"),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, value));
            }
            p.flush();
        }
        return since(start);
    }

    /** {wall nanos, process CPU nanos, bytes allocated by all threads} now. */
    static long[] sample() {
        long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        long allocated = ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
        return new long[] {System.nanoTime(), cpu, allocated};
    }

    /** What passed since {@code start}: {wall nanos, cpu nanos, allocated bytes}. */
    static long[] since(long[] start) {
        long[] now = sample();
        return new long[] {now[0] - start[0], now[1] - start[1], now[2] - start[2]};
    }

    static void report(String client, int round, int n, int size, long[] r) {
        double seconds = r[0] / 1e9;
        double millions = n / 1e6;
        System.out.printf("{\"client\":\"%s\",\"round\":%d,\"records\":%d,\"record_bytes\":%d,\"seconds\":%.3f,"
                        + "\"records_per_sec\":%.0f,\"mb_per_sec\":%.1f,\"cpu_ms_per_million\":%.0f,"
                        + "\"alloc_mb_per_million\":%.0f}%n",
                client, round, n, size, seconds, n / seconds, n * (double) size / seconds / 1e6,
                r[1] / 1e6 / millions, r[2] / 1e6 / millions);
    }
}
