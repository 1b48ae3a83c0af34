package dev.skein.consumer.internal;

import dev.skein.consumer.ConsumerOptions;
import dev.skein.consumer.Delivery;
import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.message.FetchRequest;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FetchSessionTest {
    private static final TopicPartition A = new TopicPartition("t", 0);
    private static final TopicPartition B = new TopicPartition("t", 1);
    private static final TopicPartition C = new TopicPartition("u", 0);
    private static final UUID T_ID = UUID.randomUUID();
    private static final UUID U_ID = UUID.randomUUID();

    private static FetchSession.Want want(TopicPartition tp, long offset, int epoch) {
        return new FetchSession.Want(offset, epoch, tp.topic().equals("t") ? T_ID : U_ID);
    }

    private static Map<TopicPartition, FetchSession.Want> offsets(Object... kv) {
        Map<TopicPartition, FetchSession.Want> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((TopicPartition) kv[i], want((TopicPartition) kv[i], (Long) kv[i + 1], -1));
        }
        return m;
    }

    @Test
    void aNewLeaderEpochListsThePartitionAgain() {
        FetchSession s = new FetchSession();
        FetchSession.Request first = s.next(Map.of(A, want(A, 5, 3)));
        s.onResponse(first, 42, ErrorCode.NONE);
        assertEquals(Map.of(), s.next(Map.of(A, want(A, 5, 3))).listed(), "nothing changed");
        assertEquals(Map.of(A, want(A, 5, 4)), s.next(Map.of(A, want(A, 5, 4))).listed(),
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
        assertEquals(Map.of(A, T_ID), second.forgotten(), "what is no longer wanted is forgotten");
        s.onResponse(second, 42, ErrorCode.NONE);

        FetchSession.Request third = s.next(offsets(A, 7L, B, 0L, C, 9L));
        assertEquals(2, third.epoch());
        assertEquals(offsets(A, 7L), third.listed(), "a partition coming back is listed again");
        assertEquals(Map.of(), third.forgotten());
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

    /**
     * A partition of a deleted topic is no longer wanted, and metadata now gives its topic the zero id:
     * it is forgotten by the id it was added under (as Apache Kafka's FetchSessionHandler), else the
     * broker could not match it and would answer UNKNOWN_TOPIC_ID for it in every response.
     */
    @Test
    void aPartitionIsForgottenByTheTopicIdItWasAddedUnder() {
        FetchSession s = new FetchSession();
        FetchSession.Request first = s.next(offsets(A, 0L, C, 0L));
        s.onResponse(first, 42, ErrorCode.NONE);
        FetchSession.Request second = s.next(offsets(C, 0L)); // t deleted: no leader, not wanted
        assertEquals(Map.of(A, T_ID), second.forgotten());

        FetchRequest v13 = Fetcher.request(OPTIONS, second, 1 << 20, (short) 13);
        assertEquals(1, v13.forgottenTopicsData().size());
        assertEquals(T_ID, v13.forgottenTopicsData().get(0).topicId(), "the id the broker's session holds");
        assertEquals(List.of(0), v13.forgottenTopicsData().get(0).partitions());
        FetchRequest v12 = Fetcher.request(OPTIONS, second, 1 << 20, (short) 12);
        assertEquals("t", v12.forgottenTopicsData().get(0).topic(), "before topic ids, by name");
    }

    /** A topic deleted and created again (same name, new id): forgotten under the old id, listed under the new. */
    @Test
    void aTopicCreatedAgainIsForgottenUnderItsOldIdAndListedUnderItsNewOne() {
        FetchSession s = new FetchSession();
        FetchSession.Request first = s.next(offsets(A, 7L));
        s.onResponse(first, 42, ErrorCode.NONE);
        UUID reborn = UUID.randomUUID();
        FetchSession.Request second = s.next(Map.of(A, new FetchSession.Want(0, 0, reborn)));
        assertEquals(Map.of(A, new FetchSession.Want(0, 0, reborn)), second.listed());
        assertEquals(Map.of(A, T_ID), second.forgotten());

        FetchRequest r = Fetcher.request(OPTIONS, second, 1 << 20, (short) 13);
        assertEquals(reborn, r.topics().get(0).topicId());
        assertEquals(0L, r.topics().get(0).partitions().get(0).fetchOffset());
        assertEquals(T_ID, r.forgottenTopicsData().get(0).topicId());
        s.onResponse(second, 42, ErrorCode.NONE);
        assertEquals(Map.of(), s.next(Map.of(A, new FetchSession.Want(0, 0, reborn))).forgotten(), "replaced once");
    }

    private static final ConsumerOptions OPTIONS = ConsumerOptions.builder().bootstrapServers("detached:9092")
            .delivery(Delivery.MANUAL).build();
}
