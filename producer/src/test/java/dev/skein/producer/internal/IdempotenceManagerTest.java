package dev.skein.producer.internal;

import dev.skein.core.Compression;
import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.skein.producer.internal.IdempotenceManager.Action.FAIL;
import static dev.skein.producer.internal.IdempotenceManager.Action.RETRY;
import static dev.skein.producer.internal.IdempotenceManager.Action.SUCCESS;
import static dev.skein.producer.internal.IdempotenceManager.Verdict.FAIL_OUTCOME_UNKNOWN;
import static dev.skein.producer.internal.IdempotenceManager.Verdict.SEND;
import static dev.skein.producer.internal.IdempotenceManager.Verdict.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The idempotence state machine against every answer a Produce can bring, each as the broker would
 * give it: what is retried with its number, what is renumbered, what fails, and when the epoch moves.
 */
class IdempotenceManagerTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    private IdempotenceManager m = new IdempotenceManager(5);

    private static ProducerBatch batch(TopicPartition tp, int records) {
        ProducerBatch b = new ProducerBatch(tp, UnpooledByteBufAllocator.DEFAULT, Compression.NONE, null, 0L, 1 << 20, 0, 0);
        for (int i = 0; i < records; i++) {
            b.tryAppend(0L, null, new byte[] {1}, null, new CompletableFuture<>(), null);
        }
        return b;
    }

    private static ProducerBatch batch(int records) {
        return batch(P0, records);
    }

    /** Sends the batch (it must be allowed) and returns its base sequence. */
    private int send(ProducerBatch b) {
        assertEquals(SEND, m.canSend(b.tp, b), b + " may be sent");
        m.onSend(b.tp, b);
        return b.baseSequence;
    }

    private ProducerBatch acked(int records) {
        ProducerBatch b = batch(records);
        send(b);
        m.onSuccess(P0, b);
        return b;
    }

    @Test
    void nothingIsSentBeforeAProducerIdAndEveryPartitionStartsAtZero() {
        ProducerBatch a = batch(3);
        assertEquals(WAIT, m.canSend(P0, a));
        assertTrue(m.needsInitProducerId());
        m.onInitSent();
        assertFalse(m.needsInitProducerId(), "one InitProducerId at a time");
        m.onInitialized(7L, (short) 0);
        assertEquals(0, send(a));
        assertEquals(7L, a.producerId);
        assertEquals(0, send(batch(P1, 2)), "sequences are per partition");
    }

    @Test
    void oneBatchAtATimeUntilTheBrokerHasAcknowledgedOne() {
        m.onInitialized(7L, (short) 0);
        ProducerBatch a = batch(3);
        send(a);
        ProducerBatch b = batch(2);
        assertEquals(WAIT, m.canSend(P0, b), "a broker without state would take b's sequence as the first");
        m.onSuccess(P0, a);
        assertEquals(3, send(b));
        assertEquals(5, send(batch(1)), "pipelined once the broker enforces sequences");
        assertEquals(6, send(batch(1)));
        assertEquals(7, send(batch(1)));
        assertEquals(8, send(batch(1)));
        assertEquals(WAIT, m.canSend(P0, batch(1)), "at most five in flight");
    }

    @Test
    void aDuplicateIsASuccess() {
        m.onInitialized(7L, (short) 0);
        ProducerBatch a = batch(2);
        send(a);
        assertEquals(SUCCESS, m.onError(P0, a, ErrorCode.DUPLICATE_SEQUENCE_NUMBER, true, false));
        assertEquals(2, send(batch(1)), "the next follows it");
    }

    /** Refused whole and worth retrying: the retry keeps its number, the batches behind it follow it again. */
    @ParameterizedTest
    @EnumSource(names = {"NOT_LEADER_OR_FOLLOWER", "LEADER_NOT_AVAILABLE", "NOT_ENOUGH_REPLICAS", "KAFKA_STORAGE_ERROR",
            "UNKNOWN_TOPIC_OR_PARTITION", "FENCED_LEADER_EPOCH", "CORRUPT_MESSAGE", "NETWORK_EXCEPTION", "THROTTLING_QUOTA_EXCEEDED"})
    void aRefusedRetryKeepsItsNumberAndTheBatchesBehindItFollowIt(ErrorCode code) {
        m.onInitialized(7L, (short) 0);
        acked(1);
        ProducerBatch a = batch(2);
        ProducerBatch b = batch(2);
        send(a);
        send(b);
        assertEquals(RETRY, m.onError(P0, a, code, true, false));
        assertEquals(RETRY, m.onError(P0, b, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, true, false),
                "b was refused because a was missing: it follows a");
        assertEquals(WAIT, m.canSend(P0, b), "b waits for a");
        assertEquals(1, send(a), "a keeps its sequence");
        assertEquals(3, send(b), "b follows it in flight");
        assertFalse(m.isBumpNeeded());
    }

    /** No answer, or appended and not replicated in time: it may be written, so it keeps its number for good. */
    @ParameterizedTest
    @EnumSource(names = {"REQUEST_TIMED_OUT", "NOT_ENOUGH_REPLICAS_AFTER_APPEND", "NETWORK_EXCEPTION"})
    void aBatchThatMayBeWrittenIsRetriedWithItsNumber(ErrorCode code) {
        m.onInitialized(7L, (short) 0);
        acked(1);
        ProducerBatch a = batch(2);
        send(a);
        assertEquals(RETRY, m.onError(P0, a, code, true, true));
        assertTrue(a.outcomeUnknown);
        assertEquals(1, send(a));
        assertEquals(7L, a.producerId);
    }

    /**
     * a timed out, then b, numbered after it, was acknowledged: the broker takes b's sequence only after
     * a's, so a was written. Its retry goes out with its number (the broker answers it from its cache of
     * the producer's last five batches, with a's offset), rather than failing as outcome unknown and
     * retiring the sequence space. Seen under load in RollingRestartIT as sends reported "outcome
     * unknown" that had been written once.
     */
    @Test
    void aTimedOutBatchFollowedByAnAcknowledgedOneWasWrittenAndIsSentAgainWithItsNumber() {
        m.onInitialized(7L, (short) 0);
        acked(1);
        ProducerBatch a = batch(2);
        ProducerBatch b = batch(2);
        send(a);
        send(b);
        assertEquals(RETRY, m.onError(P0, a, ErrorCode.REQUEST_TIMED_OUT, true, true));
        assertTrue(a.outcomeUnknown);
        m.onSuccess(P0, b);
        assertEquals(1, send(a), "a goes again with its own sequence");
        assertEquals(7L, a.producerId);
        assertFalse(m.isBumpNeeded(), "nothing is out of step");
        m.onSuccess(P0, a);
        assertEquals(5, send(batch(1)), "the next batch follows b");
    }

    /** A retry whose range straddles what the broker acknowledged cannot line up: its space retires. */
    @Test
    void aRetryThatOverlapsTheAcknowledgedRangeCannotLineUp() {
        m.onInitialized(7L, (short) 0);
        ProducerBatch a = batch(3);
        send(a);
        assertEquals(RETRY, m.onError(P0, a, ErrorCode.REQUEST_TIMED_OUT, true, true));
        // The broker acknowledged sequences 0..1 in some other way than this producer thinks (a test of
        // the guard, not a path the broker takes).
        ProducerBatch other = batch(2);
        other.producerId = 7L;
        other.producerEpoch = 0;
        other.baseSequence = 0;
        other.sentSequence = 0;
        m.onSuccess(P0, other);
        assertEquals(FAIL_OUTCOME_UNKNOWN, m.canSend(P0, a));
    }

    @Test
    void aBatchOfUnknownOutcomeThatFailsForGoodRetiresItsSpaceAndTheRestMoveToANewEpoch() {
        m.onInitialized(7L, (short) 0);
        acked(1);
        ProducerBatch a = batch(2);
        ProducerBatch b = batch(2);
        send(a);
        send(b);
        assertEquals(FAIL, m.onError(P0, a, ErrorCode.REQUEST_TIMED_OUT, false, true), "out of time");
        m.onGivenUp(P0, a);
        assertTrue(m.needsInitProducerId(), "whether a was written is unknown: b's number may be right or not");
        assertEquals(RETRY, m.onError(P0, b, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, true, false));
        m.onInitSent();
        assertEquals(WAIT, m.canSend(P0, b), "nothing new during the bump");
        m.onInitialized(7L, (short) 1);
        assertEquals(0, send(b), "b was refused, so it is renumbered under the new epoch");
        assertEquals(1, b.producerEpoch);
    }

    @Test
    void aBatchOfUnknownOutcomeInARetiredSpaceFailsRatherThanBeingRenumbered() {
        m.onInitialized(7L, (short) 0);
        acked(1);
        ProducerBatch a = batch(1);
        ProducerBatch b = batch(1);
        send(a);
        send(b);
        assertEquals(FAIL, m.onError(P0, a, ErrorCode.REQUEST_TIMED_OUT, false, true));
        m.onGivenUp(P0, a);
        assertEquals(RETRY, m.onError(P0, b, ErrorCode.REQUEST_TIMED_OUT, true, true), "b may be written too");
        m.onInitialized(7L, (short) 1);
        assertEquals(FAIL_OUTCOME_UNKNOWN, m.canSend(P0, b), "renumbered, b could be written twice");
        m.onGivenUp(P0, b);
        ProducerBatch c = batch(1);
        assertEquals(0, send(c), "new records start the new space");
    }

    /** Refused whole and not worth retrying: the gap it leaves is closed by the batches behind it. */
    @ParameterizedTest
    @EnumSource(names = {"INVALID_RECORD", "MESSAGE_TOO_LARGE", "RECORD_LIST_TOO_LARGE", "INVALID_TIMESTAMP",
            "TOPIC_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED", "UNKNOWN_SERVER_ERROR", "INVALID_REQUIRED_ACKS"})
    void aBatchRefusedForGoodGivesItsNumbersBackWithoutABump(ErrorCode code) {
        m.onInitialized(7L, (short) 0);
        acked(1);
        ProducerBatch a = batch(2);
        ProducerBatch b = batch(3);
        send(a);
        send(b);
        assertEquals(FAIL, m.onError(P0, a, code, false, false));
        m.onGivenUp(P0, a);
        assertEquals(RETRY, m.onError(P0, b, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, true, false));
        assertFalse(m.needsInitProducerId(), "no bump: a was never written");
        assertEquals(1, send(b), "b moves down into a's place");
        assertEquals(7L, b.producerId);
        assertEquals(0, b.producerEpoch);
        assertEquals(4, send(batch(1)), "and new batches follow b");
    }

    @Test
    void theExpectedBatchRefusedAsOutOfOrderMeansTheBrokerDisagreesSoTheEpochMoves() {
        m.onInitialized(7L, (short) 0);
        acked(2);
        ProducerBatch a = batch(1);
        send(a);
        assertEquals(RETRY, m.onError(P0, a, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, true, false));
        assertTrue(m.needsInitProducerId());
        m.onInitialized(9L, (short) 0);
        assertEquals(0, send(a), "renumbered under the new producer id");
        assertEquals(9L, a.producerId);
    }

    @ParameterizedTest
    @EnumSource(names = {"UNKNOWN_PRODUCER_ID", "INVALID_PRODUCER_EPOCH"})
    void aBrokerThatLostTheProducerGetsTheBatchRenumberedUnderANewEpoch(ErrorCode code) {
        m.onInitialized(7L, (short) 0);
        acked(4);
        ProducerBatch b = batch(2);
        ProducerBatch c = batch(2);
        send(b);
        send(c);
        assertEquals(RETRY, m.onError(P0, b, code, true, false));
        assertTrue(m.needsInitProducerId());
        assertEquals(RETRY, m.onError(P0, c, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, true, false));
        m.onInitSent();
        m.onInitialized(7L, (short) 1);
        assertEquals(0, send(b));
        assertEquals(1, b.producerEpoch);
        m.onSuccess(P0, b);
        assertEquals(2, send(c), "c follows b in the new space");
    }

    @Test
    void aBatchThatMayBeWrittenIsNotRenumberedWhenTheBrokerLaterSaysItLostTheProducer() {
        m.onInitialized(7L, (short) 0);
        acked(1);
        ProducerBatch a = batch(1);
        send(a);
        assertEquals(RETRY, m.onError(P0, a, ErrorCode.REQUEST_TIMED_OUT, true, true));
        send(a);
        assertEquals(RETRY, m.onError(P0, a, ErrorCode.UNKNOWN_PRODUCER_ID, true, false));
        m.onInitialized(7L, (short) 1);
        assertEquals(FAIL_OUTCOME_UNKNOWN, m.canSend(P0, a), "it may sit in the log already: fail it as unknown");
    }

    /**
     * The audit's duplicate: a batch of partition 0 whose answer was lost waits to be retried while
     * partition 1's space is retired and the epoch bumped. Partition 0's batch keeps its old state (the
     * broker knows it as a duplicate); only then does partition 0 move to the new epoch.
     */
    @Test
    void anEpochBumpLeavesTheBatchesOfOtherPartitionsWithTheirNumbers() {
        m.onInitialized(7L, (short) 0);
        ProducerBatch warm0 = batch(P0, 1);
        send(warm0);
        m.onSuccess(P0, warm0);
        ProducerBatch warm1 = batch(P1, 1);
        send(warm1);
        m.onSuccess(P1, warm1);
        ProducerBatch a = batch(P0, 1);
        send(a);
        assertEquals(RETRY, m.onError(P0, a, ErrorCode.NETWORK_EXCEPTION, true, true), "the answer was lost");
        ProducerBatch x = batch(P1, 1);
        send(x);
        assertEquals(RETRY, m.onError(P1, x, ErrorCode.UNKNOWN_PRODUCER_ID, true, false));
        m.onInitialized(7L, (short) 1);
        assertEquals(1, send(a), "a is retried as it was first sent");
        assertEquals(0, a.producerEpoch);
        ProducerBatch b = batch(P0, 1);
        assertEquals(WAIT, m.canSend(P0, b), "partition 0 moves to the new epoch once a is answered");
        m.onSuccess(P0, a);
        assertEquals(0, send(b));
        assertEquals(1, b.producerEpoch);
        assertEquals(0, send(x), "partition 1's refused batch is renumbered");
    }

    @Test
    void splitPartsTakeOverTheRangeOfTheBatchTheyReplace() {
        m.onInitialized(7L, (short) 0);
        acked(1);
        ProducerBatch big = batch(4);
        ProducerBatch after = batch(1);
        send(big);
        ProducerBatch p1 = batch(2);
        ProducerBatch p2 = batch(2);
        m.onSplit(P0, big, List.of(p1, p2));
        assertEquals(1, p1.baseSequence);
        assertEquals(3, p2.baseSequence);
        assertEquals(1, send(p1), "the first part goes where the big batch was");
        m.onSuccess(P0, p1);
        assertEquals(3, send(p2));
        m.onSuccess(P0, p2);
        assertEquals(5, send(after));
        assertFalse(m.isBumpNeeded(), "a split needs no bump");
    }

    @Test
    void aTransactionalProducerFailsTheBatchInsteadOfBumpingMidTransaction() {
        m = new IdempotenceManager(5, true);
        m.onInitialized(7L, (short) 0);
        acked(1);
        ProducerBatch a = batch(1);
        send(a);
        assertEquals(FAIL, m.onError(P0, a, ErrorCode.UNKNOWN_PRODUCER_ID, true, false),
                "the transaction must abort; the abort resets the sequences");
        m.onGivenUp(P0, a);
        assertTrue(m.isBumpNeeded(), "version 1 bumps through InitProducerId after the abort");
        ProducerBatch n = batch(1);
        assertEquals(WAIT, m.canSend(P0, n));
        m.onInitialized(7L, (short) 1);
        assertEquals(0, send(n));
    }
}
