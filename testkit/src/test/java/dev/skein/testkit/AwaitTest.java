package dev.skein.testkit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AwaitTest {

    @Test
    void untilReturnsOnceTheConditionHoldsAndCountsThrowsAsNotYet() {
        AtomicInteger looks = new AtomicInteger();
        Await.until("the third look", Duration.ofSeconds(10), () -> {
            if (looks.incrementAndGet() == 1) {
                throw new IOException("still starting");
            }
            return looks.get() >= 3;
        });
        assertEquals(3, looks.get());
    }

    @Test
    void valueReturnsWhatTheProbeFoundFirst() {
        AtomicInteger looks = new AtomicInteger();
        String found = Await.value("a name", Duration.ofSeconds(10), () -> looks.incrementAndGet() < 3 ? null : "n" + looks.get());
        assertEquals("n3", found);
    }

    @Test
    void holdsSaysWhetherTheConditionHeldInTime() {
        AtomicInteger looks = new AtomicInteger();
        assertTrue(Await.holds(() -> looks.incrementAndGet() >= 2, Duration.ofSeconds(10)));
        assertFalse(Await.holds(() -> false, Duration.ofMillis(120)));
    }

    @Test
    void aTimeoutNamesWhatWasAwaitedAndCarriesTheLastFailure() {
        AssertionError e = assertThrows(AssertionError.class, () -> Await.value("the broker's answer",
                Duration.ofMillis(120), () -> {
                    throw new IOException("refused");
                }));
        assertTrue(e.getMessage().contains("the broker's answer"), e.getMessage());
        assertInstanceOf(IOException.class, e.getCause());
    }

    @Test
    void anInterruptedWaitFailsAndKeepsTheInterrupt() {
        Thread.currentThread().interrupt();
        try {
            assertThrows(AssertionError.class, () -> Await.until("never", Duration.ofSeconds(10), () -> false));
            assertTrue(Thread.interrupted(), "the interrupt status is kept");
        } finally {
            Thread.interrupted();
        }
    }
}
