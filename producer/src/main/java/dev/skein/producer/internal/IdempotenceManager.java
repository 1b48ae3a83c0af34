package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;

import dev.skein.core.TopicPartition;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Producer id, epoch and sequence numbers of an idempotent producer. No I/O and no locks: the sender
 * loop owns it; time and broker answers go in, decisions come out.
 *
 * <p>Sequence numbers are per partition and belong to the producer id and epoch they were assigned
 * under: a partition's <em>sequence space</em>. The broker appends a batch only when its sequence
 * follows the last one it holds, so once a batch is refused, nothing after it in its space can have
 * been written. The rules, after KIP-98 and KIP-360 and Apache Kafka's producer:
 * <ul>
 *   <li>A batch keeps its producer id, epoch and sequence across retries: the broker recognises a
 *   retry of what it already holds as a duplicate.</li>
 *   <li>A batch whose outcome is unknown (no answer: a lost connection, a timeout; or an error a
 *   leader can give after appending it, see {@link ProduceErrors#mayHaveBeenWritten}) is never
 *   renumbered. If its space can no longer take it, it fails as outcome-unknown. Renumbered, it
 *   could be written twice.</li>
 *   <li>A batch that fails for good after the broker refused every attempt was not written: the
 *   later batches of its space move down to close the gap, and no epoch bump is needed.</li>
 *   <li>When the broker and this producer disagree (UNKNOWN_PRODUCER_ID: it lost the producer's
 *   state; OUT_OF_ORDER_SEQUENCE_NUMBER for the batch it should expect; a batch of unknown outcome
 *   that fails for good), the space is dead: the epoch is bumped (InitProducerId with the current id
 *   and epoch), and the partition's batches that were not written start again at sequence 0 under the
 *   new epoch, once everything in flight of the old space has come back.</li>
 *   <li>An epoch bump leaves other partitions alone: their batches already numbered finish under
 *   the old epoch (the broker still knows it there), and each partition moves to the new epoch when
 *   nothing of its old space is left.</li>
 *   <li>Until the broker has acknowledged a batch of a space, one batch of it is in flight at a time:
 *   a second could otherwise land before a first that is being retried.</li>
 * </ul>
 * A transactional producer never bumps mid-transaction: a dead space fails its batch, which makes the
 * transaction abortable, and the abort resets the sequences (see {@link TransactionManager}).
 */
final class IdempotenceManager {
    /** What to do with a batch that came back with an error. */
    enum Action {
        /** Send it again when its turn comes (renumbered only if it is known not to be written). */
        RETRY,
        /** The broker already holds it (a duplicate). */
        SUCCESS,
        /** It fails for good; the caller finishes it, which calls {@link #onGivenUp}. */
        FAIL
    }

    /** Whether the head batch of a partition may be sent now. */
    enum Verdict {
        SEND,
        WAIT,
        /** It may have been written, and its space is dead: fail it as outcome-unknown. */
        FAIL_OUTCOME_UNKNOWN
    }

    private static final class PartitionState {
        long producerId = -1;
        short epoch = -1;
        int nextSequence;
        /** The broker holds every sequence below this one, as far as this producer knows. */
        int ackedUpTo;
        /** The broker acknowledged a batch of this space: it now enforces our sequences. */
        boolean acked;
        /** The broker and this producer disagree about this space: it takes nothing more. */
        boolean dead;
        /** Sent and not answered, in the order sent. */
        final Deque<ProducerBatch> inFlight = new ArrayDeque<>();
        /** Every batch numbered in this space and not finished (in flight or waiting to retry), by sequence. */
        final List<ProducerBatch> numbered = new ArrayList<>();

        boolean owns(ProducerBatch b) {
            return b.baseSequence >= 0 && b.producerId == producerId && b.producerEpoch == epoch;
        }
    }

    private final int maxInFlight;
    private final boolean transactional;
    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private long producerId = -1;
    private short epoch = -1;
    private boolean bumpNeeded;
    private boolean initInFlight;

    IdempotenceManager(int maxInFlight) {
        this(maxInFlight, false);
    }

    IdempotenceManager(int maxInFlight, boolean transactional) {
        this.maxInFlight = maxInFlight;
        this.transactional = transactional;
    }

    long producerId() {
        return producerId;
    }

    short epoch() {
        return epoch;
    }

    /** True when an epoch bump is due (some partition's sequences are out of step with the broker). */
    boolean isBumpNeeded() {
        return bumpNeeded;
    }

    /** True when InitProducerId should be sent now: no producer id yet, or a bump due. */
    boolean needsInitProducerId() {
        return !initInFlight && (producerId < 0 || bumpNeeded);
    }

    void onInitSent() {
        initInFlight = true;
    }

    void onInitFailed() {
        initInFlight = false;
    }

    /**
     * A new producer id or epoch. Each partition moves to it once nothing of its old space is left;
     * a partition with nothing pending moves at once.
     */
    void onInitialized(long pid, short newEpoch) {
        this.producerId = pid;
        this.epoch = newEpoch;
        this.initInFlight = false;
        this.bumpNeeded = false;
        partitions.values().removeIf(s -> s.numbered.isEmpty() && s.inFlight.isEmpty());
    }

    /** Asks for an epoch bump (an abort that left sequences out of step, say). */
    void requestBump() {
        bumpNeeded = true;
    }

    int inFlightCount() {
        int n = 0;
        for (PartitionState s : partitions.values()) {
            n += s.inFlight.size();
        }
        return n;
    }

    /** Whether {@code head}, the first batch queued for {@code tp}, may be sent now. */
    Verdict canSend(TopicPartition tp, ProducerBatch head) {
        if (producerId < 0) {
            return Verdict.WAIT;
        }
        PartitionState s = state(tp);
        if (s.inFlight.size() >= maxInFlight) {
            return Verdict.WAIT;
        }
        if (head.baseSequence >= 0 && s.owns(head) && !s.dead) {
            // A retry in its own space, which still takes it: only contiguous with what is acknowledged
            // or in flight.
            if (!s.acked && !s.inFlight.isEmpty()) {
                return Verdict.WAIT;
            }
            int expected = s.inFlight.isEmpty() ? s.ackedUpTo : s.inFlight.peekLast().lastSequence() + 1;
            if (head.baseSequence == expected) {
                return Verdict.SEND;
            }
            if (head.baseSequence > expected || !s.inFlight.isEmpty()) {
                return Verdict.WAIT; // an earlier batch comes first
            }
            if (s.acked && head.baseSequence + head.recordCount() <= s.ackedUpTo) {
                // Written: the broker acknowledged a later sequence of this producer id and epoch, which
                // it appends only after this batch's (the rule Apache Kafka's producer uses to resolve a
                // batch of unknown outcome). Sent again with its number, it is answered from the broker's
                // cache of the producer's last five batches with its original offset: a duplicate, never
                // a second write. Nothing behind it in this partition was sent after it went unanswered,
                // so it is within those five.
                return Verdict.SEND;
            }
            kill(s); // it can never line up: the broker holds more than this producer thought
        }
        if (head.baseSequence >= 0) {
            // Numbered in a space that no longer takes it (dead, or older than the partition's).
            if (!s.inFlight.isEmpty()) {
                return Verdict.WAIT; // let what is in flight of the old space come back first
            }
            if (head.outcomeUnknown) {
                return Verdict.FAIL_OUTCOME_UNKNOWN;
            }
            s.numbered.remove(head); // never written: it starts again as new
            head.baseSequence = -1;
        }
        if (bumpNeeded || initInFlight) {
            return Verdict.WAIT; // a new batch waits for the new epoch
        }
        if (s.producerId != producerId || s.epoch != epoch || s.dead) {
            if (!s.inFlight.isEmpty()) {
                return Verdict.WAIT; // the old space is still busy
            }
            // Nothing of the old space is in flight, so its batches queued behind this one were refused:
            // they are renumbered in their turn. One that may be written fails when its turn comes.
            for (ProducerBatch queued : s.numbered) {
                if (!queued.outcomeUnknown) {
                    queued.baseSequence = -1;
                }
            }
            PartitionState fresh = new PartitionState();
            fresh.producerId = producerId;
            fresh.epoch = epoch;
            partitions.put(tp, fresh);
            s = fresh;
        }
        if (!s.acked && !s.inFlight.isEmpty()) {
            return Verdict.WAIT;
        }
        return Verdict.SEND;
    }

    /** Numbers the batch (or keeps its number) and records it in flight; the batch's fields hold its producer state. */
    void onSend(TopicPartition tp, ProducerBatch b) {
        PartitionState s = state(tp);
        if (!s.owns(b)) {
            b.producerId = s.producerId;
            b.producerEpoch = s.epoch;
            b.baseSequence = s.nextSequence;
            s.nextSequence += b.recordCount();
            s.numbered.add(b);
        }
        b.sentSequence = b.baseSequence;
        s.inFlight.addLast(b);
    }

    void onSuccess(TopicPartition tp, ProducerBatch b) {
        PartitionState s = state(tp);
        s.inFlight.remove(b);
        s.numbered.remove(b);
        if (b.producerId == s.producerId && b.producerEpoch == s.epoch && b.sentSequence >= 0) {
            s.ackedUpTo = Math.max(s.ackedUpTo, b.sentSequence + b.recordCount());
            s.acked = true;
        }
    }

    /**
     * Decides what a failed batch needs. {@code retriable} is whether the error may be retried and the
     * batch has time and attempts left; {@code outcomeUnknown} whether this attempt may have been
     * written ({@link ProduceErrors#mayHaveBeenWritten}).
     */
    Action onError(TopicPartition tp, ProducerBatch b, ErrorCode code, boolean retriable, boolean outcomeUnknown) {
        PartitionState s = state(tp);
        s.inFlight.remove(b);
        if (outcomeUnknown) {
            b.outcomeUnknown = true;
            return retriable ? Action.RETRY : Action.FAIL;
        }
        boolean own = b.producerId == s.producerId && b.producerEpoch == s.epoch && b.sentSequence >= 0;
        switch (code) {
            case DUPLICATE_SEQUENCE_NUMBER -> {
                onSuccess(tp, b);
                return Action.SUCCESS;
            }
            case OUT_OF_ORDER_SEQUENCE_NUMBER -> {
                if (own && !s.dead && b.sentSequence > s.ackedUpTo) {
                    return retriable ? Action.RETRY : Action.FAIL; // an earlier batch is missing: this one follows it
                }
                if (own && !s.dead) {
                    kill(s); // the batch the broker should expect, refused: our views differ
                }
            }
            case UNKNOWN_PRODUCER_ID, INVALID_PRODUCER_EPOCH -> {
                if (own) {
                    kill(s); // the broker lost this producer's state, or saw a newer epoch here
                }
            }
            default -> {
                return retriable ? Action.RETRY : Action.FAIL;
            }
        }
        // The space is dead: a transaction must abort; otherwise the batch is renumbered after the bump.
        return retriable && !transactional ? Action.RETRY : Action.FAIL;
    }

    /**
     * A batch left for good (failed, expired, aborted). Never written, it leaves a gap that the later
     * batches of its space close by moving down; of unknown outcome, it leaves its space dead.
     */
    void onGivenUp(TopicPartition tp, ProducerBatch b) {
        PartitionState s = partitions.get(tp);
        if (s == null) {
            return;
        }
        s.inFlight.remove(b);
        if (!s.numbered.remove(b) || !s.owns(b) || s.dead) {
            return;
        }
        if (b.outcomeUnknown) {
            kill(s);
            return;
        }
        int n = b.recordCount();
        for (ProducerBatch later : s.numbered) {
            if (later.baseSequence > b.baseSequence) {
                later.baseSequence -= n; // its bytes are rewritten with the new number when next sent
            }
        }
        s.nextSequence -= n;
    }

    /**
     * A batch the broker refused as too large is replaced by {@code parts}, which take over its
     * sequence range in order: it was not written, so the range is still free.
     */
    void onSplit(TopicPartition tp, ProducerBatch parent, List<ProducerBatch> parts) {
        PartitionState s = state(tp);
        s.inFlight.remove(parent);
        int at = s.numbered.indexOf(parent);
        if (at < 0 || !s.owns(parent)) {
            return; // the parts are numbered when sent
        }
        s.numbered.remove(at);
        int seq = parent.baseSequence;
        for (ProducerBatch p : parts) {
            p.producerId = parent.producerId;
            p.producerEpoch = parent.producerEpoch;
            p.baseSequence = seq;
            seq += p.recordCount();
            s.numbered.add(at++, p);
        }
    }

    private void kill(PartitionState s) {
        s.dead = true;
        bumpNeeded = true;
    }

    private PartitionState state(TopicPartition tp) {
        return partitions.computeIfAbsent(tp, k -> {
            PartitionState s = new PartitionState();
            s.producerId = producerId;
            s.epoch = epoch;
            return s;
        });
    }
}
