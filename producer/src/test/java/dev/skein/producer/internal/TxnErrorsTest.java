package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.producer.internal.TxnErrors.Api;
import dev.skein.producer.internal.TxnErrors.Outcome;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static dev.skein.core.ErrorCode.*;
import static dev.skein.producer.internal.TxnErrors.Outcome.ABORTABLE;
import static dev.skein.producer.internal.TxnErrors.Outcome.FATAL;
import static dev.skein.producer.internal.TxnErrors.Outcome.FENCED;
import static dev.skein.producer.internal.TxnErrors.Outcome.IGNORE;
import static dev.skein.producer.internal.TxnErrors.Outcome.REFIND_COORDINATOR;
import static dev.skein.producer.internal.TxnErrors.Outcome.RETRY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every error code of every API a transactional producer sends, against the table of what to do. The
 * codes each API documents are spelled out; any other code follows the rule at the end (retriable:
 * retry; otherwise fatal, or for Produce, abortable).
 */
class TxnErrorsTest {
    private static final Map<Api, Map<ErrorCode, Outcome>> EXPECTED = new EnumMap<>(Api.class);

    private static void expect(Api api, Outcome outcome, ErrorCode... codes) {
        for (ErrorCode c : codes) {
            EXPECTED.computeIfAbsent(api, a -> new EnumMap<>(ErrorCode.class)).put(c, outcome);
        }
    }

    static {
        for (Api api : Api.values()) {
            expect(api, IGNORE, NONE);
        }
        for (Api api : new Api[] {Api.FIND_COORDINATOR, Api.INIT_PRODUCER_ID, Api.ADD_PARTITIONS, Api.ADD_OFFSETS,
                Api.TXN_OFFSET_COMMIT, Api.END_TXN_COMMIT, Api.END_TXN_ABORT}) {
            expect(api, REFIND_COORDINATOR, NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE);
            expect(api, RETRY, COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS);
            expect(api, FENCED, PRODUCER_FENCED, INVALID_PRODUCER_EPOCH);
            expect(api, FATAL, TRANSACTIONAL_ID_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED,
                    INVALID_TRANSACTION_TIMEOUT, INVALID_TXN_STATE, INVALID_PRODUCER_ID_MAPPING, UNSUPPORTED_VERSION);
        }
        // FindCoordinator: for a group (sendOffsetsToTransaction), a denied group is that transaction's problem
        expect(Api.FIND_COORDINATOR, ABORTABLE, GROUP_AUTHORIZATION_FAILED, TRANSACTION_ABORTABLE);
        expect(Api.FIND_COORDINATOR, RETRY, REQUEST_TIMED_OUT);

        expect(Api.INIT_PRODUCER_ID, RETRY, REQUEST_TIMED_OUT);
        expect(Api.INIT_PRODUCER_ID, FATAL, UNKNOWN_PRODUCER_ID);
        expect(Api.INIT_PRODUCER_ID, ABORTABLE, TRANSACTION_ABORTABLE);

        expect(Api.ADD_PARTITIONS, RETRY, UNKNOWN_TOPIC_OR_PARTITION, REQUEST_TIMED_OUT);
        expect(Api.ADD_PARTITIONS, ABORTABLE, TOPIC_AUTHORIZATION_FAILED, UNKNOWN_PRODUCER_ID, TRANSACTION_ABORTABLE);
        expect(Api.ADD_PARTITIONS, IGNORE, OPERATION_NOT_ATTEMPTED);

        expect(Api.ADD_OFFSETS, ABORTABLE, GROUP_AUTHORIZATION_FAILED, UNKNOWN_PRODUCER_ID, TRANSACTION_ABORTABLE);
        expect(Api.ADD_OFFSETS, RETRY, REQUEST_TIMED_OUT);

        expect(Api.TXN_OFFSET_COMMIT, REFIND_COORDINATOR, REQUEST_TIMED_OUT);
        expect(Api.TXN_OFFSET_COMMIT, RETRY, UNKNOWN_TOPIC_OR_PARTITION);
        expect(Api.TXN_OFFSET_COMMIT, ABORTABLE, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID,
                GROUP_AUTHORIZATION_FAILED, TRANSACTION_ABORTABLE, UNKNOWN_PRODUCER_ID);
        // v6 (KIP-1319): a group gone or a stale member epoch, as a rebalance; a topic id the coordinator does not
        // know (the incarnation read from is gone) at once rather than retried until max.block.ms
        expect(Api.TXN_OFFSET_COMMIT, ABORTABLE, GROUP_ID_NOT_FOUND, STALE_MEMBER_EPOCH, UNKNOWN_TOPIC_ID);
        expect(Api.TXN_OFFSET_COMMIT, FATAL, UNSUPPORTED_FOR_MESSAGE_FORMAT, INVALID_COMMIT_OFFSET_SIZE,
                OFFSET_METADATA_TOO_LARGE, INVALID_GROUP_ID);

        expect(Api.END_TXN_COMMIT, ABORTABLE, TRANSACTION_ABORTABLE, UNKNOWN_PRODUCER_ID);
        expect(Api.END_TXN_COMMIT, RETRY, REQUEST_TIMED_OUT);
        // an abort answered "abortable" would be aborted again for ever
        expect(Api.END_TXN_ABORT, FATAL, TRANSACTION_ABORTABLE);
        expect(Api.END_TXN_ABORT, ABORTABLE, UNKNOWN_PRODUCER_ID);
        expect(Api.END_TXN_ABORT, RETRY, REQUEST_TIMED_OUT);

        // Produce: the sender retried what it could; a final failure makes the transaction abortable,
        // unless it says the producer itself cannot go on.
        expect(Api.PRODUCE, FENCED, PRODUCER_FENCED, INVALID_PRODUCER_EPOCH);
        expect(Api.PRODUCE, ABORTABLE, OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID,
                TRANSACTION_ABORTABLE, INVALID_TXN_STATE, TOPIC_AUTHORIZATION_FAILED, MESSAGE_TOO_LARGE, INVALID_RECORD,
                NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS);
        expect(Api.PRODUCE, FATAL, TRANSACTIONAL_ID_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED,
                UNSUPPORTED_VERSION, INVALID_PRODUCER_ID_MAPPING);
    }

    @Test
    void everyCodeOfEveryApiHasTheOutcomeItsTableGives() {
        int named = 0;
        for (Api api : Api.values()) {
            for (ErrorCode code : ErrorCode.values()) {
                Outcome expected = EXPECTED.getOrDefault(api, Map.of()).get(code);
                if (expected != null) {
                    named++;
                } else if (api == Api.PRODUCE) {
                    expected = ABORTABLE;
                } else {
                    expected = code.isRetriable() ? RETRY : FATAL;
                }
                assertEquals(expected, TxnErrors.classify(api, code), api + " " + code);
            }
        }
        assertTrue(named >= 140, "the table names the codes each API documents: " + named);
    }

    /** Only the two fencing codes fence; only success and "not attempted" are passed over. */
    @Test
    void onlyFencingCodesFenceAndOnlySuccessOrNotAttemptedIsIgnored() {
        for (Api api : Api.values()) {
            for (ErrorCode code : ErrorCode.values()) {
                Outcome o = TxnErrors.classify(api, code);
                if (o == FENCED) {
                    assertTrue(code == PRODUCER_FENCED || code == INVALID_PRODUCER_EPOCH, api + " " + code);
                }
                if (o == IGNORE) {
                    assertTrue(code == NONE || code == OPERATION_NOT_ATTEMPTED, api + " " + code);
                }
            }
        }
    }
}
