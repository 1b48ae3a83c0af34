package dev.skein.bench;

import dev.skein.consumer.Consumer;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.OffsetReset;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The same read through Skein's consumer and the reference consumer: N records of B bytes, written
 * once by the reference producer to a topic of 6 partitions on one broker, then read from the start by
 * each client in turn (assigned partitions, no group, default fetch settings, byte-array values),
 * alternating over several rounds. Reports records/s, MB/s, this process's CPU time and heap
 * allocation per million records (the broker is a separate process).
 *
 * <p>Run: {@code mvn -B -pl bench exec:java -Dexec.mainClass=dev.skein.bench.ConsumerComparison
 * -Dexec.args="5000000 100 4"}
 */
public final class ConsumerComparison {
    private static final int PARTITIONS = 6;

    private ConsumerComparison() {}

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 5_000_000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String topic = "bench-consume";
        try (KafkaCluster kafka = KafkaCluster.builder().brokerConfig("log.retention.bytes", "4000000000").build().start();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
            fill(kafka, topic, records, size);
            for (int round = 0; round < rounds; round++) {
                report("skein", round, records, size, runSkein(kafka, topic, records, size));
                report("reference", round, records, size, runReference(kafka, topic, records, size));
            }
        }
    }

    private static void fill(KafkaCluster kafka, String topic, int n, int size) throws Exception {
        byte[] value = new byte[size];
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "linger.ms", 10, "batch.size", 64 * 1024, "acks", "1"), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, value));
            }
            p.flush();
        }
    }

    private static Usage runSkein(KafkaCluster kafka, String topic, int n, int size) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new TopicPartition(topic, p));
        }
        Usage start = Usage.now();
        long read = 0;
        long bytes = 0;
        try (Consumer<byte[], byte[]> c = Consumer.builder(Serdes.bytes(), Serdes.bytes())
                .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST)
                .build()) {
            c.assign(partitions);
            while (read < n) {
                for (dev.skein.consumer.ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofSeconds(1))) {
                    read++;
                    bytes += r.value().length; // touch what was read, as an application would
                }
            }
        }
        Usage took = start.elapsed();
        check(read, bytes, n, size);
        return took;
    }

    private static void check(long read, long bytes, int n, int size) {
        if (read != n || bytes != (long) n * size) {
            throw new IllegalStateException("read " + read + " records (" + bytes + " bytes), expected " + n);
        }
    }

    private static Usage runReference(KafkaCluster kafka, String topic, int n, int size) {
        List<org.apache.kafka.common.TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < PARTITIONS; p++) {
            partitions.add(new org.apache.kafka.common.TopicPartition(topic, p));
        }
        Usage start = Usage.now();
        long read = 0;
        long bytes = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "auto.offset.reset", "earliest", "enable.auto.commit", false), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.assign(partitions);
            while (read < n) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofSeconds(1))) {
                    read++;
                    bytes += r.value().length;
                }
            }
        }
        Usage took = start.elapsed();
        check(read, bytes, n, size);
        return took;
    }

    private static void report(String client, int round, int n, int size, Usage u) {
        double millions = n / 1e6;
        System.out.printf(Locale.ROOT, "{\"client\":\"%s\",\"round\":%d,\"records\":%d,\"record_bytes\":%d,\"seconds\":%.3f,"
                        + "\"records_per_sec\":%.0f,\"mb_per_sec\":%.1f,\"cpu_ms_per_million\":%.0f,"
                        + "\"alloc_mb_per_million\":%.0f}%n",
                client, round, n, size, u.seconds(), n / u.seconds(), n * (double) size / u.seconds() / 1e6,
                u.cpuNanos() / 1e6 / millions, u.allocatedBytes() / 1e6 / millions);
    }
}
