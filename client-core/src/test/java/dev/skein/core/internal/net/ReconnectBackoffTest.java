package dev.skein.core.internal.net;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** {@link ReconnectBackoff} on a manual clock: reconnect.backoff.ms 100, reconnect.backoff.max.ms 1 s, no jitter. */
class ReconnectBackoffTest {
    private static final long MS = 1_000_000;
    private static final int NODE = 1;
    private final ReconnectBackoff b = new ReconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.5);

    @Test
    void failedAttemptsBackOffExponentiallyUpToTheMaximum() {
        assertEquals(0, b.delayNanos(NODE, 0), "never tried: at once");
        List<Long> waits = new ArrayList<>();
        long now = 0;
        for (int i = 0; i < 6; i++) {
            b.failed(NODE, now);
            waits.add(b.delayNanos(NODE, now) / MS);
            now += b.delayNanos(NODE, now);
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1_000L, 1_000L), waits);
        assertEquals(6, b.failedSetups(NODE));
    }

    /** As Apache Kafka's ClusterConnectionStates.disconnected: a connection that closes puts its broker in backoff. */
    @Test
    void aConnectionThatLivedLongWaitsTheBaseBackoffAfterItCloses() {
        Object conn = new Object();
        b.established(NODE, conn, 0);
        assertEquals(0, b.delayNanos(NODE, 0), "connected: nothing to wait for");
        b.closed(NODE, conn, 60_000 * MS);
        assertEquals(100, b.delayNanos(NODE, 60_000 * MS) / MS);
    }

    /** A broker or proxy that completes each handshake and drops the connection is asked less and less often. */
    @Test
    void connectionsThatCloseSoonAfterTheyAreSetUpCountAsFailuresInARow() {
        List<Long> waits = new ArrayList<>();
        long now = 0;
        for (int i = 0; i < 5; i++) {
            Object conn = new Object();
            b.established(NODE, conn, now);
            now += 10 * MS;
            b.closed(NODE, conn, now);
            waits.add(b.delayNanos(NODE, now) / MS);
            now += b.delayNanos(NODE, now);
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1_000L), waits);
        Object lasting = new Object();
        b.established(NODE, lasting, now);
        b.closed(NODE, lasting, now + 1_000 * MS);
        assertEquals(100, b.delayNanos(NODE, now + 1_000 * MS) / MS, "one that stayed up reconnect.backoff.max.ms starts over");
    }

    @Test
    void aCloseToldTwiceOrOfAnEarlierConnectionCountsOnce() {
        Object first = new Object();
        b.established(NODE, first, 0);
        b.closed(NODE, first, 10 * MS);
        b.closed(NODE, first, 10 * MS);
        assertEquals(100, b.delayNanos(NODE, 10 * MS) / MS);
        Object second = new Object();
        b.established(NODE, second, 200 * MS);
        b.closed(NODE, first, 210 * MS);
        assertEquals(0, b.delayNanos(NODE, 210 * MS), "the open connection is still the second");
    }

    /** KIP-601: the setup timeout grows with failed attempts since the last connection set up, and only with them. */
    @Test
    void aConnectionSetUpResetsTheSetupFailuresButNotTheBackoff() {
        b.failed(NODE, 0);
        b.failed(NODE, 100 * MS);
        Object conn = new Object();
        b.established(NODE, conn, 400 * MS);
        assertEquals(0, b.failedSetups(NODE));
        b.closed(NODE, conn, 410 * MS);
        assertEquals(400, b.delayNanos(NODE, 410 * MS) / MS, "a third failure in a row");
        assertEquals(0, b.failedSetups(NODE));
    }

    @Test
    void aBootstrapSuccessForgetsTheFailures() {
        b.failed(NODE, 0);
        b.succeeded(NODE);
        assertEquals(0, b.delayNanos(NODE, 0));
        assertEquals(0, b.failedSetups(NODE));
    }

    /**
     * An authentication failure is a failure in a row like any other (no storm), held while its backoff
     * lasts (Apache Kafka's AUTHENTICATION_FAILED state), and gone once an attempt authenticates.
     */
    @Test
    void aRefusalBacksOffAsAFailureInARowAndHoldsOnlyWhileItsBackoffLasts() {
        Object refused = new Object();
        List<Long> waits = new ArrayList<>();
        long now = 0;
        for (int i = 0; i < 5; i++) {
            b.failed(NODE, now);
            b.refused(NODE, refused);
            assertSame(refused, b.refusal(NODE, now), "during the backoff");
            waits.add(b.delayNanos(NODE, now) / MS);
            now += b.delayNanos(NODE, now);
            assertNull(b.refusal(NODE, now), "the next attempt may start: it is not failed at once");
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1_000L), waits);
        b.failed(NODE, now);
        assertNull(b.refusal(NODE, now), "a later failure of another kind replaces it");
        b.refused(NODE, refused);
        Object conn = new Object();
        b.established(NODE, conn, now + 2_000 * MS);
        b.closed(NODE, conn, now + 2_000 * MS + 10);
        assertNull(b.refusal(NODE, now + 2_000 * MS + 20), "an attempt that authenticated clears it");
    }
}
