package dev.skein.core.internal;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {
    @Test
    void theBackoffDoublesPerAttemptUpToItsCapWithinTwentyPercent() {
        long base = TimeUnit.MILLISECONDS.toNanos(100);
        long max = TimeUnit.MILLISECONDS.toNanos(1000);
        assertEquals(base, Backoff.nanos(1, base, max, 0.5));
        assertEquals(2 * base, Backoff.nanos(2, base, max, 0.5));
        assertEquals(4 * base, Backoff.nanos(3, base, max, 0.5));
        assertEquals(max, Backoff.nanos(5, base, max, 0.5), "16 x base, capped");
        assertEquals(max, Backoff.nanos(500, base, max, 0.5), "no overflow however many attempts");
        assertEquals((long) (0.8 * base), Backoff.nanos(1, base, max, 0.0));
        assertTrue(Backoff.nanos(1, base, max, 0.999_999) <= (long) (1.2 * base));
        assertEquals(base, Backoff.nanos(0, base, max, 0.5), "a first attempt that failed waits the base");
    }
}
