package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Sequence numbers of an idempotent producer. No I/O and no locks: the sender loop owns it.
 *
 * <p>Sequence numbers are per partition, assigned when a batch is first sent and kept across its
 * retries, so the broker can drop duplicates and refuse gaps. Up to {@code maxInFlight} batches of a
 * partition are in flight, always contiguous in sequence. When a batch fails and must be retried, the
 * ones after it come back refused as out of order and are retried behind it, in sequence order.
 *
 * <p>When the broker no longer knows the producer (UNKNOWN_PRODUCER_ID), sees a gap it cannot
 * explain, or a batch fails for good (leaving a gap), the producer bumps its epoch (KIP-360): sending
 * stops, in-flight batches settle, InitProducerId returns the next epoch, and every unacknowledged
 * batch is renumbered from 0 under it.
 */
final class IdempotenceManager {
    /** What to do with a batch that came back with an error. */
    enum Action { RETRY, DUPLICATE_IS_SUCCESS, FAIL, BUMP_EPOCH_AND_RETRY, FAIL_AND_BUMP_EPOCH }

    private static final class PartitionState {
        boolean acked; // the broker has acknowledged a batch of this epoch: it now enforces our sequences
        int nextSequence;
        int ackedUpTo; // the sequence the broker expects next, as far as we know
        final Deque<ProducerBatch> inFlight = new ArrayDeque<>();
    }

    private final int maxInFlight;
    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private long producerId = -1;
    private short epoch = -1;
    private boolean bumpNeeded;
    private boolean initInFlight;

    IdempotenceManager(int maxInFlight) {
        this.maxInFlight = maxInFlight;
    }

    long producerId() {
        return producerId;
    }

    short epoch() {
        return epoch;
    }

    /** True when an epoch bump is pending (sequences out of step with the broker). */
    boolean isBumpNeeded() {
        return bumpNeeded;
    }

    /** True when batches may be sent: a producer id is held and no epoch bump is pending. */
    boolean canSendAny() {
        return producerId >= 0 && !bumpNeeded && !initInFlight;
    }

    /** True when InitProducerId should be sent now: none held, or a bump due with nothing in flight. */
    boolean needsInitProducerId() {
        if (initInFlight) {
            return false;
        }
        return producerId < 0 || (bumpNeeded && inFlightCount() == 0);
    }

    void onInitSent() {
        initInFlight = true;
    }

    void onInitFailed() {
        initInFlight = false;
    }

    /** A new producer id or epoch: every partition restarts at sequence 0. */
    void onInitialized(long pid, short newEpoch) {
        this.producerId = pid;
        this.epoch = newEpoch;
        this.initInFlight = false;
        this.bumpNeeded = false;
        partitions.clear();
    }

    void requestBump() {
        bumpNeeded = true;
    }

    boolean bumpPending() {
        return bumpNeeded || initInFlight;
    }

    int inFlightCount() {
        int n = 0;
        for (PartitionState s : partitions.values()) {
            n += s.inFlight.size();
        }
        return n;
    }

    /** Whether {@code head}, the first batch queued for {@code tp}, may be sent now. */
    boolean canSend(TopicPartition tp, ProducerBatch head) {
        if (!canSendAny()) {
            return false;
        }
        PartitionState s = state(tp);
        if (s.inFlight.size() >= maxInFlight) {
            return false;
        }
        // A broker without state for this producer takes any sequence as the first. Were a second batch
        // in flight while the first fails (say, NOT_LEADER), the second could land first, out of order.
        // So until the broker has acknowledged one batch of this epoch, one batch at a time.
        if (!s.acked && !s.inFlight.isEmpty()) {
            return false;
        }
        boolean fromThisEpoch = head.baseSequence >= 0 && head.producerEpoch == epoch && head.producerId == producerId;
        if (!fromThisEpoch) {
            return true; // gets the next sequence
        }
        // A retry: only contiguous with what is acknowledged or in flight.
        int expected = s.inFlight.isEmpty() ? s.ackedUpTo : s.inFlight.peekLast().lastSequence() + 1;
        if (head.baseSequence < expected && s.inFlight.isEmpty()) {
            // Can never line up (the broker's view moved past it): renumber everything under a new epoch.
            bumpNeeded = true;
            return false;
        }
        return head.baseSequence == expected;
    }

    /** Assigns (or keeps) the batch's sequence and records it in flight; returns its base sequence. */
    int onSend(TopicPartition tp, ProducerBatch b) {
        PartitionState s = state(tp);
        boolean fromThisEpoch = b.baseSequence >= 0 && b.producerEpoch == epoch && b.producerId == producerId;
        int seq;
        if (fromThisEpoch) {
            seq = b.baseSequence;
        } else {
            seq = s.nextSequence;
            s.nextSequence += b.recordCount();
        }
        s.inFlight.addLast(b);
        return seq;
    }

    void onSuccess(TopicPartition tp, ProducerBatch b) {
        PartitionState s = state(tp);
        s.inFlight.remove(b);
        if (b.producerEpoch == epoch && b.producerId == producerId) {
            s.ackedUpTo = Math.max(s.ackedUpTo, b.lastSequence() + 1);
            s.acked = true;
        }
    }

    /**
     * Decides what a failed batch needs. {@code retriable} is whether the error is retriable and the
     * batch still has time and attempts left.
     */
    Action onError(TopicPartition tp, ProducerBatch b, ErrorCode code, boolean retriable) {
        PartitionState s = state(tp);
        s.inFlight.remove(b);
        boolean staleEpoch = b.producerEpoch != epoch || b.producerId != producerId;
        if (code == ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
            return Action.DUPLICATE_IS_SUCCESS;
        }
        if (code == ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && !staleEpoch && b.baseSequence > s.ackedUpTo) {
            // An earlier batch is being retried; this one follows it.
            return retriable ? Action.RETRY : Action.FAIL_AND_BUMP_EPOCH;
        }
        if (code == ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || code == ErrorCode.UNKNOWN_PRODUCER_ID
                || code == ErrorCode.INVALID_PRODUCER_EPOCH) {
            if (staleEpoch) {
                return Action.RETRY; // renumbered under the new epoch already
            }
            bumpNeeded = true;
            return retriable ? Action.BUMP_EPOCH_AND_RETRY : Action.FAIL_AND_BUMP_EPOCH;
        }
        if (retriable) {
            return Action.RETRY;
        }
        if (!staleEpoch) {
            bumpNeeded = true; // its sequence numbers are a gap now
        }
        return Action.FAIL_AND_BUMP_EPOCH;
    }

    /** A batch that will be replaced (split): its sequences become a gap, so the epoch must move. */
    void onAbandoned(TopicPartition tp, ProducerBatch b) {
        state(tp).inFlight.remove(b);
        bumpNeeded = true;
    }

    private PartitionState state(TopicPartition tp) {
        return partitions.computeIfAbsent(tp, k -> new PartitionState());
    }
}
