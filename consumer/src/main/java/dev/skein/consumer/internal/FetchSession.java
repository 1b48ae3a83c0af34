package dev.skein.consumer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * An incremental fetch session with one broker (KIP-227). The first request is full and asks the
 * broker for a session; later ones name only the partitions that are new or whose fetch offset or
 * current leader epoch changed (the broker keeps what it was last told), and list as forgotten the ones
 * no longer wanted. The broker then answers only for partitions with
 * something to say, so idle partitions cost nothing per request.
 *
 * <p>The partitions in the session are exactly the ones the consumer wants fetched from that broker
 * now (a partition with data still buffered, paused, or moved to another leader is forgotten), because
 * the broker returns data for every partition in the session, named in the request or not.
 *
 * <p>Each partition is kept with the topic id it was added under (KIP-516: Fetch v13 names topics by
 * id), and forgotten by that id, as Apache Kafka's {@code FetchSessionHandler} does: once a topic is
 * deleted, metadata gives it the zero id (or, created again, a new one), and a partition forgotten by
 * that id would stay in the broker's session, answered UNKNOWN_TOPIC_ID at once in every response. A
 * partition whose topic id changed is forgotten under the old id and listed under the new one.
 *
 * <p>Confined to the fetcher's event loop; one request per session in flight.
 */
final class FetchSession {
    static final int NO_SESSION = 0;
    static final int INITIAL_EPOCH = 0;
    static final int FINAL_EPOCH = -1;

    /**
     * What is wanted of one partition: the fetch offset, the leader epoch it is fetched under (-1 unknown)
     * and the id of the topic it is read from (the zero id from a broker without topic ids).
     */
    record Want(long offset, int leaderEpoch, UUID topicId) {}

    /**
     * What one request carries: session id and epoch, the partitions to list, the ones to forget with
     * the topic id each was added under.
     */
    record Request(int sessionId, int epoch, boolean full, Map<TopicPartition, Want> listed,
                   Map<TopicPartition, UUID> forgotten, Map<TopicPartition, Want> wanted) {}

    private int id = NO_SESSION;
    private int epoch = INITIAL_EPOCH;
    /** The session's content as the broker has it (after the last successful request). */
    private Map<TopicPartition, Want> inSession = new LinkedHashMap<>();

    /** The next request for {@code wanted}. */
    Request next(Map<TopicPartition, Want> wanted) {
        if (epoch == INITIAL_EPOCH) {
            return new Request(id, epoch, true, wanted, Map.of(), wanted);
        }
        Map<TopicPartition, Want> listed = new LinkedHashMap<>();
        wanted.forEach((tp, want) -> {
            if (!want.equals(inSession.get(tp))) {
                listed.put(tp, want);
            }
        });
        Map<TopicPartition, UUID> forgotten = new LinkedHashMap<>();
        inSession.forEach((tp, had) -> {
            Want want = wanted.get(tp);
            if (want == null || !want.topicId().equals(had.topicId())) {
                forgotten.put(tp, had.topicId());
            }
        });
        return new Request(id, epoch, false, listed, forgotten, wanted);
    }

    /**
     * The broker answered {@code request}. With {@code error} a session error, the next request is full
     * (and a new session); otherwise the session advances.
     */
    void onResponse(Request request, int responseSessionId, ErrorCode error) {
        if (error == ErrorCode.FETCH_SESSION_ID_NOT_FOUND || error == ErrorCode.INVALID_FETCH_SESSION_EPOCH
                || error == ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR) {
            id = NO_SESSION;
            epoch = INITIAL_EPOCH;
            inSession = new LinkedHashMap<>();
            return;
        }
        if (error != ErrorCode.NONE) {
            onFailure(); // the broker may not have applied the request: start over with a full one
            return;
        }
        if (request.full()) {
            id = responseSessionId;
            epoch = id == NO_SESSION ? INITIAL_EPOCH : 1; // no session granted: every request stays full
        } else {
            epoch = epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
        }
        inSession = new LinkedHashMap<>(request.wanted());
    }

    /** The request failed on the way (timeout, connection lost): the next is full, closing this session. */
    void onFailure() {
        epoch = INITIAL_EPOCH;
        inSession = new LinkedHashMap<>();
    }

    int id() {
        return id;
    }

    boolean incremental() {
        return epoch != INITIAL_EPOCH;
    }
}
