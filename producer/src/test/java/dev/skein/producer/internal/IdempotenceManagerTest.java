package dev.skein.producer.internal;

import dev.skein.core.Compression;
import dev.skein.core.ErrorCode;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdempotenceManagerTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    private final IdempotenceManager m = new IdempotenceManager(5);

    private static ProducerBatch batch(int records) {
        ProducerBatch b = new ProducerBatch(TP, UnpooledByteBufAllocator.DEFAULT, Compression.NONE, null, 0L, 1 << 20, 0, 0);
        for (int i = 0; i < records; i++) {
            b.tryAppend(0L, null, new byte[] {1}, null, new ProducerBatch.Thunk(new CompletableFuture<>(), null, 0L, -1, 1));
        }
        return b;
    }

    private void send(ProducerBatch b) {
        int seq = m.onSend(TP, b);
        b.build(m.producerId(), m.epoch(), seq);
    }

    @Test
    void oneBatchAtATimeUntilTheBrokerHasAcknowledgedOne() {
        m.onInitialized(7L, (short) 0);
        ProducerBatch a = batch(3);
        assertTrue(m.canSend(TP, a));
        send(a);
        assertEquals(0, a.baseSequence);
        ProducerBatch b = batch(2);
        assertFalse(m.canSend(TP, b), "a broker without state would take b's sequence as the first");
        m.onSuccess(TP, a);
        assertTrue(m.canSend(TP, b));
        send(b);
        assertEquals(3, b.baseSequence);
        ProducerBatch c = batch(1);
        assertTrue(m.canSend(TP, c), "pipelined once the broker enforces sequences");
    }

    @Test
    void aFailedBatchIsRetriedBeforeTheOnesBehindItWhichComeBackOutOfOrder() {
        m.onInitialized(7L, (short) 0);
        ProducerBatch first = batch(1);
        send(first);
        m.onSuccess(TP, first);
        ProducerBatch a = batch(2);
        ProducerBatch b = batch(2);
        send(a);
        send(b);
        assertEquals(IdempotenceManager.Action.RETRY, m.onError(TP, a, ErrorCode.NOT_LEADER_OR_FOLLOWER, true));
        assertEquals(IdempotenceManager.Action.RETRY, m.onError(TP, b, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, true));
        assertFalse(m.canSend(TP, b), "b must wait for a");
        assertTrue(m.canSend(TP, a));
        send(a);
        assertEquals(1, a.baseSequence, "a keeps its sequence across the retry");
        assertTrue(m.canSend(TP, b), "b may follow a in flight");
        send(b);
        assertEquals(3, b.baseSequence);
    }

    @Test
    void anUnknownProducerBumpsTheEpochOnceNothingIsInFlightAndRenumbersFromZero() {
        m.onInitialized(7L, (short) 0);
        ProducerBatch a = batch(4);
        send(a);
        m.onSuccess(TP, a);
        ProducerBatch b = batch(2);
        ProducerBatch c = batch(2);
        send(b);
        send(c);
        assertEquals(IdempotenceManager.Action.BUMP_EPOCH_AND_RETRY, m.onError(TP, b, ErrorCode.UNKNOWN_PRODUCER_ID, true));
        assertFalse(m.canSendAny());
        assertFalse(m.needsInitProducerId(), "c is still in flight");
        m.onError(TP, c, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, true);
        assertTrue(m.needsInitProducerId());
        m.onInitSent();
        m.onInitialized(7L, (short) 1);
        assertTrue(m.canSend(TP, b));
        send(b);
        assertEquals(0, b.baseSequence, "renumbered under the new epoch");
        assertEquals(1, b.producerEpoch);
    }

    @Test
    void aDuplicateIsASuccessAndAFinalFailureLeavesAGapThatBumpsTheEpoch() {
        m.onInitialized(7L, (short) 0);
        ProducerBatch a = batch(1);
        send(a);
        assertEquals(IdempotenceManager.Action.DUPLICATE_IS_SUCCESS, m.onError(TP, a, ErrorCode.DUPLICATE_SEQUENCE_NUMBER, true));
        ProducerBatch b = batch(1);
        send(b);
        assertEquals(IdempotenceManager.Action.FAIL_AND_BUMP_EPOCH, m.onError(TP, b, ErrorCode.INVALID_RECORD, false));
        assertTrue(m.bumpPending());
    }
}
