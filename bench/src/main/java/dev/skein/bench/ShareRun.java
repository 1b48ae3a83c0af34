package dev.skein.bench;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.LongStream;

/**
 * One measurement of {@link ShareComparison}, in a JVM of its own so that its CPU time is one client's
 * alone, JIT and GC included. Arguments: {@link ShareWorkload#toArgs()}. Prints one JSON line on stdout.
 *
 * <p>The members of a group are share consumers of one client in this JVM, each on a thread of its own
 * and polling in a loop, as an application with several workers in one process would run them; the
 * process's CPU time is then the whole group's. Each member polls until the group as a whole has
 * received every record of the topic (counted across members); the first record any member receives
 * starts the clock and the poll that completes the set stops it. So the join and the first fetch are
 * not in records/s, and neither is {@code close}. {@code first_record_ms} is from the start of the
 * members (their construction included) to the first record.
 *
 * <p>Each record is marked in a bit set per partition as it arrives: one already marked is a
 * duplicate (delivered twice: in implicit mode without failures there should be none). Also in the
 * line: the records each member received, the records per non-empty poll, the broker's CPU time over
 * the same window ({@code broker_cpu_s_per_million}: on a machine this small the broker is most of
 * the work, and a client's requests can make it more or less), and the wall-clock time the clock
 * started ({@code clock_start}, UTC, to find the window in a flight recording).
 *
 * <p>Warm-up: a first group of the same number of members reads {@code warmupRecords} records and is
 * closed, unmeasured, so the JIT has compiled the fetch, decode and acknowledgement paths.
 */
