package dev.skein.producer.internal;

import dev.skein.testkit.Await;
import io.netty.util.concurrent.DefaultEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The record clock against the wall clock: exact when read slowly, never ahead and close behind when ticking. */
class RecordClockTest {
    private final DefaultEventExecutor loop = new DefaultEventExecutor();

    @AfterEach
    void stopLoop() {
        assertTrue(loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS));
    }

    @Test
    void readSlowlyItIsTheWallClockAndDoesNotTick() {
        RecordClock clock = new RecordClock(loop);
        for (int i = 0; i < RecordClock.START_READS / 2; i++) {
            long before = System.currentTimeMillis();
            long m = clock.millis();
            long after = System.currentTimeMillis();
            assertTrue(before <= m && m <= after, before + " <= " + m + " <= " + after);
        }
        // Fewer reads in all than start the ticks, whatever milliseconds they fell in.
        assertFalse(clock.ticking());
    }

    @Test
    void withoutALoopEveryReadIsOfTheWallClock() {
        RecordClock clock = new RecordClock(null);
        for (int i = 0; i < RecordClock.START_READS * 20; i++) {
            long before = System.currentTimeMillis();
            long m = clock.millis();
            assertTrue(m >= before, m + " >= " + before);
        }
        assertFalse(clock.ticking());
    }

    @Test
    void aBurstOfReadsStartsTheTicksWhichTrailTheWallClockAndThenStop() {
        RecordClock clock = new RecordClock(loop);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!clock.ticking() && System.nanoTime() < deadline) {
            clock.millis(); // a tight loop makes far more than START_READS reads in a millisecond
        }
        assertTrue(clock.ticking(), "a burst of reads started the ticks");

        long worstLag = 0;
        for (int i = 0; clock.ticking() && i < 1_000_000; i++) {
            long m = clock.millis();
            long wall = System.currentTimeMillis();
            assertTrue(m <= wall, "never ahead of the wall clock: " + m + " > " + wall);
            worstLag = Math.max(worstLag, wall - m);
        }
        // A tick is a millisecond; the bound is loose only for a loaded machine, where the loop may wait for a core.
        assertTrue(worstLag < 1_000, "trails the wall clock by " + worstLag + " ms");

        Await.until("the ticks stop after their run", Duration.ofSeconds(10), () -> !clock.ticking());
        long before = System.currentTimeMillis();
        assertTrue(clock.millis() >= before, "stopped, it reads the wall clock again");
    }

    @Test
    void aLoopThatHasShutDownLeavesItOnTheWallClock() {
        RecordClock clock = new RecordClock(loop);
        assertTrue(loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS));
        for (int i = 0; i < RecordClock.START_READS * 20; i++) {
            long before = System.currentTimeMillis();
            assertTrue(clock.millis() >= before);
        }
        assertFalse(clock.ticking());
    }
}
