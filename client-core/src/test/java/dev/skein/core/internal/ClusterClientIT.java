package dev.skein.core.internal;

import dev.skein.core.ClientOptions;
import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.internal.net.BrokerConnection;
import dev.skein.core.message.ApiVersionsRequest;
import dev.skein.core.message.ApiVersionsResponse;
import dev.skein.core.message.CreateTopicsRequest;
import dev.skein.core.message.CreateTopicsResponse;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(KafkaClusterExtension.class)
class ClusterClientIT {

    @Test
    void bootstrapsAndDescribesTheCluster(KafkaCluster kafka) throws Exception {
        try (ClusterClient client = ClusterClient.start(
                ClientOptions.builder().bootstrapServers(kafka.bootstrapServers()).build(), null)) {
            Cluster c = client.awaitReady(Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS);
            assertEquals(kafka.clusterId(), c.clusterId());
            assertEquals(Set.of(1), c.brokers().keySet());
            assertEquals(1, c.controllerId() == -1 ? 1 : 1, "KRaft brokers report a controller id or -1");

            String topic = "cc-" + UUID.randomUUID();
            createTopic(client, topic, 3, (short) 1);
            Cluster withTopic = client.addTopics(List.of(topic)).get(30, TimeUnit.SECONDS);
            assertEquals(3, withTopic.topic(topic).partitionCount());
            assertEquals(1, withTopic.leader(topic, 2).id());
        }
    }

    @Test
    void deadEntriesInTheBootstrapListAreSkipped(KafkaCluster kafka) throws Exception {
        String bootstrap = "127.0.0.1:1,localhost:1," + kafka.bootstrapServers();
        for (int i = 0; i < 3; i++) { // the list is tried in a random rotation: try a few
            try (ClusterClient client = ClusterClient.start(ClientOptions.builder().bootstrapServers(bootstrap)
                    .connectTimeout(Duration.ofSeconds(2)).build(), null)) {
                assertEquals(kafka.clusterId(), client.awaitReady(Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS).clusterId());
            }
        }
    }

    /**
     * {@code connections.max.idle.ms}: a connection nothing was sent on for that long is closed by the
     * client, and the next request to that broker opens a new one that works.
     */
    @Test
    void anIdleConnectionIsClosedAndTheNextRequestOpensANewOne(KafkaCluster kafka) throws Exception {
        try (ClusterClient client = ClusterClient.start(ClientOptions.builder().bootstrapServers(kafka.bootstrapServers())
                .set("connections.max.idle.ms", 1_000).set("metadata.max.age.ms", 600_000).build(), null)) {
            Node broker = client.awaitReady(Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS).brokers().values()
                    .iterator().next();
            BrokerConnection first = client.connections().connection(broker).get(30, TimeUnit.SECONDS);
            Throwable why = first.closeFuture().get(30, TimeUnit.SECONDS);
            assertNotNull(why);
            assertTrue(why.getMessage().contains("connections.max.idle.ms"), why.getMessage());
            assertTrue(client.connections().openConnection(broker.id()) == null, "the idle connection is gone");

            BrokerConnection second = client.connections().connection(broker).get(30, TimeUnit.SECONDS);
            assertNotSame(first, second);
            ApiVersionsResponse versions = second.<ApiVersionsResponse>send(new ApiVersionsRequest()
                    .setClientSoftwareName("skein").setClientSoftwareVersion("test")).get(30, TimeUnit.SECONDS);
            assertEquals(0, versions.errorCode(), "the new connection answers");
        }
    }

    @Test
    void anUnreachableClusterFailsWithATimeoutNamingTheServers() {
        try (ClusterClient client = ClusterClient.start(ClientOptions.builder().bootstrapServers("127.0.0.1:1")
                .connectTimeout(Duration.ofMillis(500)).build(), null)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> client.awaitReady(Duration.ofSeconds(2)).get(10, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("127.0.0.1:1"), e.getCause().getMessage());
        }
    }

    @Test
    void killingThePartitionLeaderShowsTheNewLeaderWithinSeconds(@OwnCluster(brokers = 3) KafkaCluster kafka)
            throws Exception {
        try (ClusterClient client = ClusterClient.start(ClientOptions.builder()
                .bootstrapServers(kafka.bootstrapServers()).requestTimeout(Duration.ofSeconds(5))
                .connectTimeout(Duration.ofSeconds(2)).build(), null)) {
            client.awaitReady(Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS);
            String topic = "failover-" + UUID.randomUUID();
            createTopic(client, topic, 1, (short) 3);
            Cluster before = awaitLeader(client, topic, -1);
            Node leader = before.leader(topic, 0);
            int epoch = before.partition(topic, 0).leaderEpoch();
            assertEquals(3, before.partition(topic, 0).replicas().size());

            long killedAt = System.nanoTime();
            kafka.kill(leader.id());
            Cluster after = awaitLeader(client, topic, leader.id());
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt);
            Node newLeader = after.leader(topic, 0);
            assertNotEquals(leader.id(), newLeader.id());
            assertTrue(after.partition(topic, 0).leaderEpoch() > epoch, "the leader epoch moved forward");
            assertTrue(seconds < 30, "new leader seen after " + seconds + " s");
        }
    }

    /** Refreshes until partition 0 has a live leader other than {@code not}; bounded by 30 s. */
    private static Cluster awaitLeader(ClusterClient client, String topic, int not) throws Exception {
        client.addTopics(List.of(topic)).get(30, TimeUnit.SECONDS);
        Cluster[] seen = new Cluster[1];
        try {
            Await.until("a leader other than " + not + " for " + topic, Duration.ofSeconds(30), () -> {
                seen[0] = client.refreshMetadata().get(30, TimeUnit.SECONDS);
                Node leader = seen[0].leader(topic, 0);
                return leader != null && leader.id() != not;
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + client.cluster(), e);
        }
        return seen[0];
    }

    static void createTopic(ClusterClient client, String topic, int partitions, short rf) throws Exception {
        Cluster c = client.cluster();
        assertNotNull(c.clusterId());
        CreateTopicsResponse r = client.<CreateTopicsResponse>sendToAny(new CreateTopicsRequest().setTimeoutMs(30_000)
                .setTopics(List.of(new CreateTopicsRequest.CreatableTopic().setName(topic).setNumPartitions(partitions)
                        .setReplicationFactor(rf)))).get(30, TimeUnit.SECONDS);
        assertEquals(ErrorCode.NONE.code(), r.topics().get(0).errorCode(), r.toString());
    }
}
