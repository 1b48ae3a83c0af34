package dev.skein.producer.internal;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** metadata.max.idle.ms (KIP-526) on a manual clock: which topics leave the producer's metadata, and when. */
class IdleTopicsTest {
    private static final long IDLE = TimeUnit.SECONDS.toNanos(5);
    private final IdleTopics topics = new IdleTopics(IDLE);

    private static long s(double seconds) {
        return (long) (seconds * 1e9);
    }

    @Test
    void aTopicNotSentToForTheIdleTimeExpiresAndOneSentToStays() {
        topics.used("a", s(0));
        topics.used("b", s(0));
        assertEquals(List.of(), topics.expire(List.of("a", "b"), Set::of, s(1)));
        assertEquals(s(5), topics.nextCheckNanos(), "the earliest a topic can go idle");
        topics.used("b", s(4));
        assertEquals(List.of("a"), topics.expire(List.of("a", "b"), Set::of, s(5)));
        assertEquals(s(9), topics.nextCheckNanos());
        assertEquals(List.of(), topics.expire(List.of("b"), Set::of, s(8.9)));
        assertEquals(List.of("b"), topics.expire(List.of("b"), Set::of, s(9)));
        assertEquals(s(14), topics.nextCheckNanos(), "nothing left to watch: a look every idle time, for topics added meanwhile");
    }

    @Test
    void aTopicOfInterestNeverSentToStartsItsIdleTimeWhenFirstSeen() {
        assertEquals(List.of(), topics.expire(List.of("looked-up"), Set::of, s(10)), "partitionsFor(), say");
        assertEquals(s(15), topics.nextCheckNanos());
        assertEquals(List.of("looked-up"), topics.expire(List.of("looked-up"), Set::of, s(15)));
    }

    @Test
    void aTopicWithBatchesQueuedOrInFlightIsInUseWhateverItsLastRequest() {
        topics.used("waiting-for-a-leader", s(0));
        assertEquals(List.of(), topics.expire(List.of("waiting-for-a-leader"), () -> Set.of("waiting-for-a-leader"), s(6)));
        assertEquals(s(11), topics.nextCheckNanos(), "idle again from when it was last busy");
        assertEquals(List.of("waiting-for-a-leader"), topics.expire(List.of("waiting-for-a-leader"), Set::of, s(11)));
    }

    @Test
    void theBusyTopicsAreLookedUpOnlyWhenSomeTopicIsIdle() {
        AtomicInteger lookups = new AtomicInteger();
        topics.used("a", s(0));
        topics.expire(List.of("a"), () -> {
            lookups.incrementAndGet();
            return Set.of();
        }, s(1));
        assertEquals(0, lookups.get());
        topics.expire(List.of("a"), () -> {
            lookups.incrementAndGet();
            return Set.of();
        }, s(6));
        assertEquals(1, lookups.get());
    }

    @Test
    void aTopicDroppedFromTheMetadataElsewhereIsForgotten() {
        topics.used("a", s(0));
        topics.expire(List.of(), Set::of, s(1));
        assertTrue(topics.expire(List.of("a"), Set::of, s(5.5)).isEmpty(), "tracked again from 5.5 s, as new");
    }
}
