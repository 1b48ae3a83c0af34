package dev.skein.core.internal.net;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code socket.connection.setup.timeout.ms} doubling per failure up to {@code .max.ms}, +/-20%. */
class SetupTimeoutTest {
    private static final Duration BASE = Duration.ofSeconds(10);
    private static final Duration MAX = Duration.ofSeconds(30);

    @Test
    void doublesPerConsecutiveFailureUpToTheMaximum() {
        double middle = 0.5; // no jitter
        assertEquals(Duration.ofSeconds(10), ConnectionManager.setupTimeout(0, BASE, MAX, middle));
        assertEquals(Duration.ofSeconds(20), ConnectionManager.setupTimeout(1, BASE, MAX, middle));
        assertEquals(Duration.ofSeconds(30), ConnectionManager.setupTimeout(2, BASE, MAX, middle));
        assertEquals(Duration.ofSeconds(30), ConnectionManager.setupTimeout(50, BASE, MAX, middle));
    }

    @Test
    void jitterIsTwentyPercentEitherWay() {
        assertEquals(Duration.ofSeconds(8), ConnectionManager.setupTimeout(0, BASE, MAX, 0.0));
        assertEquals(Duration.ofSeconds(36), ConnectionManager.setupTimeout(9, BASE, MAX, 1.0));
    }

    @Test
    void aMaximumNotAboveTheBaseLeavesTheBase() {
        assertEquals(BASE, ConnectionManager.setupTimeout(5, BASE, Duration.ofSeconds(5), 0.0));
    }
}
