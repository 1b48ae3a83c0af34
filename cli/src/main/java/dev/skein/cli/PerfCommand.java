package dev.skein.cli;

import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerBuilder;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.GroupProtocol;
import dev.skein.consumer.RebalanceListener;
import dev.skein.core.TopicPartition;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerBuilder;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code skein perf produce | consume}: progress on stderr each second; the last line on stdout is one
 * JSON object with {@code records}, {@code seconds}, {@code cpu_seconds} (this process's CPU time over
 * the same span, all its threads), {@code records_per_sec}, {@code mb_per_sec}; for produce
 * {@code latency_ms} with {@code p50}, {@code p99}, {@code p999}, {@code max}; for consume
 * {@code join_ms}, the milliseconds from just before {@code subscribe} to the first
 * {@code onPartitionsAssigned} with partitions in it (null without {@code --group}). The join is inside
 * {@code seconds}, which runs from building the client to closing it.
 */
@Command(name = "perf", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Measure produce or consume throughput (and produce latency) against the cluster.",
        subcommands = {PerfCommand.Produce.class, PerfCommand.Consume.class})
final class PerfCommand extends CommandGroup {

    /** Prints "N records, R rec/s" on stderr about once a second. */
    static final class Progress {
        private final PrintStream err;
        private final long start = System.nanoTime();
        private long lastPrint = start;

        Progress(PrintStream err) {
            this.err = err;
        }

        void tick(long done, long total) {
            long now = System.nanoTime();
            if (now - lastPrint >= 1_000_000_000L) {
                lastPrint = now;
                double s = (now - start) / 1e9;
                err.printf(Locale.ROOT, "%d/%d records, %.0f records/s%n", done, total, done / s);
            }
        }
    }

    static String json(long records, double seconds, double cpuSeconds, long bytes, String extra) {
        return String.format(Locale.ROOT, "{\"records\":%d,\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"records_per_sec\":%.1f,"
                        + "\"mb_per_sec\":%.3f%s}",
                records, seconds, cpuSeconds, records / seconds, bytes / seconds / 1_000_000.0, extra);
    }

    /** CPU time of this process so far, all threads: the client's, and the JVM's own (JIT, GC). */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    @Command(name = "produce", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
            description = "Send N records of a given size as fast as allowed and report throughput and latency.")
    static final class Produce extends Subcommand {

        @Option(names = "--topic", required = true)
        String topic;

        @Option(names = "--records", required = true, paramLabel = "N")
        long records;

        @Option(names = "--record-size", required = true, paramLabel = "BYTES")
        int recordSize;

        @Option(names = "--acks", defaultValue = "all", description = "0, 1 or all.")
        String acks;

        @Option(names = "--linger-ms", defaultValue = "5")
        long lingerMs;

        @Option(names = "--batch-size", defaultValue = "16384")
        int batchSize;

        @Option(names = "--compression", defaultValue = "none", description = "none, gzip, snappy, lz4 or zstd.")
        String compression;

        @Option(names = "--throughput", paramLabel = "RECORDS_PER_SEC", defaultValue = "-1",
                description = "Cap the send rate (-1: no cap).")
        long throughput;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            if (records < 1 || records > Integer.MAX_VALUE || recordSize < 0) {
                throw new UsageException("--records must be 1.." + Integer.MAX_VALUE + " and --record-size >= 0");
            }
            Clients.requireTopic(root.global, topic);
            Map<String, Object> props = Clients.producerProperties(root.global);
            Clients.flag(props, "acks", acks, given("--acks"));
            Clients.flag(props, "compression.type", compression, given("--compression"));
            Clients.flag(props, "linger.ms", lingerMs, given("--linger-ms"));
            Clients.flag(props, "batch.size", batchSize, given("--batch-size"));
            ProducerBuilder<byte[], byte[]> b = Producer.builder(Serdes.bytes(), Serdes.bytes()).properties(props);
            byte[] value = new byte[recordSize];
            new Random(1).nextBytes(value);
            int[] latencyMicros = new int[(int) records];
            AtomicLong failed = new AtomicLong();
            AtomicReference<Throwable> firstError = new AtomicReference<>();
            Progress progress = new Progress(root.io.err());
            long start = System.nanoTime();
            long cpuStart = cpuNanos();
            try (Producer<byte[], byte[]> producer = b.build()) {
                for (int i = 0; i < records; i++) {
                    if (throughput > 0) {
                        long due = start + (long) (i * 1e9 / throughput);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                    }
                    int index = i;
                    long sentAt = System.nanoTime();
                    producer.send(ProducerRecord.of(topic, value), (m, e) -> {
                        latencyMicros[index] = (int) Math.min(Integer.MAX_VALUE, (System.nanoTime() - sentAt) / 1000);
                        if (e != null) {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, e);
                        }
                    });
                    progress.tick(i + 1, records);
                }
                producer.flush();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = (cpuNanos() - cpuStart) / 1e9;
            if (failed.get() > 0) {
                throw new CliException(failed.get() + " of " + records + " records failed: " + Cli.describe(firstError.get()));
            }
            Arrays.sort(latencyMicros);
            String latency = String.format(Locale.ROOT, ",\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f}",
                    pct(latencyMicros, 0.50), pct(latencyMicros, 0.99), pct(latencyMicros, 0.999),
                    latencyMicros[latencyMicros.length - 1] / 1000.0);
            root.io.out().println(json(records, seconds, cpuSeconds, records * (long) recordSize, latency));
            return Cli.OK;
        }

