package dev.skein.core.internal.metadata;

import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.message.MetadataRequest;
import dev.skein.core.message.MetadataResponse;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetadataManagerTest {
    private static final UUID TOPIC_ID = UUID.randomUUID();

    /** retry.backoff.ms 100, retry.backoff.max.ms 1000; jitter held at its middle (none). */
    private final MetadataManager m = new MetadataManager(Duration.ofSeconds(60), Duration.ofMillis(100),
            Duration.ofSeconds(1), () -> 0.5);

    @Test
    void firstRefreshIsDueAtOnceThenOnlyAfterMaxAge() {
        MetadataRequest first = m.nextRequest(1_000);
        assertNotNull(first);
        assertNull(m.nextRequest(1_000), "one refresh in flight at a time");
        m.onResponse(response(1, 5), 1_010);
        assertNull(m.nextRequest(1_020));
        assertEquals(60_000 - 10, m.timeToNextUpdate(1_020));
        assertNotNull(m.nextRequest(61_010));
    }

    @Test
    void brokersMayCreateNamedTopicsOnlyWhenAllowedAndNeverForAllTopics() {
        m.addTopics(List.of("t"));
        assertFalse(m.nextRequest(1_000).allowAutoTopicCreation(), "off by default (the admin client)");
        m.onResponse(response(1, 5), 1_010);
        m.allowAutoTopicCreation(true);
        m.addTopics(List.of("u"));
        MetadataRequest named = m.nextRequest(1_020);
        assertTrue(named.allowAutoTopicCreation(), "a producer's or consumer's refresh for named topics");
        m.onResponse(response(1, 5), 1_030);
        m.allTopics(true);
        assertFalse(m.nextRequest(2_000).allowAutoTopicCreation(), "a request for all topics names none to create");
    }

    /** What metadata.recovery.rebootstrap.trigger.ms measures: time since the first refresh not answered yet. */
    @Test
    void unansweredTimeRunsFromTheFirstFailedRefreshUntilAnAnswer() {
        assertEquals(0, m.unansweredFor(500), "nothing asked yet");
        m.nextRequest(1_000);
        m.onFailure(1_100);
        m.nextRequest(1_200);
        m.onFailure(1_300);
        assertEquals(4_000, m.unansweredFor(5_000), "counted from the first of the failed refreshes");
        m.nextRequest(6_000);
        m.onResponse(response(1, 5), 6_010);
        assertEquals(0, m.unansweredFor(7_000), "an answer ends it");
        assertNotNull(m.nextRequest(70_000));
        assertEquals(10, m.unansweredFor(70_010), "a routine refresh in flight counts from its own start only");
    }

    /**
     * KIP-580: failed refreshes back off exponentially from {@code retry.backoff.ms} to
     * {@code retry.backoff.max.ms} (jitter held at its middle here), and an answer starts over. A
     * constant 100 ms was ten refreshes a second per client, each to a new bootstrap connection, all
     * through a cluster outage.
     */
    @Test
    void failedRefreshesBackOffExponentiallyUpToTheMaximumAndAnAnswerResetsIt() {
        MetadataManager k = new MetadataManager(Duration.ofSeconds(60), Duration.ofMillis(100), Duration.ofSeconds(1),
                () -> 0.5);
        long now = 0;
        List<Long> waits = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            now += k.timeToNextUpdate(now);
            assertNotNull(k.nextRequest(now), "due at the end of the wait");
            k.onFailure(now);
            waits.add(k.timeToNextUpdate(now));
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1_000L, 1_000L), waits);
        now += 1_000;
        k.nextRequest(now);
        k.onResponse(response(1, 5), now);
        k.requestUpdate();
        assertEquals(100, k.timeToNextUpdate(now), "an answer resets the backoff");
        k.nextRequest(now + 100);
        k.onFailure(now + 100);
        assertEquals(100, k.timeToNextUpdate(now + 100), "the first failure after it waits the base again");
    }

    /**
     * KIP-580, as Apache Kafka's {@code Metadata.equivalentResponseCount}: a refresh asked for because
     * something is missing (a partition without a leader, a topic being created), answered the same as
     * before, is asked for again after {@code retry.backoff.ms} doubled per equivalent answer up to
     * {@code retry.backoff.max.ms}; an answer that brings news (a newer leader epoch) starts over.
     */
    @Test
    void equivalentAnswersBackOffExponentiallyAndNewsResetsIt() {
        long now = 0;
        m.addTopics(Set.of("t"));
        m.nextRequest(now);
        m.onResponse(response(1, 5), now); // news: the first epochs seen
        List<Long> waits = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            m.requestUpdate();
            long wait = m.timeToNextUpdate(now);
            waits.add(wait);
            now += wait;
            assertNotNull(m.nextRequest(now), "due at the end of the wait");
            m.onResponse(response(1, 5), now); // still no leader change
        }
        assertEquals(List.of(100L, 100L, 200L, 400L, 800L, 1_000L), waits);
        m.requestUpdate();
        now += 1_000;
        m.nextRequest(now);
        m.onResponse(response(2, 6), now); // the leader moved
        m.requestUpdate();
        assertEquals(100, m.timeToNextUpdate(now), "news resets the backoff");
    }

    /**
     * As Apache Kafka's {@code Metadata.timeToAllowUpdate}: the refresh that {@code metadata.max.age.ms}
     * calls for starts the count of equivalent answers over, so a leader error long after a quiet spell
     * is looked into after {@code retry.backoff.ms}, not after the maximum.
     */
    @Test
    void theRefreshDueByAgeStartsTheEquivalentAnswersOver() {
        long now = 0;
        m.nextRequest(now);
        m.onResponse(response(1, 5), now);
        for (int i = 0; i < 5; i++) {
            m.requestUpdate();
            now += m.timeToNextUpdate(now);
            m.nextRequest(now);
            m.onResponse(response(1, 5), now);
        }
        now += m.timeToNextUpdate(now);
        assertNotNull(m.nextRequest(now), "due by age");
        m.onResponse(response(1, 5), now);
        m.requestUpdate();
        assertEquals(100, m.timeToNextUpdate(now));
    }

    /** Jitter (+/-20%) keeps clients that failed together from retrying together. */
    @Test
    void theBackoffAfterAFailureIsJittered() {
        Duration age = Duration.ofSeconds(60);
        MetadataManager low = new MetadataManager(age, Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.0);
        MetadataManager high = new MetadataManager(age, Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.999);
        List<Long> waits = new java.util.ArrayList<>();
        for (MetadataManager k : List.of(low, high)) {
            k.nextRequest(0);
            k.onFailure(0);
            long first = k.timeToNextUpdate(0);
            k.nextRequest(first);
            k.onFailure(first);
            waits.add(first);
            waits.add(k.timeToNextUpdate(first));
        }
        assertEquals(List.of(80L, 160L, 119L, 239L), waits, "100 and 200 ms, times 0.8 to 1.2");
    }

    @Test
    void requestedRefreshWaitsForTheBackoff() {
        m.nextRequest(0);
        m.onResponse(response(1, 5), 10);
        CompletableFuture<Cluster> next = m.requestUpdate();
        assertEquals(90, m.timeToNextUpdate(10), "backoff counts from the previous attempt");
        assertNotNull(m.nextRequest(100));
        m.onResponse(response(2, 6), 110);
        assertTrue(next.isDone());
        assertEquals(2, next.join().partition("t", 0).leader());
    }

    @Test
    void aFailureAllowsARetryAfterTheBackoff() {
        m.nextRequest(0);
        m.onFailure(5);
        assertEquals(95, m.timeToNextUpdate(5));
        assertNotNull(m.nextRequest(100));
    }

    @Test
    void newTopicsAreAskedForAndTriggerARefresh() {
        m.nextRequest(0);
        m.onResponse(response(1, 5), 1);
        m.addTopics(Set.of("t"));
        MetadataRequest r = m.nextRequest(200);
        assertNotNull(r);
        assertEquals("t", r.topics().get(0).name());
    }

    /**
     * An owner states its whole set: topics it no longer names leave the next request and the snapshot
     * (a consumer that subscribed to [a] and then to [b] asks about b only), unless another owner or
     * {@code addTopics} still wants them.
     */
    @Test
    void topicsAnOwnerNoLongerStatesLeaveTheRequestsAndTheSnapshot() {
        Object consumer = new Object();
        Object commit = new Object();
        m.setTopics(consumer, Set.of("t"));
        assertEquals(List.of("t"), names(m.nextRequest(0)));
        m.onResponse(response(1, 5), 1);
        assertNotNull(m.cluster().topic("t"));

        m.setTopics(consumer, Set.of("u"));
        m.setTopics(commit, Set.of("t")); // an operation still needs t
        assertEquals(Set.of("t", "u"), Set.copyOf(names(m.nextRequest(1))));
        m.onResponse(response(1, 5), 2);
        m.setTopics(commit, Set.of());
        m.requestUpdate();
        assertEquals(List.of("u"), names(m.nextRequest(200)), "t is wanted by nobody now");
        MetadataResponse withoutT = response(1, 5);
        withoutT.topics().clear();
        m.onResponse(withoutT, 201);
        assertNull(m.cluster().topic("t"), "nor kept in the snapshot");
        assertEquals(Set.of("u"), m.topics());

        m.addTopics(Set.of("v"));
        m.setTopics(consumer, Set.of());
        assertEquals(Set.of("v"), m.topics(), "added topics stay until removed");
    }

    private static List<String> names(MetadataRequest r) {
        assertNotNull(r, "a refresh is due");
        return r.topics().stream().map(MetadataRequest.MetadataRequestTopic::name).toList();
    }

    @Test
    void aNewTopicWaitsForNoBackoffButATopicAskedForAgainDoes() {
        m.nextRequest(0);
        m.onResponse(response(1, 5), 10);
        m.addTopics(Set.of("t"));
        assertEquals(0, m.timeToNextUpdate(10), "a new topic: at once (a consumer's first assignment, say)");
        assertNotNull(m.nextRequest(10));
        m.onResponse(response(1, 5), 12);
        m.requestUpdate();
        assertEquals(98, m.timeToNextUpdate(12), "a refresh of what is known waits for the backoff");
    }

    @Test
    void theNextSnapshotIsTheRefreshInFlightWhenThereIsOne() {
        m.nextRequest(0);
        CompletableFuture<Cluster> next = m.nextSnapshot();
        m.onResponse(response(1, 5), 1);
        assertTrue(next.isDone(), "answered by the refresh already in flight, no second request");
        assertNull(m.nextRequest(2));
    }

    @Test
    void topicsAddedWhileARefreshIsInFlightAreAnsweredByTheNextOne() {
        m.nextRequest(0); // in flight, built without topic "t"
        CompletableFuture<Cluster> waiting = m.addTopics(Set.of("t"));
        MetadataResponse withoutT = response(1, 5);
        withoutT.topics().clear();
        m.onResponse(withoutT, 1);
        assertTrue(!waiting.isDone(), "the response to a request that did not ask for t does not answer");
        MetadataRequest next = m.nextRequest(200);
        assertEquals("t", next.topics().get(0).name());
        m.onResponse(response(1, 5), 201);
        assertNotNull(waiting.join().topic("t"));
    }

    /**
     * A consumer's {@code assign()} asks for its topics, the refresh goes out with them, and its offset
     * lookup asks for the same topics while it is in flight: that refresh answers both. Before, the
     * second ask waited for a refresh of its own, which the backoff held back: a fresh consumer's first
     * records came about 100 ms late, one time in two.
     */
    @Test
    void topicsAskedForAgainWhileTheRefreshThatAskedForThemIsInFlightAreAnsweredByIt() {
        CompletableFuture<Cluster> assign = m.addTopics(Set.of("t"));
        MetadataRequest r = m.nextRequest(0);
        assertEquals("t", r.topics().get(0).name());
        CompletableFuture<Cluster> lookup = m.addTopics(Set.of("t"));
        m.onResponse(response(1, 5), 3);
        assertTrue(assign.isDone());
        assertTrue(lookup.isDone(), "answered by the refresh in flight, which asked for t");
        assertNotNull(lookup.join().topic("t"));
        assertNull(m.nextRequest(3), "no second refresh");
        assertEquals(60_000, m.timeToNextUpdate(3), "the next is due by age");
    }

    @Test
    void aTopicAskedForTwiceAfterTheRefreshInFlightWasBuiltWaitsForTheNextOne() {
        m.nextRequest(0); // in flight, built without topic "t"
        CompletableFuture<Cluster> first = m.addTopics(Set.of("t"));
        CompletableFuture<Cluster> second = m.addTopics(Set.of("t"));
        MetadataResponse withoutT = response(1, 5);
        withoutT.topics().clear();
        m.onResponse(withoutT, 1);
        assertFalse(first.isDone());
        assertFalse(second.isDone(), "the refresh in flight did not ask for t");
        assertEquals(0, m.timeToNextUpdate(1), "a new topic waits for no backoff");
        assertNotNull(m.nextRequest(1));
        m.onResponse(response(1, 5), 2);
        assertTrue(first.isDone() && second.isDone());
    }

    @Test
    void waitersOfAFailedRefreshAreAnsweredByTheRetry() {
        CompletableFuture<Cluster> waiting = m.requestUpdate();
        m.nextRequest(0);
        m.onFailure(1);
        assertTrue(!waiting.isDone());
        m.nextRequest(200);
        m.onResponse(response(1, 5), 201);
        assertTrue(waiting.isDone());
    }

    /**
     * The class's contract for an authentication failure: every waiter of the moment fails with it, never
     * completes with a null snapshot; later waiters are answered by later refreshes.
     */
    @Test
    void waitersOfAFailedRefreshFailWithARefusalThatComesLaterAndLaterWaitersAreAnswered() {
        m.nextRequest(0);
        CompletableFuture<Cluster> waiting = m.nextSnapshot();
        m.onFailure(1);
        m.nextRequest(200);
        AuthenticationException refused = new AuthenticationException("refused", (Throwable) null);
        m.failWaiters(refused);
        assertTrue(waiting.isCompletedExceptionally(), () -> "completed with " + waiting.getNow(null));
        CompletionException e = assertThrows(CompletionException.class, waiting::join);
        assertSame(refused, e.getCause());

        m.onFailure(201); // the refresh in flight met the refusal too
        CompletableFuture<Cluster> later = m.nextSnapshot();
        assertFalse(later.isDone(), "a refusal is not final");
        MetadataRequest next = m.nextRequest(10_000);
        assertNotNull(next, "refreshes go on");
        m.onResponse(response(1, 5), 10_001);
        assertEquals(3, later.join().brokers().size(), "the next answer reaches the later waiter");
    }

    @Test
    void aStaleLeaderEpochIsIgnored() {
        m.addTopics(Set.of("t"));
        m.nextRequest(0);
        m.onResponse(response(2, 7), 1);
        m.requestUpdate();
        m.nextRequest(500);
        m.onResponse(response(1, 6), 501); // a broker that has not seen the leader change yet
        Cluster c = m.cluster();
        assertEquals(2, c.partition("t", 0).leader());
        assertEquals(7, c.partition("t", 0).leaderEpoch());
        m.requestUpdate();
        m.nextRequest(1_000);
        m.onResponse(response(3, 8), 1_001);
        assertEquals(3, m.cluster().partition("t", 0).leader(), "a newer epoch wins");
    }

    /**
     * As Apache Kafka's NetworkClient ("Ignoring empty metadata response"): a response that lists no
     * broker (a broker still starting, a proxy) is no answer. The snapshot keeps its brokers, and the
     * refresh counts as failed: retried after the backoff, and its waiters wait for that retry.
     */
    @Test
    void aResponseWithoutBrokersIsNotAppliedAndCountsAsAFailedRefresh() {
        m.nextRequest(0);
        m.onResponse(response(1, 5), 1);
        CompletableFuture<Cluster> waiting = m.requestUpdate();
        m.nextRequest(100);
        MetadataResponse empty = response(2, 6);
        empty.brokers().clear();
        m.onResponse(empty, 101);
        assertEquals(Set.of(1, 2, 3), m.cluster().brokers().keySet(), "the brokers known are kept");
        assertEquals(1, m.cluster().partition("t", 0).leader());
        assertFalse(waiting.isDone(), "a snapshot without brokers answers nobody");
        assertEquals(100, m.unansweredFor(200), "still unanswered since the refresh at 100 (KIP-1102's clock)");
        assertTrue(m.timeToNextUpdate(101) <= 100, "retried after the backoff, not after metadata.max.age.ms");
        m.nextRequest(300);
        m.onResponse(response(2, 6), 301);
        assertEquals(2, waiting.join().partition("t", 0).leader());
    }

    /** Metadata v13 (KIP-1102): a top-level error, REBOOTSTRAP_REQUIRED, is no answer either; it asks for a rebootstrap. */
    @Test
    void aTopLevelErrorIsNotAppliedAndRebootstrapRequiredIsNoted() {
        m.nextRequest(0);
        m.onResponse(response(1, 5), 1);
        m.requestUpdate();
        m.nextRequest(100);
        MetadataResponse refused = response(2, 6).setErrorCode(ErrorCode.REBOOTSTRAP_REQUIRED.code());
        m.onResponse(refused, 101);
        assertEquals(1, m.cluster().partition("t", 0).leader(), "not applied");
        assertTrue(m.rebootstrapRequired());
        m.nextRequest(300);
        m.onResponse(response(2, 6), 301);
        assertFalse(m.rebootstrapRequired(), "an answer ends it");
        assertEquals(2, m.cluster().partition("t", 0).leader());
    }

    /**
     * A lagging broker that does not know the topic (a topic-level error, no partitions) must not make
     * the client forget the leader epoch it saw: an older epoch from another lagging broker afterwards
     * is still stale (Apache Kafka's Metadata keeps {@code lastSeenLeaderEpochs} apart from the snapshot).
     */
    @Test
    void aStaleLeaderEpochIsIgnoredEvenAfterATopicLevelError() {
        m.addTopics(Set.of("t"));
        m.nextRequest(0);
        m.onResponse(response(2, 7), 1);
        m.requestUpdate();
        m.nextRequest(200);
        MetadataResponse unknown = response(2, 7);
        unknown.topics().set(0, new MetadataResponse.MetadataResponseTopic().setName("t").setTopicId(TOPIC_ID)
                .setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code()));
        m.onResponse(unknown, 201);
        m.requestUpdate();
        m.nextRequest(400);
        m.onResponse(response(1, 6), 401); // the old leader, from a broker further behind
        Cluster.PartitionInfo p = m.cluster().partition("t", 0);
        assertTrue(p == null || p.leaderEpoch() != 6, "epoch 6 after 7 was seen: " + p);
        m.requestUpdate();
        m.nextRequest(600);
        m.onResponse(response(3, 8), 601);
        assertEquals(3, m.cluster().partition("t", 0).leader(), "a newer epoch wins");
    }

    /**
     * A response that leaves a topic out (a lagging broker answering an all-topics refresh, as a pattern
     * subscription sends) must not make the client forget the leader epochs it saw for it: an older epoch
     * from a broker further behind afterwards is still stale. Apache Kafka's Metadata keeps
     * {@code lastSeenLeaderEpochs} across responses while the topic is retained.
     */
    @Test
    void aStaleLeaderEpochIsIgnoredAfterAResponseThatLeftTheTopicOut() {
        m.allTopics(true);
        m.nextRequest(0);
        m.onResponse(response(2, 7), 1);
        m.requestUpdate();
        m.nextRequest(200);
        MetadataResponse without = response(2, 7);
        without.topics().clear();
        m.onResponse(without, 201);
        m.requestUpdate();
        m.nextRequest(400);
        m.onResponse(response(1, 6), 401); // the old leader, from a broker further behind
        Cluster.PartitionInfo p = m.cluster().partition("t", 0);
        assertTrue(p == null || p.leaderEpoch() == 7, "epoch 6 after 7 was seen: " + p);
        m.requestUpdate();
        m.nextRequest(600);
        m.onResponse(response(3, 8), 601);
        assertEquals(3, m.cluster().partition("t", 0).leader(), "a newer epoch wins");
    }

    /** A refresh of a subset of the topics once seen keeps the epochs of those still wanted, as the snapshot keeps them. */
    @Test
    void aTopicStillWantedKeepsItsNewestLeaderWhenAResponseLeavesItOut() {
        m.addTopics(Set.of("t"));
        m.nextRequest(0);
        m.onResponse(response(2, 7), 1);
        m.requestUpdate();
        m.nextRequest(200);
        MetadataResponse without = response(2, 7);
        without.topics().clear();
        m.onResponse(without, 201);
        m.requestUpdate();
        m.nextRequest(400);
        m.onResponse(response(1, 6), 401);
        assertEquals(2, m.cluster().partition("t", 0).leader(), "epoch 7's leader is kept");
        assertEquals(7, m.cluster().partition("t", 0).leaderEpoch());
    }

    /**
     * The epochs of a topic are forgotten once it is no longer wanted (so the map cannot grow without
     * bound): asked for again after that, it takes whatever epoch the cluster reports.
     */
    @Test
    void theEpochsOfATopicNoLongerWantedAreForgotten() {
        m.addTopics(Set.of("t"));
        m.nextRequest(0);
        m.onResponse(response(2, 7), 1);
        m.removeTopics(Set.of("t"));
        m.requestUpdate();
        m.nextRequest(200);
        MetadataResponse without = response(2, 7);
        without.topics().clear();
        m.onResponse(without, 201);
        m.addTopics(Set.of("t"));
        m.nextRequest(400);
        m.onResponse(response(1, 6), 401);
        assertEquals(6, m.cluster().partition("t", 0).leaderEpoch(), "nothing remembered of a topic let go");
    }

    /**
     * With all topics described, a topic the responses leave out for {@code metadata.max.age.ms} (deleted)
     * is forgotten with its epochs: the map follows the cluster's topics, it does not grow without bound.
     */
    @Test
    void anAllTopicsClientForgetsTheEpochsOfATopicLeftOutForTheMaxAge() {
        m.allTopics(true);
        m.nextRequest(0);
        m.onResponse(response(2, 7), 1);
        MetadataResponse without = response(2, 7);
        without.topics().clear();
        m.requestUpdate();
        m.nextRequest(200);
        m.onResponse(without, 59_999);
        m.requestUpdate();
        m.nextRequest(60_001);
        m.onResponse(without, 60_001);
        m.requestUpdate();
        m.nextRequest(60_200);
        m.onResponse(response(1, 6), 60_200);
        assertEquals(6, m.cluster().partition("t", 0).leaderEpoch(), "nothing remembered of a topic gone that long");
    }

    /** A topic deleted and created again has a new id: its epochs start over, and the old ones do not hold it back. */
    @Test
    void aRecreatedTopicStartsItsEpochsOver() {
        m.addTopics(Set.of("t"));
        m.nextRequest(0);
        m.onResponse(response(2, 7), 1);
        m.requestUpdate();
        m.nextRequest(200);
        MetadataResponse recreated = response(1, 0);
        recreated.topics().get(0).setTopicId(UUID.randomUUID());
        m.onResponse(recreated, 201);
        assertEquals(0, m.cluster().partition("t", 0).leaderEpoch());
    }

    @Test
    void anUnknownTopicIsRecordedWithItsError() {
        m.addTopics(Set.of("missing"));
        m.nextRequest(0);
        MetadataResponse r = response(1, 1);
        r.topics().add(new MetadataResponse.MetadataResponseTopic().setName("missing")
                .setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code()));
        m.onResponse(r, 1);
        assertSame(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, m.cluster().topic("missing").error());
    }

    @Test
    void aLeaderHintWithANewerEpochMovesThePartitionAndBringsItsBroker() {
        m.nextRequest(0);
        m.onResponse(response(1, 5), 1);
        Node four = new Node(4, "h4", 9092, null);
        assertFalse(m.applyLeaderHints(List.of(new MetadataManager.LeaderHint("t", 0, 2, 5)), List.of()),
                "an epoch not newer than the known one is stale");
        assertFalse(m.applyLeaderHints(List.of(new MetadataManager.LeaderHint("t", 0, 4, 6)), List.of()),
                "a broker nobody named cannot lead");
        assertFalse(m.applyLeaderHints(List.of(new MetadataManager.LeaderHint("u", 0, 2, 6)), List.of()));
        assertTrue(m.applyLeaderHints(List.of(new MetadataManager.LeaderHint("t", 0, 4, 6)), List.of(four)));
        Cluster c = m.cluster();
        assertEquals(4, c.partition("t", 0).leader());
        assertEquals(6, c.partition("t", 0).leaderEpoch());
        assertEquals(four, c.brokers().get(4));
        m.onResponse(response(3, 7), 2);
        assertEquals(3, m.cluster().partition("t", 0).leader(), "metadata still has the last word");
    }

    @Test
    void aFetchAnswersHintIsFollowedUnlessTheRefusingBrokerNamesItselfWithNoNewerEpoch() {
        m.nextRequest(0);
        m.onResponse(response(1, 5), 1);
        MetadataManager.LeaderHint toTwo = new MetadataManager.LeaderHint("t", 0, 2, 6);
        assertEquals(List.of(), m.followLeaderHints(1, List.of(toTwo), List.of()), "a newer leader elsewhere: followed");
        assertEquals(2, m.cluster().partition("t", 0).leader());
        MetadataManager.LeaderHint itself = new MetadataManager.LeaderHint("t", 0, 2, 6);
        assertEquals(List.of(itself), m.followLeaderHints(2, List.of(itself), List.of()),
                "broker 2 refusing and naming itself at the epoch metadata has: no news, else a loop");
        MetadataManager.LeaderHint itselfNewer = new MetadataManager.LeaderHint("t", 0, 2, 7);
        assertEquals(List.of(), m.followLeaderHints(2, List.of(itselfNewer), List.of()),
                "naming itself under a newer epoch: it has become the leader since");
        MetadataManager.LeaderHint stale = new MetadataManager.LeaderHint("t", 0, 3, 4);
        assertEquals(List.of(stale), m.followLeaderHints(2, List.of(stale), List.of()), "an older epoch: not followed");
        MetadataManager.LeaderHint unknown = new MetadataManager.LeaderHint("t", 0, 9, 8);
        assertEquals(List.of(unknown), m.followLeaderHints(2, List.of(unknown), List.of()), "a broker nobody named");
        assertEquals(2, m.cluster().partition("t", 0).leader());
        assertEquals(7, m.cluster().partition("t", 0).leaderEpoch());
    }

    private static MetadataResponse response(int leader, int epoch) {
        MetadataResponse r = new MetadataResponse().setClusterId("c").setControllerId(1);
        for (int id = 1; id <= 3; id++) {
            r.brokers().add(new MetadataResponse.MetadataResponseBroker().setNodeId(id).setHost("h" + id).setPort(9092));
        }
        r.topics().add(new MetadataResponse.MetadataResponseTopic().setName("t").setTopicId(TOPIC_ID)
                .setPartitions(new java.util.ArrayList<>(List.of(new MetadataResponse.MetadataResponsePartition()
                        .setPartitionIndex(0).setLeaderId(leader).setLeaderEpoch(epoch)
                        .setReplicaNodes(List.of(1, 2, 3)).setIsrNodes(List.of(1, 2, 3))))));
        return r;
    }
}
