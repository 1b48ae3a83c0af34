package dev.skein.consumer.internal;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** KIP-320 as the positions see it: when a position must be validated, and what each answer does to it. */
class PositionValidationTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    private static SubscriptionState assigned() {
        SubscriptionState s = new SubscriptionState();
        s.assign(List.of(TP));
        return s;
    }

    private static SubscriptionState.FetchPosition only(SubscriptionState s) {
        List<SubscriptionState.FetchPosition> f = s.fetchable();
        assertEquals(1, f.size(), "fetchable: " + f);
        return f.get(0);
    }

    @Test
    void theLeadersAnswerIsJudgedAgainstThePosition() {
        assertEquals(PositionValidator.Verdict.VALID, PositionValidator.judge(20, 3, 20), "the epoch ends at the position");
        assertEquals(PositionValidator.Verdict.VALID, PositionValidator.judge(20, 3, 25), "the epoch ends past it");
        assertEquals(PositionValidator.Verdict.DIVERGED, PositionValidator.judge(20, 2, 10), "the log diverges at 10");
        assertEquals(PositionValidator.Verdict.UNKNOWN_EPOCH, PositionValidator.judge(20, -1, -1), "an undefined answer");
    }

    @Test
    void aPositionWithAnEpochIsValidatedOnceUnderEachLeaderEpoch() {
        SubscriptionState s = assigned();
        s.seek(TP, 20, 4); // from a commit
        assertTrue(only(s).needsValidation(5), "a committed position is checked before fetching");
        assertTrue(s.startValidation(TP, 20));
        assertTrue(s.fetchable().isEmpty(), "not fetched while the check is in flight");
        assertFalse(s.startValidation(TP, 20), "one check at a time");
        s.validated(TP, 20, 5, 20, 4);
        assertFalse(only(s).needsValidation(5), "valid under leader epoch 5");
        assertTrue(s.advance(TP, 20, 30, 5));
        assertFalse(only(s).needsValidation(5), "records read from the same leader need no check");
        assertTrue(only(s).needsValidation(6), "a new leader does");
    }

    /**
     * A fetch sent to the old leader can still answer with records after a check of the same position
     * started under the new one: reading them moves the position, the check's answer is then about a
     * position that no longer is (ignored), and the new position must be checked in turn, not left
     * waiting for an answer that will never apply.
     */
    @Test
    void recordsReadWhileACheckIsInFlightLeaveThePartitionToBeCheckedAgain() {
        SubscriptionState s = assigned();
        s.seek(TP, 20, 4);
        assertTrue(s.startValidation(TP, 20));
        s.validated(TP, 20, 4, 20, 4);
        assertTrue(only(s).needsValidation(5), "a new leader epoch");
        assertTrue(s.startValidation(TP, 20));
        assertTrue(s.advance(TP, 20, 25, 4), "the old leader's answer, in flight before, is read");
        s.validated(TP, 20, 5, 20, 4); // the check's answer, about offset 20
        SubscriptionState.FetchPosition at = only(s);
        assertEquals(25, at.offset());
        assertTrue(at.needsValidation(5), "the new position is checked under the new leader");
        assertTrue(s.startValidation(TP, 25));
    }

    @Test
    void aDivergedPositionMovesToTheDivergencePointWithItsEpoch() {
        SubscriptionState s = assigned();
        s.seek(TP, 20, 4);
        s.startValidation(TP, 20);
        s.validated(TP, 20, 6, 10, 4);
        SubscriptionState.FetchPosition at = only(s);
        assertEquals(10, at.offset());
        assertEquals(4, at.epoch());
        assertFalse(at.needsValidation(6));
        assertEquals(Map.of(TP, new OffsetAndMetadata(10, "", 4)), s.positions(), "commits carry the epoch");
    }

    @Test
    void aSeekMeanwhileWinsOverTheAnswer() {
        SubscriptionState s = assigned();
        s.seek(TP, 20, 4);
        s.startValidation(TP, 20);
        s.seek(TP, 3);
        s.validated(TP, 20, 6, 10, 4);
        assertEquals(3, only(s).offset(), "the answer was about a position that is gone");
        assertFalse(only(s).needsValidation(6), "a seek without an epoch has nothing to validate");
    }

    @Test
    void aTruncatedPartitionStaysUnfetchedUntilASeek() {
        SubscriptionState s = assigned();
        s.seek(TP, 20, 4);
        s.startValidation(TP, 20);
        s.truncated(TP, 20);
        assertTrue(s.fetchable().isEmpty(), "auto.offset.reset=none: stopped");
        s.seek(TP, 10, 4);
        assertEquals(10, only(s).offset());
    }

    @Test
    void aFailedCheckIsTriedAgain() {
        SubscriptionState s = assigned();
        s.seek(TP, 20, 4);
        s.startValidation(TP, 20);
        s.validationFailed(TP, 20);
        assertTrue(only(s).needsValidation(5));
        assertTrue(s.startValidation(TP, 20));
    }

    @Test
    void aPositionWithoutAnEpochTakesTheLeaderItIsFetchedFrom() {
        SubscriptionState s = assigned();
        s.seek(TP, 0);
        assertFalse(only(s).needsValidation(5), "no epoch: nothing to ask");
        s.fetchingUnder(TP, 0, 5);
        assertTrue(s.advance(TP, 0, 10, 5));
        assertFalse(only(s).needsValidation(5), "its records came from leader epoch 5");
        assertTrue(only(s).needsValidation(6));
    }

    @Test
    void aTopicCreatedAgainUnderTheSameNameLosesItsPositionsToTheResetPolicy() {
        SubscriptionState s = assigned();
        s.seek(TP, 700, 4);
        s.pause(List.of(TP), true);
        java.util.UUID first = java.util.UUID.randomUUID();
        assertEquals(List.of(), s.checkTopicIds(t -> first, dev.skein.consumer.OffsetReset.EARLIEST), "the first id is noted");
        assertEquals(List.of(), s.checkTopicIds(t -> null, dev.skein.consumer.OffsetReset.EARLIEST), "metadata without the topic");
        assertEquals(700, s.position(TP));
        java.util.UUID second = java.util.UUID.randomUUID();
        assertEquals(List.of(TP), s.checkTopicIds(t -> second, dev.skein.consumer.OffsetReset.EARLIEST));
        assertEquals(-1, s.position(TP), "the old log's offset means nothing in the new one");
        assertEquals(dev.skein.consumer.OffsetReset.EARLIEST, s.pendingReset(TP));
        assertTrue(s.isPaused(TP), "a pause is the application's, not the log's");
        assertEquals(List.of(), s.checkTopicIds(t -> second, dev.skein.consumer.OffsetReset.EARLIEST));
    }
}
