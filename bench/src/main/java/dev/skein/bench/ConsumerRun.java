package dev.skein.bench;

import dev.skein.bench.BenchConsumer.Tally;

import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/**
 * One measurement of {@link ConsumerComparison}, in a JVM of its own so that its CPU time is one
 * client's alone, JIT and GC included. Arguments: {@link ConsumerWorkload#toArgs()}. Prints one JSON
 * line on stdout.
 *
 * <p>Warm-up: a first consumer, in the same mode with a group of its own, reads the first
 * {@code warmupRecords} records and is closed; so does another, up to {@code warmupRounds} in all, until
 * two reads in a row during which the JIT compiled for less than 5% of their time ({@link Usage#jitSettled()}); then
 * a last consumer, in a fresh group, reads the whole topic from the start and is measured. The JIT has
 * by then compiled the fetch, decompression and record paths (and, in a group, the join), as
 * {@link ProducerRun}'s warm-up does for the send path. (A single read of 2 M records left C2 compiling
 * the hot paths for over a second of the measured read, 40% of its CPU; reads shorter than the
 * measured one left it compiling the code that runs once per fetch.) {@code warmup_rounds},
 * {@code jit_ms} (what the JIT still compiled while measured) and {@code thread_cpu_ms} (the measured
 * read's CPU by kind of thread, {@link ThreadCpu}) are in the JSON line.
 *
 * <p>What is measured, per consumer: {@code join_ms}, in a group, from just before {@code subscribe}
 * to the first {@code onPartitionsAssigned} with partitions in it (inside {@code poll}, on its
 * thread); then wall and process CPU time from that moment ({@code assign}, outside a group) until the
 * last of the topic's records has been returned by {@code poll}. The join is thus not in the records/s,
 * and {@code close} (leaving the group) in neither. The warm-up consumer's join is reported as
 * {@code first_join_ms}: the join of a fresh JVM, class loading and connections included.
 * {@code first_record_ms} is from the clock's start to the first record.
 */
public final class ConsumerRun {
    /** A read that sees no record for this long has stalled: the run fails rather than hang. */
    private static final Duration STALL = Duration.ofSeconds(60);

    private ConsumerRun() {}

    /** What one consumer read: its tally, and its join and read times. */
    private record Read(Tally tally, long joinNanos, long firstRecordNanos, Usage took) {}

    public static void main(String[] args) throws Exception {
        ChildJvm.exitWithParent();
        ConsumerWorkload w = ConsumerWorkload.fromArgs(args);
        Read warmup = null;
        int warmupRounds = 0;
        int settled = 0; // reads in a row during which the JIT had settled
        while (w.warmupRecords() > 0 && warmupRounds < w.warmupRounds() && settled < Usage.SETTLED_IN_A_ROW) {
            Usage round = Usage.now();
            Read r = read(w, Math.min(w.warmupRecords(), w.records()), false);
            warmup = warmup == null ? r : warmup; // the first is the fresh JVM's join
            warmupRounds++;
            settled = round.elapsed().jitSettled() ? settled + 1 : 0;
        }
        Read measured = read(w, w.records(), true);
        long expectedBytes = (long) w.records() * w.valueBytes();
        if (measured.tally.records != w.records() || measured.tally.valueBytes != expectedBytes) {
            throw new IllegalStateException("read " + measured.tally.records + " records of " + measured.tally.valueBytes
                    + " bytes; the topic holds " + w.records() + " of " + expectedBytes);
        }
        System.out.println(json(w, measured, warmup == null ? measured : warmup, warmupRounds));
        System.exit(0);
    }

    /** One consumer, in a group of its own, from the start of the topic until at least {@code records} are read. */
    private static Read read(ConsumerWorkload w, int records, boolean measured) {
        Tally tally = new Tally();
        Usage[] start = new Usage[1]; // set on this thread: before assign(), or in the listener inside poll()
        long subscribed;
        long firstRecord = 0;
        Usage took;
        try (BenchConsumer c = BenchConsumer.open(w.client(), w.properties("bench-" + w.mode().label() + "-" + UUID.randomUUID()))) {
            subscribed = System.nanoTime();
            if (w.mode().grouped()) {
                c.subscribe(w.topic(), () -> {
                    if (start[0] == null) {
                        start[0] = measured ? Usage.nowWithThreads() : Usage.now();
                    }
                });
            } else {
                start[0] = measured ? Usage.nowWithThreads() : Usage.now();
                c.assign(w.topic(), ConsumerWorkload.PARTITIONS);
            }
            long lastProgress = System.nanoTime();
            while (tally.records < records) {
                long before = tally.records;
                c.poll(Duration.ofSeconds(1), tally);
                if (tally.records > before) {
                    lastProgress = System.nanoTime();
                    if (firstRecord == 0) {
                        firstRecord = lastProgress;
                    }
                } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                    throw new IllegalStateException(w.client().label() + " " + w.mode().label() + ": " + tally.records + " of "
                            + records + " records read, then none for " + STALL + (start[0] == null ? "; never assigned" : ""));
                }
            }
            took = start[0].elapsed();
        }
        long joined = w.mode().grouped() ? start[0].wallNanos() - subscribed : -1;
        return new Read(tally, joined, firstRecord - start[0].wallNanos(), took);
    }

    private static String json(ConsumerWorkload w, Read r, Read first, int warmupRounds) {
        double millions = w.records() / 1e6;
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "{\"client\":\"%s\",\"mode\":\"%s\",\"compression\":\"%s\","
                        + "\"value_bytes\":%d,\"records\":%d,\"warmup_records\":%d,\"seconds\":%.3f,\"records_per_sec\":%.0f,"
                        + "\"mb_per_sec\":%.1f,\"cpu_seconds\":%.3f,\"cpu_s_per_million\":%.3f,\"alloc_mb_per_million\":%.0f,"
                        + "\"first_record_ms\":%.1f,\"warmup_rounds\":%d,\"jit_ms\":%d,\"thread_cpu_ms\":%s",
                w.client().label(), w.mode().label(), w.compression(), w.valueBytes(), w.records(), w.warmupRecords(),
                r.took.seconds(), w.records() / r.took.seconds(), r.tally.valueBytes / r.took.seconds() / 1e6,
                r.took.cpuSeconds(), r.took.cpuSeconds() / millions, r.took.allocatedBytes() / 1e6 / millions,
                r.firstRecordNanos / 1e6, warmupRounds, r.took.compileMillis(), r.took.threadCpuJson()));
        if (w.mode().grouped()) {
            s.append(String.format(Locale.ROOT, ",\"join_ms\":%.1f,\"first_join_ms\":%.1f", r.joinNanos / 1e6,
                    first.joinNanos / 1e6));
        }
        return s.append('}').toString();
    }
}
