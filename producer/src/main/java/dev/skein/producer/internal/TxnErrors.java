package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;

/**
 * What a transactional producer does with each error code of each API it sends, as a pure table (no
 * state, no I/O): retry, look the coordinator up again and retry, ignore, make the transaction
 * abortable, or stop (fenced, or fatal). It follows the classes of KIP-1050 and the handling that
 * Apache Kafka's producer documents; where Skein departs, the case says why.
 */
final class TxnErrors {
    /** The requests whose answers are classified; EndTxn apart for commit and abort. */
    enum Api { FIND_COORDINATOR, INIT_PRODUCER_ID, ADD_PARTITIONS, ADD_OFFSETS, TXN_OFFSET_COMMIT, END_TXN_COMMIT,
        END_TXN_ABORT, PRODUCE }

    enum Outcome {
        /** Nothing to do: success, or a partition not attempted because of another one's error. */
        IGNORE,
        /** Send the same request again after the backoff. */
        RETRY,
        /** The coordinator moved or is not ready: find it again, then retry. */
        REFIND_COORDINATOR,
        /** The transaction cannot commit; the application aborts it and may carry on. */
        ABORTABLE,
        /** Another producer with this transactional id took over: close this one. */
        FENCED,
        /** The producer cannot go on (configuration, authorization of the id, a broken protocol state). */
        FATAL
    }

    private TxnErrors() {}

    static Outcome classify(Api api, ErrorCode code) {
        if (code == ErrorCode.NONE) {
            return Outcome.IGNORE;
        }
        if (api == Api.PRODUCE) {
            return produce(code);
        }
        switch (code) {
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE -> {
                return Outcome.REFIND_COORDINATOR;
            }
            case REQUEST_TIMED_OUT -> {
                // the group coordinator may have moved: TxnOffsetCommit looks it up again
                return api == Api.TXN_OFFSET_COMMIT ? Outcome.REFIND_COORDINATOR : Outcome.RETRY;
            }
            case COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS -> {
                return Outcome.RETRY;
            }
            case PRODUCER_FENCED, INVALID_PRODUCER_EPOCH -> {
                return Outcome.FENCED;
            }
            case TRANSACTIONAL_ID_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED, INVALID_TRANSACTION_TIMEOUT,
                 UNSUPPORTED_VERSION, UNSUPPORTED_FOR_MESSAGE_FORMAT -> {
                return Outcome.FATAL;
            }
            case GROUP_AUTHORIZATION_FAILED -> {
                // A group the principal may not use: this transaction cannot carry its offsets, others may.
                return api == Api.FIND_COORDINATOR || api == Api.ADD_OFFSETS || api == Api.TXN_OFFSET_COMMIT
                        ? Outcome.ABORTABLE : Outcome.FATAL;
            }
            case TOPIC_AUTHORIZATION_FAILED -> {
                return api == Api.ADD_PARTITIONS ? Outcome.ABORTABLE : Outcome.FATAL;
            }
            case OPERATION_NOT_ATTEMPTED -> {
                // AddPartitionsToTxn answers this for the partitions a neighbour's error held back
                return api == Api.ADD_PARTITIONS ? Outcome.IGNORE : Outcome.FATAL;
            }
            case UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID, GROUP_ID_NOT_FOUND, STALE_MEMBER_EPOCH -> {
                // KIP-447: the consumer group moved on since the records were read; abort and read again.
                // KIP-1319 (TxnOffsetCommit v6) answers GROUP_ID_NOT_FOUND and STALE_MEMBER_EPOCH where v5
                // answered ILLEGAL_GENERATION for both: Apache Kafka's producer reads all of them alike.
                return api == Api.TXN_OFFSET_COMMIT ? Outcome.ABORTABLE : Outcome.FATAL;
            }
            case UNKNOWN_TOPIC_ID -> {
                // TxnOffsetCommit v6 (KIP-1319) carries the topic ids the records were read from; the coordinator
                // does not know one: that incarnation of the topic is gone (deleted, maybe created again). Apache
                // Kafka's producer retries it as retriable, which ends, after max.block.ms, in a timeout that makes
                // the transaction abortable (KAFKA-19176). Skein aborts at once: the answer cannot tell a
                // broker whose metadata lags from a gone topic, an abort is safe for both and costs one
                // re-read, while waiting costs max.block.ms for an outcome that is the same for a gone topic.
                return api == Api.TXN_OFFSET_COMMIT ? Outcome.ABORTABLE : code.isRetriable() ? Outcome.RETRY : Outcome.FATAL;
            }
            case UNKNOWN_PRODUCER_ID -> {
                // the producer's state is gone on the coordinator; an abort (and epoch bump) recovers it
                return api == Api.INIT_PRODUCER_ID || api == Api.FIND_COORDINATOR ? Outcome.FATAL : Outcome.ABORTABLE;
            }
            case TRANSACTION_ABORTABLE -> {
                // An abort answered "abortable" would only be aborted again, for ever.
                return api == Api.END_TXN_ABORT ? Outcome.FATAL : Outcome.ABORTABLE;
            }
            case INVALID_TXN_STATE, INVALID_PRODUCER_ID_MAPPING -> {
                // The coordinator and the producer disagree on the transaction (or the id expired): aborting
                // is refused the same way, so it would loop; recovering could break exactly-once.
                return Outcome.FATAL;
            }
            default -> {
                return code.isRetriable() ? Outcome.RETRY : Outcome.FATAL;
            }
        }
    }

    /**
     * A batch of the transaction failed for good with {@code code} (the sender already retried what it
     * could): the transaction cannot commit. Only what says the producer itself is done stops it.
     */
    private static Outcome produce(ErrorCode code) {
        return switch (code) {
            // Since KIP-588 Produce answers INVALID_PRODUCER_EPOCH both to a fenced producer and to one whose
            // transaction the coordinator ended; Apache Kafka's producer makes it abortable and waits for the
            // coordinator's answer to the abort, which is a fence for both. Skein stops at once: either
            // way this producer's epoch is over (TransactionManager never reads a fence as a timeout).
            case PRODUCER_FENCED, INVALID_PRODUCER_EPOCH -> Outcome.FENCED;
            case TRANSACTIONAL_ID_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED, UNSUPPORTED_VERSION,
                 INVALID_PRODUCER_ID_MAPPING -> Outcome.FATAL;
            default -> Outcome.ABORTABLE;
        };
    }
}
