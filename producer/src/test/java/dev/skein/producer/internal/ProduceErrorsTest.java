package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.OutcomeUnknownException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.skein.core.ErrorCode.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What each Produce answer means for a batch, code by code. */
class ProduceErrorsTest {
    private static final RuntimeException REFUSED = new SkeinException("refused");

    @Test
    void onlyNoAnswerOrAnAnswerALeaderCanGiveAfterTheAppendMayHaveBeenWritten() {
        Set<ErrorCode> unknown = EnumSet.of(REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND);
        Set<ErrorCode> afterAppend = EnumSet.of(NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, KAFKA_STORAGE_ERROR);
        for (ErrorCode code : ErrorCode.values()) {
            assertEquals(unknown.contains(code), ProduceErrors.mayHaveBeenWritten(code, REFUSED, false), code.name());
            assertEquals(unknown.contains(code) || afterAppend.contains(code),
                    ProduceErrors.mayHaveBeenWritten(code, REFUSED, true), "acks=all, " + code.name());
        }
        assertTrue(ProduceErrors.mayHaveBeenWritten(NETWORK_EXCEPTION, new OutcomeUnknownException("no answer", null), false));
        assertFalse(ProduceErrors.mayHaveBeenWritten(NETWORK_EXCEPTION,
                new NetworkException("never written", null, true), true), "a request that never left was not written");
    }

    @Test
    void retriableCodesAndTheSequenceErrorsAreTriedAgain() {
        for (ErrorCode code : ErrorCode.values()) {
            if (code == NETWORK_EXCEPTION) {
                continue;
            }
            boolean expected = code.isRetriable() || code == OUT_OF_ORDER_SEQUENCE_NUMBER || code == UNKNOWN_PRODUCER_ID
                    || code == INVALID_PRODUCER_EPOCH;
            assertEquals(expected, ProduceErrors.isRetriable(code, REFUSED), code.name());
        }
        for (ErrorCode code : List.of(MESSAGE_TOO_LARGE, TOPIC_AUTHORIZATION_FAILED, INVALID_RECORD,
                RECORD_LIST_TOO_LARGE, INVALID_REQUIRED_ACKS, TRANSACTIONAL_ID_AUTHORIZATION_FAILED)) {
            assertFalse(ProduceErrors.isRetriable(code, REFUSED), code + " is final");
        }
        for (ErrorCode code : List.of(NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS,
                NOT_ENOUGH_REPLICAS_AFTER_APPEND, UNKNOWN_TOPIC_OR_PARTITION)) {
            assertTrue(ProduceErrors.isRetriable(code, REFUSED), code + " may clear");
        }
    }

    @Test
    void noAnswerIsRetriedUnlessTheFailureIsFinal() {
        assertTrue(ProduceErrors.isRetriable(NETWORK_EXCEPTION, new OutcomeUnknownException("closed", null)));
        assertTrue(ProduceErrors.isRetriable(NETWORK_EXCEPTION, new NetworkException("refused", null, true)));
        assertFalse(ProduceErrors.isRetriable(NETWORK_EXCEPTION, new NetworkException("closed for good", null, false)));
        assertFalse(ProduceErrors.isRetriable(NETWORK_EXCEPTION, new UnsupportedVersionException("Produce v3")));
        assertFalse(ProduceErrors.isRetriable(NETWORK_EXCEPTION, new AuthenticationException("bad password", (Throwable) null)));
        assertTrue(ProduceErrors.isRetriable(NETWORK_EXCEPTION, new IllegalStateException("not a SkeinException")));
    }

    @Test
    void leadershipAndRouteErrorsAskForMetadata() {
        Set<ErrorCode> leader = EnumSet.of(NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION,
                UNKNOWN_TOPIC_ID, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, NETWORK_EXCEPTION, KAFKA_STORAGE_ERROR);
        for (ErrorCode code : ErrorCode.values()) {
            assertEquals(leader.contains(code), ProduceErrors.isLeaderError(code), code.name());
        }
    }

    @Test
    void namedRecordsFailWithTheirReasonTheOthersForTheirNeighbours() {
        Map<Integer, String> named = new HashMap<>();
        named.put(1, "null key in a compacted topic");
        named.put(3, null);
        List<RuntimeException> errors = ProduceErrors.recordErrors("batch t-0", 4, INVALID_RECORD, named, "batch message");
        assertEquals(4, errors.size());
        assertTrue(errors.get(1).getMessage().contains("null key in a compacted topic"), errors.get(1).getMessage());
        assertTrue(errors.get(3).getMessage().contains("batch message"), "no reason of its own: the batch's");
        for (int i : new int[] {0, 2}) {
            String m = errors.get(i).getMessage();
            assertTrue(m.contains("not written") && m.contains("[1, 3]") && m.contains("INVALID_RECORD"), m);
            assertEquals(INVALID_RECORD, ((SkeinException) errors.get(i)).errorCode());
        }
    }
}
