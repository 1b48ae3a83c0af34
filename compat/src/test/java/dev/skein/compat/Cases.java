package dev.skein.compat;

import dev.skein.consumer.ExactlyOnceProcessor;
import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.errors.RebootstrapRequiredException;
import dev.skein.core.internal.net.BrokerConnection;
import dev.skein.core.internal.net.BrokerVersions;
import dev.skein.core.internal.net.KafkaReleases;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiVersionsRequest;
import dev.skein.core.message.ApiVersionsResponse;
import dev.skein.testkit.MetadataMode;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rows of the compatibility table, in order; the cases are in {@link ClientCases} and
 * {@link AdminCases}. A case returns a short note for its cell (null for a plain pass), calls
 * {@link Env#needs} to skip where the release lacks what it tests, and asserts what the feature promises.
 */
final class Cases {
    private Cases() {}

    /** One row: what it tests and how. */
    record Case(String row, Body body) {}

    interface Body {
        String run(Env env) throws Exception;
    }

    static final List<Case> ALL = List.of(
            new Case("produce: every codec, idempotent and not", ClientCases::produceEveryCodec),
            new Case("consume: assigned partitions, seek, offsets by time", ClientCases::consumeAssigned),
            new Case("consumer group: the protocol `auto` picks", ClientCases::groupAuto),
            new Case("consumer group: classic protocol, two members", ClientCases::groupClassic),
            new Case("consumer group: consumer protocol (KIP-848), two members", ClientCases::groupConsumerProtocol),
            new Case("share group (KIP-932): two members, release and accept", ClientCases::shareGroup),
            new Case("commit and resume", ClientCases::commitAndResume),
            new Case("transactions: commit and abort (protocol version)", ClientCases::transactions),
            new Case("read_committed: stops at an open transaction", ClientCases::readCommitted),
            new Case("exactly-once copy (`ExactlyOnceProcessor`)", ClientCases::exactlyOnceCopy),
            new Case("admin: topics", AdminCases::adminTopics),
            new Case("admin: configs", AdminCases::adminConfigs),
            new Case("admin: groups and their offsets", AdminCases::adminGroups),
            new Case("admin: offsets by spec, delete records", AdminCases::adminRecords),
            new Case("admin: cluster and features", AdminCases::adminCluster),
            new Case("admin: transactions and producers", AdminCases::adminTransactions),
            new Case("admin: ACLs", AdminCases::adminAcls),
            new Case("CLI: produce, consume --group, groups describe", AdminCases::cli));

    /**
     * Not a row: the client's table of first releases ({@link KafkaReleases}), which its version errors
     * quote, against what this broker lists in ApiVersions. The consumer group protocol's APIs are
     * listed as a preview from 3.7, before their first release proper.
     */
    static void apiTableAgrees(Env env) throws Exception {
        ApiVersionsResponse r = env.admin.<ApiVersionsResponse>send(dev.skein.admin.Target.anyBroker(),
                new ApiVersionsRequest().setClientSoftwareName("skein-compat").setClientSoftwareVersion("1"))
                .get(30, TimeUnit.SECONDS);
        Set<Short> listed = new HashSet<>();
        r.apiKeys().forEach(k -> listed.add(k.apiKey()));
        List<String> wrong = new ArrayList<>();
        boolean kraft = env.target.mode() == MetadataMode.KRAFT;
        for (ApiKey api : KafkaReleases.listed()) {
            String first = KafkaReleases.firstServing(api, kraft);
            boolean due = first != null && env.target.atLeast(Integer.parseInt(first.split("\\.")[0]),
                    Integer.parseInt(first.split("\\.")[1]));
            boolean preview = (api == ApiKey.CONSUMER_GROUP_HEARTBEAT || api == ApiKey.CONSUMER_GROUP_DESCRIBE)
                    && env.target.atLeast(3, 7);
            boolean offered = listed.contains(api.id());
            if (due && !offered || !due && offered && !preview) {
                wrong.add(api.displayName() + " (first in " + first + ") is " + (offered ? "" : "not ") + "listed");
            }
        }
        assertEquals(List.of(), wrong, "ApiVersions of " + env.target);
    }

    /**
     * Not a row: what Kafka 4.4's protocol adds is negotiated against 4.4 and not before. TxnOffsetCommit
     * v6 (KIP-1319, topic ids) is what the producer sends there under transactions version 2, v5 or lower
     * elsewhere; ApiVersions v5 (KIP-1242) carries the cluster and node the client means, and a 4.4 broker
     * answers a connection that names another cluster with REBOOTSTRAP_REQUIRED, which the connection
     * raises as {@link RebootstrapRequiredException}, while an older broker is never sent the fields.
     */
    static void protocol44Negotiated(Env env) throws Exception {
        boolean is44 = env.target.atLeast(4, 4);
        int node = env.kafka.brokerIds().iterator().next();
        String address = env.kafka.bootstrapServers(node);
        InetSocketAddress addr = new InetSocketAddress(address.substring(0, address.lastIndexOf(':')),
                Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)));
        ClientOptions options = ClientOptions.builder().bootstrapServers(address).build();
        try (ClientResources resources = ClientResources.builder().ioThreads(1).build()) {
            BrokerConnection right = BrokerConnection.connect(resources, options, node, addr, null,
                    Duration.ofSeconds(30), env.kafka.clusterId()).get(30, TimeUnit.SECONDS);
            try {
                BrokerVersions v = right.versions();
                assertEquals(is44, v.version(ApiKey.API_VERSIONS) >= 5, "ApiVersions v5 (cluster and node id) with " + env.target);
                if (v.supports(ApiKey.TXN_OFFSET_COMMIT)) {
                    assertEquals(is44, v.version(ApiKey.TXN_OFFSET_COMMIT) >= 6, "TxnOffsetCommit v6 (topic ids) with " + env.target);
                }
            } finally {
                right.close();
            }
            CompletableFuture<BrokerConnection> wrong = BrokerConnection.connect(resources, options, node, addr, null,
                    Duration.ofSeconds(30), "not-" + env.kafka.clusterId());
            if (is44) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> wrong.get(30, TimeUnit.SECONDS),
                        "a 4.4 broker refuses a connection that names another cluster");
                RebootstrapRequiredException r = assertInstanceOf(RebootstrapRequiredException.class, e.getCause());
                assertTrue(r.getMessage().contains("not-" + env.kafka.clusterId()), r.getMessage());
            } else {
                wrong.get(30, TimeUnit.SECONDS).close(); // ApiVersions v4 or lower: nothing to check against
            }
        }
    }
}
