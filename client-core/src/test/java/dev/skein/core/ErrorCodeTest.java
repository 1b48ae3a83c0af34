package dev.skein.core;

import dev.skein.core.errors.AuthorizationException;
import dev.skein.core.errors.NotLeaderException;
import dev.skein.core.errors.ProducerFencedException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TopicExistsException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorCodeTest {

    @Test
    void everyReferenceErrorCodeHasTheSameNameAndRetriability() {
        for (Errors ref : Errors.values()) {
            ErrorCode ours = ErrorCode.forCode(ref.code());
            assertEquals(ref.name(), ours.name(), "code " + ref.code());
            if (ref != Errors.NONE) {
                assertEquals(ref.exception() instanceof RetriableException, ours.isRetriable(), ref.name());
            }
        }
        assertEquals(Errors.values().length, ErrorCode.values().length, "no code of ours is unknown to the reference");
    }

    @Test
    void exceptionsCarryTheirCodeRetriabilityAndType() {
        SkeinException e = ErrorCode.NOT_LEADER_OR_FOLLOWER.exception("Produce to t-0", "leader moved");
        assertInstanceOf(NotLeaderException.class, e);
        assertSame(ErrorCode.NOT_LEADER_OR_FOLLOWER, e.errorCode());
        assertTrue(e.isRetriable());
        assertEquals("Produce to t-0: NOT_LEADER_OR_FOLLOWER (leader moved)", e.getMessage());

        assertInstanceOf(TopicExistsException.class, ErrorCode.TOPIC_ALREADY_EXISTS.exception("create t"));
        assertInstanceOf(AuthorizationException.class, ErrorCode.TOPIC_AUTHORIZATION_FAILED.exception("t"));
        assertInstanceOf(ProducerFencedException.class, ErrorCode.PRODUCER_FENCED.exception("txn"));
        assertThrows(IllegalStateException.class, () -> ErrorCode.NONE.exception("x"));
    }

    @Test
    void unknownCodesDecodeAsUnknownServerError() {
        assertSame(ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.forCode(9999));
        assertSame(ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.forCode(-7));
        assertSame(ErrorCode.NONE, ErrorCode.forCode(0));
    }
}
