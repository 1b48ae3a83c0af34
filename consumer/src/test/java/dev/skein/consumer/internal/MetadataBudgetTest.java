package dev.skein.consumer.internal;

import dev.skein.consumer.CommitFailedException;
import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetadataBudgetTest {
    private static final TopicPartition A = new TopicPartition("t", 0);
    private static final TopicPartition B = new TopicPartition("t", 1);

    @Test
    void aRefusedCommitGoesPlainNextThenEveryCommitGetsHalfTheLengthDownToNone() {
        MetadataBudget budget = new MetadataBudget(4000);
        assertEquals(4000, budget.next(A));
        budget.refused(List.of(A));
        assertEquals(0, budget.next(A), "the plain offset first: the broker takes it");
        assertEquals(2000, budget.next(B), "the broker's cap is the same for every partition");
        budget.accepted(List.of(A));
        assertEquals(2000, budget.next(A));
        for (int expected : new int[] {1000, 500, 250, 125, 62, 0, 0}) {
            budget.refused(List.of(A));
            budget.accepted(List.of(A));
            assertEquals(expected, budget.next(A));
        }
    }

    @Test
    void knowsTheRefusalInsideACommitFailure() {
        assertTrue(MetadataBudget.tooLarge(new CommitFailedException("commit failed",
                ErrorCode.OFFSET_METADATA_TOO_LARGE.exception("OffsetCommit of [t-0]"))));
        assertFalse(MetadataBudget.tooLarge(new CommitFailedException("commit failed",
                ErrorCode.REBALANCE_IN_PROGRESS.exception("OffsetCommit of [t-0]"))));
        assertFalse(MetadataBudget.tooLarge(new IllegalStateException("closed")));
    }
}
