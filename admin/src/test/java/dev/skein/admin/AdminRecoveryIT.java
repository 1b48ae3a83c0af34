package dev.skein.admin;

import dev.skein.core.OffsetAndTimestamp;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.errors.UnknownTopicException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.FindCoordinatorResponse;
import dev.skein.core.message.ListOffsetsResponse;
import dev.skein.core.message.OffsetFetchResponse;
import dev.skein.producer.ResponseRewrite;
import dev.skein.testkit.Await;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.skein.admin.AdminIT.failure;
import static dev.skein.admin.AdminIT.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the admin client finds its way again after a route went stale (a coordinator it cannot reach, a
 * leader that says it is not one, a topic created after a lookup found it missing), and how close()
 * treats calls still running. One single-broker cluster behind a fault proxy for the class.
 */
@ExtendWith(KafkaClusterExtension.class)
class AdminRecoveryIT {
    private static KafkaCluster kafka;
    private static FaultProxy proxy;

    @BeforeAll
    static void cluster(@OwnCluster(faultProxy = true) KafkaCluster cluster) {
        kafka = cluster;
        proxy = cluster.proxy(cluster.brokerIds().iterator().next());
    }

    @AfterEach
    void heal() {
        proxy.releaseHeld();
        proxy.heal();
    }

    private static Admin admin(Duration apiTimeout) {
        return Admin.builder().bootstrapServers(kafka.bootstrapServers()).defaultApiTimeout(apiTimeout).build();
    }

    @Test
    void aCoordinatorThatCannotBeReachedIsLookedUpAgain() throws Exception {
        try (Admin admin = admin(Duration.ofSeconds(20))) {
            // A first group's lookup waits out the creation of the offsets topic on a fresh cluster.
            get(admin.groups().offsets(AdminIT.name("warm-up")));
            int lookups = proxy.requests(ApiKey.FIND_COORDINATOR.id());
            int rewritten = proxy.rewrittenResponses();
            // The first lookup names a broker that is not in the cluster: every request to it fails.
            proxy.rewriteResponses(ApiKey.FIND_COORDINATOR.id(), 1, frame -> ResponseRewrite.changed(frame,
                    FindCoordinatorResponse.HIGHEST_SUPPORTED_VERSION, (short) 3, FindCoordinatorResponse::read, r -> {
                        if (r.coordinators().isEmpty()) {
                            r.setNodeId(99); // v3 and older name one coordinator at the top level
                        }
                        r.coordinators().forEach(c -> c.setNodeId(99));
                    }));
            Map<TopicPartition, ?> offsets = admin.groups().offsets(AdminIT.name("no-such-group")).get(30, TimeUnit.SECONDS);
            assertTrue(offsets.isEmpty(), "a group with no commits has no offsets: " + offsets);
            assertEquals(rewritten + 1, proxy.rewrittenResponses(), "the first lookup's answer named broker 99");
            assertTrue(proxy.requests(ApiKey.FIND_COORDINATOR.id()) - lookups >= 2,
                    "the coordinator was looked up again after the first one could not be reached");
        }
    }

    @Test
    void aCoordinatorStillLoadingIsAskedAgainWithoutALookup() throws Exception {
        try (Admin admin = admin(Duration.ofSeconds(20))) {
            String group = AdminIT.name("loading");
            get(admin.groups().offsets(group)); // the group's coordinator is known and cached
            int lookups = proxy.requests(ApiKey.FIND_COORDINATOR.id());
            int fetches = proxy.requests(ApiKey.OFFSET_FETCH.id());
            int rewritten = proxy.rewrittenResponses();
            // COORDINATOR_LOAD_IN_PROGRESS: the broker is the coordinator and is still reading the group's
            // state; Kafka's clients ask the same broker again after a backoff.
            proxy.rewriteResponses(ApiKey.OFFSET_FETCH.id(), 1, frame -> ResponseRewrite.changed(frame,
                    OffsetFetchResponse.HIGHEST_SUPPORTED_VERSION, (short) 6, OffsetFetchResponse::read, r -> {
                        r.setErrorCode((short) 14);
                        r.groups().forEach(g -> g.setErrorCode((short) 14));
                    }));
            Map<TopicPartition, ?> offsets = get(admin.groups().offsets(group));
            assertTrue(offsets.isEmpty(), "a group with no commits has no offsets: " + offsets);
            assertEquals(rewritten + 1, proxy.rewrittenResponses(), "the first answer said the coordinator was loading");
            assertEquals(fetches + 2, proxy.requests(ApiKey.OFFSET_FETCH.id()), "asked again after the loading answer");
            assertEquals(lookups, proxy.requests(ApiKey.FIND_COORDINATOR.id()),
                    "a coordinator that is loading is still the coordinator: no lookup");
        }
    }