public final class ShareRun {
    /** A group that receives no new record for this long has stalled: the run fails rather than hang. */
    private static final Duration STALL = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);

    private ShareRun() {}

    public static void main(String[] args) throws Exception {
        ChildJvm.exitWithParent();
        ShareWorkload w = ShareWorkload.fromArgs(args);
        if (w.warmupRecords() > 0) {
            read(w, w.warmupGroup(), Math.min(w.warmupRecords(), w.records()));
        }
        Group measured = read(w, w.group(), w.records());
        long expectedBytes = (long) w.records() * w.valueBytes();
        if (measured.distinct.get() != w.records() || measured.valueBytes.get() != expectedBytes + measured.duplicateBytes.get()) {
            throw new IllegalStateException("received " + measured.distinct.get() + " distinct records, " + measured.valueBytes.get()
                    + " value bytes; the topic holds " + w.records() + " of " + expectedBytes);
        }
        System.out.println(json(w, measured));
        System.exit(0);
    }

    /** What one member's current poll brought: its polling thread's alone, added to the group's once per poll. */
    private static final class Tally {
        long fresh;
        long valueBytes;
        long duplicateBytes;
    }

    /**
     * What one group's members received, together. Thread-safe: the bit sets and counters are atomic,
     * the clock is started and stopped under the group's lock, and the per-member arrays are written by
     * each member's own thread and read after {@link Thread#join}.
     */
    private static final class Group {
        final long target;
        final long brokerPid;
        /** Per partition, one bit per offset: received at least once. */
        final AtomicLongArray[] seen;
        final AtomicLong distinct = new AtomicLong();
        final AtomicLong deliveries = new AtomicLong();
        final AtomicLong valueBytes = new AtomicLong();
        final AtomicLong duplicateBytes = new AtomicLong();
        final AtomicReference<Usage> start = new AtomicReference<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CountDownLatch finished = new CountDownLatch(1);
        final long createdNanos = System.nanoTime();
        volatile long lastProgressNanos = createdNanos;
        volatile Instant startedAt;
        volatile long brokerCpuAtStart;
        volatile long brokerCpuTook;
        volatile Usage took;
        final long[] perMember;
        final long[] polls;
        final long[] nonEmptyPolls;

        Group(ShareWorkload w, long target) {
            this.target = target;
            this.brokerPid = w.brokerPid();
            this.seen = new AtomicLongArray[w.partitions()];
            for (int p = 0; p < seen.length; p++) {
                seen[p] = new AtomicLongArray((w.records() + 63) / 64);
            }
            this.perMember = new long[w.members()];
            this.polls = new long[w.members()];
            this.nonEmptyPolls = new long[w.members()];
        }

        /** @return whether the record is new to the group (its bit was not set) */
        boolean mark(int partition, long offset) {
            long bit = 1L << (offset & 63);
            return (seen[partition].getAndAccumulate((int) (offset >>> 6), bit, (a, b) -> a | b) & bit) == 0;
        }

        /** One member's poll of {@code records} records has been walked into {@code t}. */
        void polled(int member, int records, Tally t) {
            polls[member]++;
            if (records == 0) {
                return;
            }
            nonEmptyPolls[member]++;
            perMember[member] += records;
            deliveries.addAndGet(records);
            valueBytes.addAndGet(t.valueBytes);
            duplicateBytes.addAndGet(t.duplicateBytes);
            if (t.fresh == 0) {
                return;
            }
            lastProgressNanos = System.nanoTime();
            if (distinct.addAndGet(t.fresh) >= target && finished.getCount() > 0) {
                synchronized (this) {
                    if (finished.getCount() > 0) {
                        took = start.get().elapsed();
                        brokerCpuTook = cpuNanos(brokerPid) - brokerCpuAtStart;
                        finished.countDown();
                    }
                }
            }
        }

        /** The first record of the group: the clock starts. */
        void started() {
            synchronized (this) {
                if (start.get() == null) {
                    startedAt = Instant.now();
                    brokerCpuAtStart = cpuNanos(brokerPid);
                    start.set(Usage.now());
                }
            }
        }

        void fail(Throwable e) {
            failure.compareAndSet(null, e);
            finished.countDown();
        }

        boolean done() {
            return finished.getCount() == 0;
        }
    }

    /** {@code w.members()} members of share group {@code group} until they have received {@code records} distinct records. */
    private static Group read(ShareWorkload w, String group, int records) throws InterruptedException {
        Group g = new Group(w, records);
        List<Thread> threads = new ArrayList<>();
        for (int m = 0; m < w.members(); m++) {
            int member = m;
            Thread t = new Thread(() -> {
                try {
                    member(w, group, g, member);
                } catch (Throwable e) {
                    g.fail(e);
                }
            }, "share-member-" + m);
            threads.add(t);
            t.start();
        }
        while (!g.finished.await(1, TimeUnit.SECONDS)) {
            if (System.nanoTime() - g.lastProgressNanos > STALL.toNanos()) {
                g.fail(new IllegalStateException(w.client().label() + " " + w.members() + " member(s): " + g.distinct.get()
                        + " of " + records + " records received, then none for " + STALL));
            }
        }
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(2));
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not close within 2 minutes");
            }
        }
        if (g.failure.get() != null) {
            throw new IllegalStateException("share group " + group + " failed", g.failure.get());
        }
        return g;
    }

    /** One member's loop, on its own thread: poll until the group is done, then close (accepting the last poll). */
    private static void member(ShareWorkload w, String group, Group g, int member) {
        Tally t = new Tally();
        BenchShareConsumer.Sink sink = (partition, offset, valueBytes) -> {
            if (g.start.get() == null) {
                g.started();
            }
            t.valueBytes += valueBytes;
            if (g.mark(partition, offset)) {
                t.fresh++;
            } else {
                t.duplicateBytes += valueBytes;
            }
        };
        try (BenchShareConsumer c = BenchShareConsumer.open(w.client(), w.properties(group))) {
            c.subscribe(w.topic());
            while (!g.done()) {
                t.fresh = 0;
                t.valueBytes = 0;
                t.duplicateBytes = 0;
                int n = c.poll(POLL, sink);
                g.polled(member, n, t);
            }
        }
    }

    /** CPU time of process {@code pid} so far (from /proc on Linux); 0 where the OS does not tell. */
    private static long cpuNanos(long pid) {
        if (pid < 0) {
            return 0;
        }
        return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).map(Duration::toNanos).orElse(0L);
    }

    private static String json(ShareWorkload w, Group g) {
        Usage took = g.took;
        double millions = w.records() / 1e6;
        long nonEmpty = LongStream.of(g.nonEmptyPolls).sum();
        return String.format(Locale.ROOT, "{\"client\":\"%s\",\"partitions\":%d,\"members\":%d,\"value_bytes\":%d,"
                        + "\"records\":%d,\"warmup_records\":%d,\"seconds\":%.3f,\"records_per_sec\":%.0f,\"cpu_seconds\":%.3f,"
                        + "\"cpu_s_per_million\":%.3f,\"alloc_mb_per_million\":%.0f,\"deliveries\":%d,\"duplicates\":%d,"
                        + "\"first_record_ms\":%.1f,\"polls\":%d,\"records_per_poll\":%.1f,\"member_records\":\"%s\","
                        + "\"broker_cpu_s_per_million\":%.3f,\"clock_start\":\"%s\"}",
                w.client().label(), w.partitions(), w.members(), w.valueBytes(), w.records(), w.warmupRecords(), took.seconds(),
                w.records() / took.seconds(), took.cpuSeconds(), took.cpuSeconds() / millions,
                took.allocatedBytes() / 1e6 / millions, g.deliveries.get(), g.deliveries.get() - g.distinct.get(),
                (g.start.get().wallNanos() - g.createdNanos) / 1e6, LongStream.of(g.polls).sum(),
                nonEmpty == 0 ? 0.0 : (double) g.deliveries.get() / nonEmpty,
                LongStream.of(g.perMember).mapToObj(Long::toString).collect(Collectors.joining("/")),
                w.brokerPid() < 0 ? -1.0 : g.brokerCpuTook / 1e9 / millions,
                DateTimeFormatter.ISO_LOCAL_TIME.format(g.startedAt.atOffset(ZoneOffset.UTC)));
    }
}
