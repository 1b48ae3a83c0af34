package dev.skein.consumer.internal;

import dev.skein.core.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which reset lookup under way a poll keeps waiting for, rather than starting another. */
class ResetLookupTest {
    private static final TopicPartition A = new TopicPartition("t", 0);
    private static final TopicPartition B = new TopicPartition("t", 1);

    @Test
    void theLookupUnderWayAnswersTheSameQueriesOrFewer() {
        Map<TopicPartition, Long> asked = Map.of(A, OffsetLookup.EARLIEST, B, OffsetLookup.EARLIEST);
        assertTrue(SkeinConsumer.covers(asked, Map.of(A, OffsetLookup.EARLIEST, B, OffsetLookup.EARLIEST)));
        assertTrue(SkeinConsumer.covers(asked, Map.of(B, OffsetLookup.EARLIEST)), "A settled meanwhile");
        assertFalse(SkeinConsumer.covers(asked, Map.of(A, OffsetLookup.LATEST)), "another strategy");
        assertFalse(SkeinConsumer.covers(Map.of(A, OffsetLookup.EARLIEST), Map.of(B, OffsetLookup.EARLIEST)), "another partition");
    }

    /** A reset by duration computes its timestamp afresh on every poll: a new lookup each time would never finish. */
    @Test
    void aResetByDurationKeepsItsLookupAcrossPolls() {
        assertTrue(SkeinConsumer.covers(Map.of(A, 1_000L), Map.of(A, 1_250L)));
        assertFalse(SkeinConsumer.covers(Map.of(A, 1_000L), Map.of(A, OffsetLookup.LATEST)));
    }
}