    @Test
    void aLeaderThatSaysItIsNotOneMakesTheNextRoundAskForMetadata() throws Exception {
        try (Admin admin = admin(Duration.ofSeconds(20))) {
            String topic = AdminIT.name("not-leader");
            get(admin.topics().create(List.of(NewTopic.of(topic, 1, 1))).all());
            TopicPartition tp = new TopicPartition(topic, 0);
            get(admin.records().listOffsets(Map.of(tp, OffsetSpec.latest())).get(tp)); // metadata of the topic is known
            int metadataBefore = proxy.requests(ApiKey.METADATA.id());
            int rewritten = proxy.rewrittenResponses();
            proxy.rewriteResponses(ApiKey.LIST_OFFSETS.id(), 1, frame -> ResponseRewrite.changed(frame,
                    ListOffsetsResponse.HIGHEST_SUPPORTED_VERSION, (short) 6, ListOffsetsResponse::read,
                    r -> r.topics().forEach(t -> t.partitions().forEach(p -> p.setErrorCode((short) 6)))));
            OffsetAndTimestamp latest = get(admin.records().listOffsets(Map.of(tp, OffsetSpec.latest())).get(tp));
            assertEquals(0, latest.offset());
            assertEquals(rewritten + 1, proxy.rewrittenResponses());
            assertTrue(proxy.requests(ApiKey.METADATA.id()) > metadataBefore,
                    "NOT_LEADER_OR_FOLLOWER sent the retry to a fresh leader lookup, not to the cached leader");
        }
    }