        private static double pct(int[] sorted, double q) {
            int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
            return sorted[Math.max(0, i)] / 1000.0;
        }
    }

    @Command(name = "consume", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
            description = "Read N records from the start of a topic and report throughput.")
    static final class Consume extends Subcommand {

        @Option(names = "--topic", required = true)
        String topic;

        @Option(names = "--records", required = true, paramLabel = "N")
        long records;

        @Option(names = "--group", paramLabel = "G", description = "Read as a member of this group (default: no group).")
        String group;

        @Option(names = "--group-protocol", paramLabel = "P", defaultValue = "auto", description = "With --group:"
                + " consumer (KIP-848, the broker assigns), classic, or auto (consumer when the broker offers it).")
        String groupProtocol;

        @Option(names = "--timeout-ms", defaultValue = "30000", paramLabel = "MS",
                description = "Give up after MS milliseconds without a record.")
        long timeoutMs;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            if (!List.of("auto", "consumer", "classic").contains(groupProtocol)) {
                throw new UsageException("--group-protocol must be auto, consumer or classic, was " + groupProtocol);
            }
            List<TopicPartition> partitions = new ArrayList<>();
            Clients.requireTopic(root.global, topic).partitions()
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            ConsumerBuilder<byte[], byte[]> b = Consumer.builder(Serdes.bytes(), Serdes.bytes())
                    .properties(Clients.consumerProperties(root.global)).property("auto.offset.reset", "earliest");
            if (group != null) {
                b.groupId(group).groupProtocol(GroupProtocol.forName(groupProtocol));
            } else {
                b.delivery(Delivery.MANUAL);
            }
            long read = 0;
            long bytes = 0;
            long[] assignedAt = {0}; // written by the listener, inside poll() on this thread
            long subscribedAt = 0;
            Progress progress = new Progress(root.io.err());
            long start = System.nanoTime();
            long cpuStart = cpuNanos();
            try (Consumer<byte[], byte[]> consumer = b.build()) {
                if (group != null) {
                    subscribedAt = System.nanoTime();
                    consumer.subscribe(List.of(topic), new RebalanceListener() {
                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                            if (assignedAt[0] == 0 && !assigned.isEmpty()) {
                                assignedAt[0] = System.nanoTime();
                            }
                        }
                    });
                } else {
                    consumer.assign(partitions);
                }
                long last = System.nanoTime();
                while (read < records) {
                    int n = 0;
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        n++;
                        bytes += r.value() == null ? 0 : r.value().length;
                    }
                    read += n;
                    if (n > 0) {
                        last = System.nanoTime();
                    } else if (System.nanoTime() - last > timeoutMs * 1_000_000L) {
                        throw new CliException("only " + read + " of " + records + " records arrived; none for " + timeoutMs + " ms");
                    }
                    progress.tick(read, records);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = (cpuNanos() - cpuStart) / 1e9;
            String joinMs = group == null ? "null" : String.format(Locale.ROOT, "%.1f", (assignedAt[0] - subscribedAt) / 1e6);
            root.io.out().println(json(read, seconds, cpuSeconds, bytes, ",\"join_ms\":" + joinMs));
            return Cli.OK;
        }
    }
}
