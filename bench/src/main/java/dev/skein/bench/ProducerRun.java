package dev.skein.bench;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * One measurement of {@link ProducerComparison}, in a JVM of its own so that its CPU time is one
 * client's alone, JIT and GC included. Arguments: {@link ProducerWorkload#toArgs()}. Prints one JSON
 * line on stdout: records/s, wall and CPU seconds, and for a paced run the latency percentiles.
 *
 * <p>One record, then the warm-up records, are sent and flushed before the clock starts, so the
 * topic's metadata, the connection and the JIT's work (a few CPU-seconds in each client's first
 * seconds) are not in the measurement. The warm-up repeats, up to {@code warmupRounds} times in all,
 * until two rounds in a row in which the JIT compiled for less than 5% of their time: a single round of 2 M records
 * left C2 compiling the hot paths well into the measurement, and rounds shorter than the measurement
 * left it compiling the code that runs once per request. The clock stops once {@code close} has
 * returned; {@code jit_ms} in the JSON line is what the JIT still compiled in between,
 * {@code warmup_rounds} how many rounds it took, {@code thread_cpu_ms} the CPU by kind of thread until
 * {@code flush} returned ({@link ThreadCpu}; close ends the client's own threads, and their time with them).
 */
public final class ProducerRun {
    private ProducerRun() {}

    public static void main(String[] args) throws Exception {
        ChildJvm.exitWithParent();
        ProducerWorkload w = ProducerWorkload.fromArgs(args);
        byte[][] values = w.values();
        Acknowledgements acks = new Acknowledgements(w.paced() ? w.records() : 0);
        BenchProducer producer = BenchProducer.open(w.client(), w.properties());
        Usage start;
        long sendNanos;
        String threadCpu; // by kind of thread, until flush returned: close ends the client's own threads
        long warmed = 1;
        int warmupRounds = 0;
        try {
            producer.send(w.topic(), values[0], acks.counting);
            producer.flush(); // metadata and the connection
            acks.await(warmed, Duration.ofMinutes(5));
            int settled = w.warmupRecords() == 0 ? Usage.SETTLED_IN_A_ROW : 0; // rounds in a row with the JIT settled
            while (settled < Usage.SETTLED_IN_A_ROW && warmupRounds < w.warmupRounds()) {
                Usage round = Usage.now();
                for (int i = 0; i < w.warmupRecords(); i++) {
                    producer.send(w.topic(), values[i % values.length], acks.counting);
                }
                producer.flush();
                warmed += w.warmupRecords();
                acks.await(warmed, Duration.ofMinutes(5));
                warmupRounds++;
                settled = round.elapsed().jitSettled() ? settled + 1 : 0;
            }
            start = Usage.nowWithThreads();
            if (w.paced()) {
                sendPaced(producer, w, values, acks);
            } else {
                sendAll(producer, w, values, acks);
            }
            sendNanos = Math.max(1, System.nanoTime() - start.wallNanos());
            producer.flush();
            threadCpu = ThreadCpu.since(start.threads());
        } finally {
            producer.close();
        }
        Usage took = start.elapsed();
        acks.await(w.records() + warmed, Duration.ofMinutes(1));
        System.out.println(json(w, took, sendNanos, acks, warmupRounds, threadCpu));
        System.exit(0);
    }

    private static void sendAll(BenchProducer producer, ProducerWorkload w, byte[][] values, Acknowledgements acks) {
        for (int i = 0; i < w.records(); i++) {
            producer.send(w.topic(), values[i % values.length], acks.counting);
        }
    }

    /** Each record at its due time (or at once when late), timed from just before {@code send}. */
    private static void sendPaced(BenchProducer producer, ProducerWorkload w, byte[][] values, Acknowledgements acks) {
        long start = System.nanoTime();
        for (int i = 0; i < w.records(); i++) {
            long wait = start + i * 1_000_000_000L / w.ratePerSec() - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            long sentAt = System.nanoTime();
            producer.send(w.topic(), values[i % values.length], acks.timed(i, sentAt));
        }
    }

    private static String json(ProducerWorkload w, Usage took, long sendNanos, Acknowledgements acks, int warmupRounds,
                               String threadCpu) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "{\"client\":\"%s\",\"value_bytes\":%d,\"acks\":\"%s\","
                        + "\"compression\":\"%s\",\"records\":%d,\"seconds\":%.3f,\"records_per_sec\":%.0f,\"cpu_seconds\":%.3f,"
                        + "\"cpu_s_per_million\":%.3f,\"alloc_mb_per_million\":%.0f,\"warmup_rounds\":%d,\"jit_ms\":%d,"
                        + "\"thread_cpu_ms\":%s",
                w.client().label(), w.valueBytes(), w.acks(), w.compression(), w.records(), took.seconds(),
                w.records() / took.seconds(), took.cpuSeconds(), took.cpuSeconds() / (w.records() / 1e6),
                took.allocatedBytes() / 1e6 / (w.records() / 1e6), warmupRounds, took.compileMillis(), threadCpu));
        if (w.paced()) {
            long[] sorted = acks.sortedLatencyNanos();
            s.append(String.format(Locale.ROOT, ",\"target_rate\":%d,\"sent_per_sec\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
                            + "\"p999_ms\":%.3f,\"max_ms\":%.3f",
                    w.ratePerSec(), w.records() / (sendNanos / 1e9), percentile(sorted, 0.50), percentile(sorted, 0.99),
                    percentile(sorted, 0.999), sorted[sorted.length - 1] / 1e6));
        }
        return s.append('}').toString();
    }

    /** The smallest sample that at least {@code q} of the samples do not exceed, in ms. */
    private static double percentile(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }
}