    @Test
    void aTopicCreatedAfterALookupFoundItMissingIsFound() throws Exception {
        try (Admin admin = admin(Duration.ofSeconds(20))) {
            String topic = AdminIT.name("late");
            TopicPartition tp = new TopicPartition(topic, 0);
            assertInstanceOf(UnknownTopicException.class,
                    failure(admin.records().listOffsets(Map.of(tp, OffsetSpec.latest())).get(tp)));
            get(admin.topics().create(List.of(NewTopic.of(topic, 1, 1))).all());
            OffsetAndTimestamp latest = Await.value("the new topic's offsets", Duration.ofSeconds(20), () -> {
                try {
                    return admin.records().listOffsets(Map.of(tp, OffsetSpec.latest())).get(tp).get(20, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // The broker may not know the topic for a moment after the controller created it.
                    if (e.getCause() instanceof UnknownTopicException) {
                        return null;
                    }
                    throw e;
                }
            });
            assertEquals(0, latest.offset());
        }
    }

    @Test
    void oneBrokersRequestFailingFailsOnlyItsOwnItems() throws Exception {
        try (Admin admin = admin(Duration.ofSeconds(20))) {
            String topic = AdminIT.name("fan-out");
            get(admin.topics().create(List.of(NewTopic.of(topic, 1, 1))).all());
            ConfigResource broker = ConfigResource.broker(kafka.brokerIds().iterator().next());
            ConfigResource topicConfigs = ConfigResource.topic(topic);
            int rewritten = proxy.rewrittenResponses();
            // A broker's config goes to that broker, a topic's to any: two requests. The first answer comes
            // back unreadable (its body overwritten), which is not worth a retry.
            proxy.rewriteResponses(ApiKey.DESCRIBE_CONFIGS.id(), 1, frame -> {
                for (int i = frame.readerIndex() + 9; i < frame.writerIndex(); i++) {
                    frame.setByte(i, 0xFF);
                }
                return new FaultProxy.Rewritten(frame, false);
            });
            Results<ConfigResource, Map<String, ConfigEntry>> results = admin.configs().describe(List.of(broker, topicConfigs));
            Map<ConfigResource, Throwable> failed = new java.util.HashMap<>();
            for (ConfigResource r : List.of(broker, topicConfigs)) {
                try {
                    assertTrue(results.get(r).get(30, TimeUnit.SECONDS).size() > 5, r + " has its configs");
                } catch (ExecutionException e) {
                    failed.put(r, e.getCause());
                }
            }
            assertEquals(1, proxy.rewrittenResponses() - rewritten, "one answer was made unreadable");
            assertEquals(1, failed.size(), "only the items of the unreadable answer fail: " + failed);
            assertInstanceOf(dev.skein.core.errors.ProtocolException.class, failed.values().iterator().next());
        }
    }

    @Test
    void aCredentialChangeAppliedBeforeALostAnswerIsNotMadeAgainAndReportedFailed() throws Exception {
        int rewrittenAtStart = proxy.rewrittenResponses();
        try (Admin admin = admin(Duration.ofSeconds(30))) {
            String alice = "alice-" + AdminIT.name("u");
            String bob = "bob-" + AdminIT.name("u");
            // Alice's credential is of the other mechanism than bob's first: a 4.x broker was seen to lose an
            // upsert published in one metadata delta with a deletion of the same mechanism for another user.
            get(admin.credentials().alter(List.of(ScramChange.upsert(alice, ScramMechanism.SCRAM_SHA_512, 8192, "a"))).get(alice));
            // Two rounds (the broker takes one change per user per request): alice's deletion and bob's first
            // upsert, then bob's second. The second round's answer is cut half-way: its outcome is unknown.
            int[] seen = {0};
            proxy.rewriteResponses(ApiKey.ALTER_USER_SCRAM_CREDENTIALS.id(), 2, frame -> ++seen[0] == 1
                    ? new FaultProxy.Rewritten(frame, false)
                    : FaultProxy.framingFaults().get("half a frame, then FIN").apply(frame));
            Results<String, Void> results = admin.credentials().alter(List.of(
                    ScramChange.delete(alice, ScramMechanism.SCRAM_SHA_512),
                    ScramChange.upsert(bob, ScramMechanism.SCRAM_SHA_256, 8192, "b1"),
                    ScramChange.upsert(bob, ScramMechanism.SCRAM_SHA_512, 8192, "b2")));
            get(results.get(bob));
            get(results.get(alice)); // its deletion was confirmed in the first round: not sent again
            assertEquals(2, proxy.rewrittenResponses() - rewrittenAtStart, "both rounds' answers passed the rewrite");
            Await.until("bob has both credentials", Duration.ofSeconds(30),
                    () -> get(admin.credentials().describe(List.of(bob)).get(bob)).size() == 2);
        }
    }

    /** A describe of the broker's configs whose request the proxy holds (the connection is warmed up first). */
    private static CompletableFuture<Map<String, ConfigEntry>> heldCall(Admin admin) throws Exception {
        ConfigResource r = ConfigResource.broker(kafka.brokerIds().iterator().next());
        get(admin.configs().describe(List.of(r)).get(r));
        proxy.holdRequests(ApiKey.DESCRIBE_CONFIGS.id(), 1);
        CompletableFuture<Map<String, ConfigEntry>> call = admin.configs().describe(List.of(r)).get(r);
        Await.until("the request is held", Duration.ofSeconds(20), () -> proxy.heldRequests() == 1);
        return call;
    }

    @Test
    void aCallStillRunningWhenCloseRunsOutOfTimeFailsAndCloseReturns() throws Exception {
        Admin admin = admin(Duration.ofSeconds(60));
        CompletableFuture<Map<String, ConfigEntry>> call = heldCall(admin);

        long started = System.nanoTime();
        admin.close(Duration.ofMillis(500));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(tookMs < 10_000, "close(500 ms) returned after " + tookMs + " ms");
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS),
                "the call still running when close's time ran out ends with it");
        assertInstanceOf(TimeoutException.class, e.getCause(), e.toString());
        assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
    }

    @Test
    void aCallThatEndsWithinClosesGracePeriodSucceeds() throws Exception {
        Admin admin = admin(Duration.ofSeconds(60));
        CompletableFuture<Map<String, ConfigEntry>> call = heldCall(admin);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> admin.close(Duration.ofSeconds(30)));
        Await.until("close() has begun and refuses new calls", Duration.ofSeconds(10), () -> {
            try {
                admin.groups().list();
                return false;
            } catch (IllegalStateException refused) {
                return true;
            }
        });
        assertTrue(!call.isDone(), "close() waits for the call instead of failing it at once");
        proxy.releaseHeld();
        assertTrue(get(call).containsKey("log.retention.hours"), "the call finished during close's grace period");
        closing.get(20, TimeUnit.SECONDS);
    }
}
