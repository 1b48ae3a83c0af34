package dev.skein.bench;

import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.OffsetReset;
import dev.skein.consumer.ParallelProcessor;
import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * One measurement of {@link ParallelComparison}, in a JVM of its own so that its CPU time is one way
 * of processing's alone, JIT and GC included. Arguments: {@link ParallelWorkload#toArgs()}. Prints one
 * JSON line on stdout.
 *
 * <p>The clock runs from the start of the first handler call to the end of the last one counted (the
 * N-th in {@code parallel}, the last within {@code pollLoopSeconds} in {@code poll-loop}): the group join
 * is not in it, nor is {@code close}. {@code parallel} first runs a processor in a group of its own over
 * the first {@code warmupRecords} records, unmeasured, so the JIT has compiled the fetch and scheduling
 * paths. Besides records/s and process CPU, the line holds how many handlers ran at once: the most,
 * and the mean (handler time over wall time); and, in {@code parallel}, the mean of the records the
 * processor held ({@code inFlight()}, sampled every 100 ms). Together they tell a processor that does
 * not take records in fast enough (few held) from records held but not yet running (queued for a
 * thread or for the processor's lock).
 */
public final class ParallelRun {
    /** A run that finishes no record for this long has stalled: the run fails rather than hang. */
    private static final Duration STALL = Duration.ofSeconds(60);

    private ParallelRun() {}

    public static void main(String[] args) throws Exception {
        ChildJvm.exitWithParent();
        ParallelWorkload w = ParallelWorkload.fromArgs(args);
        Probe measured;
        if (w.mode() == ParallelWorkload.Mode.PARALLEL) {
            if (w.warmupRecords() > 0) {
                parallel(w, Math.min(w.warmupRecords(), w.records()));
            }
            measured = parallel(w, w.records());
        } else {
            measured = pollLoop(w);
        }
        System.out.println(json(w, measured));
        System.exit(0);
    }

    /** Times the handler: the first start, the end of the {@code target}-th, handler time, concurrency. Thread-safe. */
    private static final class Probe {
        final long target;
        final AtomicReference<Usage> start = new AtomicReference<>();
        final AtomicLong done = new AtomicLong();
        final LongAdder handlerNanos = new LongAdder();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();
        final CountDownLatch reached = new CountDownLatch(1);
        volatile Usage took;
        volatile long counted;
        /** Samples of the processor's {@code inFlight()} (records held), taken by the measuring thread. */
        long heldSamples;
        long heldSum;

        Probe(long target) {
            this.target = target;
        }

        void handle(int sleepMillis) throws InterruptedException {
            if (start.get() == null) {
                start.compareAndSet(null, Usage.now());
            }
            long begin = System.nanoTime();
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            Thread.sleep(sleepMillis); // the simulated I/O
            running.decrementAndGet();
            handlerNanos.add(System.nanoTime() - begin);
            if (done.incrementAndGet() == target) {
                stop();
            }
        }

        /** Ends the clock here, counting what is done now. */
        void stop() {
            took = start.get().elapsed();
            counted = done.get();
            reached.countDown();
        }
    }

    /** A processor in a fresh group, from the start of the topic until {@code records} handler calls have returned. */
    private static Probe parallel(ParallelWorkload w, int records) throws Exception {
        Probe probe = new Probe(records);
        try (ParallelProcessor<byte[], byte[]> processor = ParallelProcessor
                .builder(Serdes.bytes().deserializer(), Serdes.bytes().deserializer())
                .bootstrapServers(w.bootstrap()).groupId("bench-parallel-" + UUID.randomUUID()).topics(w.topic())
                .options(o -> o.offsetReset(OffsetReset.EARLIEST))
                .ordering(ParallelProcessor.Ordering.KEY).maxInFlight(w.maxInFlight())
                .commitInterval(Duration.ofMillis(w.commitIntervalMillis()))
                .build()) {
            CompletableFuture<Throwable> ended = new CompletableFuture<>();
            Thread loop = new Thread(() -> {
                try {
                    processor.run(r -> probe.handle(w.sleepMillis()));
                    ended.complete(null);
                } catch (Throwable e) {
                    ended.complete(e);
                }
            }, "parallel-run");
            loop.start();
            long last = -1;
            long lastProgress = System.nanoTime();
            while (!probe.reached.await(100, TimeUnit.MILLISECONDS)) {
                if (probe.start.get() != null) {
                    probe.heldSamples++;
                    probe.heldSum += processor.inFlight();
                }
                if (ended.isDone()) {
                    throw new IllegalStateException("run() ended after " + probe.done.get() + " of " + records + " records",
                            ended.getNow(null));
                }
                long now = probe.done.get();
                if (now != last) {
                    last = now;
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                    throw new IllegalStateException("parallel: " + now + " of " + records + " records done, then none for " + STALL);
                }
            }
            processor.close();
            Throwable failed = ended.get(2, TimeUnit.MINUTES);
            if (failed != null) {
                throw new IllegalStateException("run() failed", failed);
            }
        }
        return probe;
    }

    /** A plain consumer in a fresh group, the handler on its polling thread, for {@code pollLoopSeconds} from the first record. */
    private static Probe pollLoop(ParallelWorkload w) throws InterruptedException {
        Probe probe = new Probe(w.records());
        try (Consumer<byte[], byte[]> consumer = Consumer.builder(Serdes.bytes(), Serdes.bytes())
                .bootstrapServers(w.bootstrap()).groupId("bench-poll-loop-" + UUID.randomUUID())
                .offsetReset(OffsetReset.EARLIEST).build()) {
            consumer.subscribe(List.of(w.topic()));
            long subscribed = System.nanoTime();
            long deadline = Long.MAX_VALUE;
            while (probe.reached.getCount() > 0) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                    probe.handle(w.sleepMillis());
                    if (deadline == Long.MAX_VALUE) {
                        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(w.pollLoopSeconds());
                    }
                    if (System.nanoTime() - deadline >= 0 && probe.reached.getCount() > 0) {
                        probe.stop();
                    }
                    if (probe.reached.getCount() == 0) {
                        break; // the rest of this poll is not handled; nothing here depends on its commit
                    }
                }
                if (probe.start.get() == null && System.nanoTime() - subscribed > STALL.toNanos()) {
                    throw new IllegalStateException("poll-loop: no record in " + STALL);
                }
            }
        }
        return probe;
    }

    private static String json(ParallelWorkload w, Probe p) {
        double seconds = p.took.seconds();
        double millions = p.counted / 1e6;
        boolean parallel = w.mode() == ParallelWorkload.Mode.PARALLEL;
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "{\"mode\":\"%s\",\"records\":%d,\"max_in_flight\":%d,"
                        + "\"commit_interval_ms\":%d,\"sleep_ms\":%d,\"warmup_records\":%d,\"seconds\":%.3f,"
                        + "\"records_per_sec\":%.0f,\"cpu_seconds\":%.3f,\"cpu_s_per_million\":%.3f,"
                        + "\"alloc_mb_per_million\":%.0f,\"max_concurrent\":%d,\"mean_concurrent\":%.1f",
                w.mode().label(), p.counted, parallel ? w.maxInFlight() : 1, w.commitIntervalMillis(), w.sleepMillis(),
                parallel ? w.warmupRecords() : 0, seconds, p.counted / seconds, p.took.cpuSeconds(),
                p.took.cpuSeconds() / millions, p.took.allocatedBytes() / 1e6 / millions, p.maxRunning.get(),
                p.handlerNanos.sum() / 1e9 / seconds));
        if (p.heldSamples > 0) {
            s.append(String.format(Locale.ROOT, ",\"mean_held\":%.0f", (double) p.heldSum / p.heldSamples));
        }
        return s.append('}').toString();
    }
}
