package dev.skein.consumer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FetchSessionTest {
    private static final TopicPartition A = new TopicPartition("t", 0);
    private static final TopicPartition B = new TopicPartition("t", 1);
    private static final TopicPartition C = new TopicPartition("u", 0);

    private static Map<TopicPartition, FetchSession.Want> offsets(Object... kv) {
        Map<TopicPartition, FetchSession.Want> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((TopicPartition) kv[i], new FetchSession.Want((Long) kv[i + 1], -1));
        }
        return m;
    }

    @Test
    void aNewLeaderEpochListsThePartitionAgain() {
        FetchSession s = new FetchSession();
        FetchSession.Request first = s.next(Map.of(A, new FetchSession.Want(5, 3)));
        s.onResponse(first, 42, ErrorCode.NONE);
        assertEquals(Map.of(), s.next(Map.of(A, new FetchSession.Want(5, 3))).listed(), "nothing changed");
        assertEquals(Map.of(A, new FetchSession.Want(5, 4)), s.next(Map.of(A, new FetchSession.Want(5, 4))).listed(),
                "the broker must be told the epoch it is fetched under, or it keeps answering FENCED_LEADER_EPOCH");
    }

    @Test
    void fullFirstThenOnlyWhatChangedAndWhatToForget() {
        FetchSession s = new FetchSession();
        FetchSession.Request first = s.next(offsets(A, 0L, B, 0L, C, 5L));
        assertTrue(first.full());
        assertEquals(0, first.sessionId());
        assertEquals(0, first.epoch());
        assertEquals(3, first.listed().size());
        s.onResponse(first, 42, ErrorCode.NONE);

        // A got data (buffered: not wanted now), B is idle, C moved on.
        FetchSession.Request second = s.next(offsets(B, 0L, C, 9L));
        assertFalse(second.full());
        assertEquals(42, second.sessionId());
        assertEquals(1, second.epoch());
        assertEquals(offsets(C, 9L), second.listed(), "only what changed is listed");
        assertEquals(List.of(A), second.forgotten(), "what is no longer wanted is forgotten");
        s.onResponse(second, 42, ErrorCode.NONE);

        FetchSession.Request third = s.next(offsets(A, 7L, B, 0L, C, 9L));
        assertEquals(2, third.epoch());
        assertEquals(offsets(A, 7L), third.listed(), "a partition coming back is listed again");
        assertEquals(List.of(), third.forgotten());
    }

    @Test
    void aSessionErrorOrAFailedRequestStartsOverWithAFullRequest() {
        FetchSession s = new FetchSession();
        FetchSession.Request first = s.next(offsets(A, 0L));
        s.onResponse(first, 7, ErrorCode.NONE);
        FetchSession.Request second = s.next(offsets(A, 3L));
        s.onResponse(second, 7, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
        FetchSession.Request third = s.next(offsets(A, 3L));
        assertTrue(third.full());
        assertEquals(0, third.sessionId(), "the unknown session is not named again");
        s.onResponse(third, 8, ErrorCode.NONE);

        s.onFailure(); // say, the connection dropped with the request
        FetchSession.Request fourth = s.next(offsets(A, 3L, B, 0L));
        assertTrue(fourth.full());
        assertEquals(8, fourth.sessionId(), "epoch 0 with the old id closes it and opens a new one");
        assertEquals(0, fourth.epoch());
        assertEquals(2, fourth.listed().size());
    }

    @Test
    void noSessionGrantedMeansEveryRequestIsFull() {
        FetchSession s = new FetchSession();
        FetchSession.Request first = s.next(offsets(A, 0L));
        s.onResponse(first, 0, ErrorCode.NONE);
        assertTrue(s.next(offsets(A, 1L)).full());
    }
}
