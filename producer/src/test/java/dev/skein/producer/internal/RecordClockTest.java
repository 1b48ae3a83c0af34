package dev.skein.producer.internal;

import dev.skein.testkit.Await;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The record clock against the wall clock: exact when read slowly, never ahead and close behind when ticking. */
class RecordClockTest {

    @Test
    void readSlowlyItIsTheWallClockAndStartsNoThread() {
        RecordClock clock = new RecordClock();
        for (int i = 0; i < RecordClock.START_READS / 2; i++) {
            long before = System.currentTimeMillis();
            long m = clock.millis();
            long after = System.currentTimeMillis();
            assertTrue(before <= m && m <= after, before + " <= " + m + " <= " + after);
        }
        // Fewer reads in all than start the thread, whatever milliseconds they fell in.
        assertFalse(clock.ticking());
    }

    @Test
    void aBurstOfReadsStartsTheThreadWhichTrailsTheWallClockAndThenStops() {
        RecordClock clock = new RecordClock();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!clock.ticking() && System.nanoTime() < deadline) {
            clock.millis(); // a tight loop makes far more than START_READS reads in a millisecond
        }
        assertTrue(clock.ticking(), "a burst of reads started the ticking thread");

        long worstLag = 0;
        int ticked = 0;
        while (clock.ticking() && ticked < 1_000_000) {
            long m = clock.millis();
            long wall = System.currentTimeMillis();
            assertTrue(m <= wall, "never ahead of the wall clock: " + m + " > " + wall);
            worstLag = Math.max(worstLag, wall - m);
            ticked++;
        }
        // A tick is a millisecond; the bound is loose only for a loaded machine, where the thread may wait for a core.
        assertTrue(worstLag < 1_000, "trails the wall clock by " + worstLag + " ms");

        Await.until("the thread stops after its run of ticks", Duration.ofSeconds(10), () -> !clock.ticking());
        long before = System.currentTimeMillis();
        long m = clock.millis();
        assertTrue(m >= before, "stopped, it reads the wall clock again: " + m + " < " + before);
    }
}
