package dev.skein.producer.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The wall clock that stamps records sent without a timestamp (their CreateTime). It reads
 * {@link System#currentTimeMillis()} for every record, except while records are stamped faster than
 * about a million a second, where reading the clock for each one costs more than a thread that reads
 * it once a millisecond.
 *
 * <p>Why: on a virtual machine's clock source a read of the wall clock takes 20-30 ns (28 ns on the
 * machine of bench/README.md), about a tenth of the producer's CPU per record at two million records a
 * second. A thread that wakes every millisecond costs 5-30 µs a wake-up (26 µs there), as much as about
 * a thousand reads, hence the threshold.
 *
 * <p>When {@link #START_READS} reads fall within one millisecond, one daemon thread ({@code skein-clock},
 * shared by every producer of the JVM) starts publishing the wall clock every {@link #TICK_NANOS}, and
 * {@link #millis()} returns what it published: the wall clock's millisecond at the record's
 * {@code send()}, or up to about a millisecond before it (longer only while that thread waits for a
 * core). Apache Kafka's timestamps have millisecond resolution, and clocks of brokers and clients differ
 * by more than that. After {@link #RUN_TICKS} ticks the thread stops and parks, whether or not records
 * are still stamped: reads go back to the wall clock, and start it again if they are still that many.
 * So a burst leaves at most {@link #RUN_TICKS} wake-ups behind it, and there is no rate to measure
 * while it runs.
 */
final class RecordClock {
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Reads within one wall-clock millisecond that start the thread. */
    static final int START_READS = 1000;
    /** Ticks the thread runs for each start: 100 ms. */
    static final int RUN_TICKS = 100;

    private static final RecordClock SHARED = new RecordClock();

    private volatile long millis;
    /** Set while the thread publishes {@link #millis}; readers then use it. */
    private volatile boolean ticking;
    // Plain fields, raced by readers on purpose: they only decide when to start the thread. A lost
    // count starts it a little later; a torn millisecond cannot happen (a long is written whole on
    // the 64-bit JVMs Skein runs on, and a stale one only resets the count).
    private long readsMillis;
    private int readsInMillis;
    private Thread thread;

    /** The clock every producer shares. */
    static RecordClock shared() {
        return SHARED;
    }

    /** The wall clock's milliseconds: exact, or at most about a tick old while the thread runs. */
    long millis() {
        if (ticking) { // checked first: start() writes millis before it sets ticking, so what is read next is no older
            return millis;
        }
        long now = System.currentTimeMillis();
        if (now != readsMillis) {
            readsMillis = now;
            readsInMillis = 1;
        } else if (++readsInMillis == START_READS) {
            start(now);
        }
        return now;
    }

    /** Whether the thread is publishing (for tests). */
    boolean ticking() {
        return ticking;
    }

    private synchronized void start(long now) {
        if (ticking) {
            return;
        }
        millis = now;
        ticking = true;
        if (thread == null) {
            thread = new Thread(this::run, "skein-clock");
            thread.setDaemon(true);
            thread.start();
        } else {
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        int ticks = 0;
        while (true) {
            if (!ticking) {
                LockSupport.park(this); // until start() unparks it; a spurious wake-up just looks again
                continue;
            }
            millis = System.currentTimeMillis();
            if (++ticks >= RUN_TICKS) {
                ticks = 0;
                stop();
                continue;
            }
            LockSupport.parkNanos(this, TICK_NANOS);
        }
    }

    private synchronized void stop() {
        ticking = false;
        readsInMillis = 0;
    }
}
