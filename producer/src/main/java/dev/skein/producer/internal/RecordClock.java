package dev.skein.producer.internal;

import io.netty.util.concurrent.EventExecutor;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The wall clock that stamps a producer's records sent without a timestamp (their CreateTime). It
 * reads {@link System#currentTimeMillis()} for every record, except while records are stamped faster
 * than about a million a second: then the producer's event loop reads it once a millisecond, and
 * records take what it read.
 *
 * <p>Why: on a virtual machine's clock source a read of the wall clock takes 20-30 ns (28 ns on the
 * machine of bench/README.md), about a tenth of the producer's CPU per record at two million records a
 * second. A thread of its own, woken every millisecond, cost 26-36 µs a wake-up there, as much as a
 * thousand reads or more; the event loop is awake anyway while records flow that fast, and runs the
 * tick between its reads and writes.
 *
 * <p>When {@link #START_READS} reads fall within one millisecond, the loop starts publishing the wall
 * clock every {@link #TICK_MILLIS} ms, and {@link #millis()} returns what it published: the wall
 * clock's millisecond at the record's {@code send()}, or up to about a millisecond before it (more
 * only while the loop is busy with one long task). Apache Kafka's timestamps have millisecond
 * resolution, and the clocks of brokers and clients differ by more than that. After {@link #RUN_TICKS}
 * ticks it stops, whether or not records are still stamped: reads go back to the wall clock, and start
 * it again if they are still that many. So a burst leaves at most {@link #RUN_TICKS} ticks behind it,
 * and nothing counts reads while it runs.
 *
 * <p>Without a loop (the detached send path of the benchmarks) every read is of the wall clock.
 */
final class RecordClock {
    static final long TICK_MILLIS = 1;
    /** Reads within one wall-clock millisecond that start the ticks. */
    static final int START_READS = 1000;
    /** Ticks for each start: 100 ms. */
    static final int RUN_TICKS = 100;

    private final EventExecutor loop;
    private volatile long millis;
    /** Set while the loop publishes {@link #millis}; readers then use it. */
    private volatile boolean ticking;
    /** Set from a start until the ticks have stopped: at most one run of ticks at a time. */
    private final AtomicBoolean running = new AtomicBoolean();
    /** Ticks of the current run; the loop's alone. */
    private int ticked;
    // Plain fields, raced by readers on purpose: they only decide when to start the ticks. A lost count
    // starts them a little later; a stale millisecond only resets the count (a long is written whole on
    // the 64-bit JVMs Skein runs on).
    private long readsMillis;
    private int readsInMillis;

    /** @param loop the event loop that ticks, or null to read the wall clock for every record */
    RecordClock(EventExecutor loop) {
        this.loop = loop;
    }

    /** The wall clock's milliseconds: exact, or at most about a tick old while the loop ticks. */
    long millis() {
        if (ticking) { // checked first: start() writes millis before it sets ticking, so what is read next is no older
            return millis;
        }
        long now = System.currentTimeMillis();
        if (now != readsMillis) {
            readsMillis = now;
            readsInMillis = 1;
        } else if (++readsInMillis == START_READS && loop != null) {
            start(now);
        }
        return now;
    }

    /** Whether the loop is publishing (for tests). */
    boolean ticking() {
        return ticking;
    }

    private void start(long now) {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        millis = now;
        ticking = true;
        next();
    }

    /** Schedules the next tick; a loop that is shutting down (the producer is closing) ends the run. */
    private void next() {
        try {
            loop.schedule(this::tick, TICK_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            stop();
        }
    }

    private void tick() {
        millis = System.currentTimeMillis();
        if (++ticked < RUN_TICKS) {
            next();
        } else {
            stop();
        }
    }

    private void stop() {
        ticked = 0;
        ticking = false;
        running.set(false);
    }
}
