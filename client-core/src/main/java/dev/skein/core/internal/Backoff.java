package dev.skein.core.internal;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one backoff formula of every retry in Skein (KIP-580, as Apache Kafka's clients): the wait before
 * the next attempt is {@code base} doubled per failed attempt after the first, capped at {@code max},
 * times a jitter of 0.8 to 1.2, so that clients that failed together do not retry together.
 */
public final class Backoff {
    private Backoff() {}

    /** The wait after {@code failures} failed attempts (0 or 1: the base), jittered with {@code random} in [0, 1). */
    public static long nanos(int failures, long baseNanos, long maxNanos, double random) {
        double exp = baseNanos * Math.pow(2, Math.max(0, failures - 1));
        return (long) (Math.min(exp, maxNanos) * (0.8 + 0.4 * random));
    }

    /** As {@link #nanos(int, long, long, double)}, with a random jitter. */
    public static long nanos(int failures, Duration base, Duration max) {
        return nanos(failures, base.toNanos(), max.toNanos(), ThreadLocalRandom.current().nextDouble());
    }
}
