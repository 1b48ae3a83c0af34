package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.errors.OutcomeUnknownException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.UnsupportedVersionException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a Produce answer, or its absence, means for a batch: whether to try again, whether it may have
 * been written, whether the partition's leader has moved, how long to wait. No state and no I/O: the
 * sender asks, {@link IdempotenceManager} decides about sequence numbers.
 */
final class ProduceErrors {
    private ProduceErrors() {}

    /**
     * True when the attempt may have been written: it was sent and no answer came (the connection
     * closed or the request timed out), or the leader appended it but could not replicate it in time.
     * Under {@code acks=all} ({@code acksAll}) the leader appends first and answers once its followers
     * have the batch; should it stop leading the partition, or lose the partition's log, while it waits,
     * it answers NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION or KAFKA_STORAGE_ERROR for a batch
     * already in its log (and in the new leader's, if a follower had copied it). Apache Kafka's producer
     * likewise never gives the numbers of a batch that failed with a retriable error to the next: it
     * cannot know whether they were taken. Any other answer means the batch was refused whole.
     */
    static boolean mayHaveBeenWritten(ErrorCode code, RuntimeException error, boolean acksAll) {
        if (error instanceof OutcomeUnknownException || code == ErrorCode.REQUEST_TIMED_OUT
                || code == ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND) {
            return true;
        }
        return acksAll && (code == ErrorCode.NOT_LEADER_OR_FOLLOWER || code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                || code == ErrorCode.KAFKA_STORAGE_ERROR);
    }

    /**
     * True when another attempt may succeed. NETWORK_EXCEPTION stands for "no answer": retriable unless
     * the failure says otherwise (an unsupported version, an authentication failure). The sequence
     * errors are retriable here; {@link IdempotenceManager} decides whether with the same numbers.
     */
    static boolean isRetriable(ErrorCode code, RuntimeException error) {
        if (code == ErrorCode.NETWORK_EXCEPTION) {
            return !(error instanceof UnsupportedVersionException) && (!(error instanceof SkeinException s) || s.isRetriable());
        }
        return code.isRetriable() || code == ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER
                || code == ErrorCode.UNKNOWN_PRODUCER_ID || code == ErrorCode.INVALID_PRODUCER_EPOCH;
    }

    /** True when the answer says the partition's leader (or the way to it) is not what metadata says. */
    static boolean isLeaderError(ErrorCode code) {
        return switch (code) {
            case NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID,
                 FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, NETWORK_EXCEPTION, KAFKA_STORAGE_ERROR -> true;
            default -> false;
        };
    }

    /**
     * KIP-467: the broker named the records that made it refuse the batch ({@code named}: index to its
     * message, which may be null). Each named record fails with the broker's reason (else the batch's
     * message); the others with one that says they were refused for a neighbour's sake.
     */
    static List<RuntimeException> recordErrors(String batch, int count, ErrorCode code, Map<Integer, String> named,
                                               String batchMessage) {
        List<RuntimeException> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String reason = named.get(i);
            out.add(named.containsKey(i)
                    ? code.exception("record " + i + " of " + batch + " was refused", reason == null ? batchMessage : reason)
                    : new SkeinException("not written: the broker refused " + batch + " because of record(s) "
                            + new TreeSet<>(named.keySet()) + " in it (" + code + (batchMessage == null ? ""
                            : ": " + batchMessage) + ")", code));
        }
        return out;
    }
}
