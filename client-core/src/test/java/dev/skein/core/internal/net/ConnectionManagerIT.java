package dev.skein.core.internal.net;

import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.Node;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.message.ApiVersionsRequest;
import dev.skein.core.message.ApiVersionsResponse;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ConnectionManager} against a real broker: how it reaches a broker by its advertised name. */
@ExtendWith(KafkaClusterExtension.class)
class ConnectionManagerIT {
    static ClientResources resources;

    @BeforeAll
    static void start() {
        resources = ClientResources.builder().ioThreads(1).build();
    }

    @AfterAll
    static void stop() {
        resources.close();
    }

    /**
     * KIP-302/KIP-602 ({@code client.dns.lookup=use_all_dns_ips}, the default): a broker whose advertised
     * name has several addresses (load balancers, dual stack) is reached through the next address when
     * the first does not answer, as bootstrap servers are. Here the first, 127.0.0.2, refuses: the broker
     * listens on 127.0.0.1 only.
     */
    @Test
    void aBrokerNameWithSeveralAddressesIsReachedThroughTheNextOne(KafkaCluster kafka) throws Exception {
        String bootstrap = kafka.bootstrapServers();
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        List<String> looked = new CopyOnWriteArrayList<>();
        ConnectionManager.Resolver twoAddresses = host -> {
            looked.add(host);
            return "multi.test".equals(host)
                    ? new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 2}),
                            InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})}
                    : InetAddress.getAllByName(host);
        };
        ClientOptions options = ClientOptions.builder().bootstrapServers(bootstrap)
                .connectTimeout(Duration.ofSeconds(10)).build();
        try (ConnectionManager connections = new ConnectionManager(resources, options, null, twoAddresses)) {
            BrokerConnection c = connections.connection(new Node(1, "multi.test", port, null)).get(30, TimeUnit.SECONDS);
            assertTrue(c.isOpen());
            assertEquals(List.of("multi.test"), looked);
            ApiVersionsResponse r = c.<ApiVersionsResponse>send(new ApiVersionsRequest()
                    .setClientSoftwareName("skein").setClientSoftwareVersion("test")).get(30, TimeUnit.SECONDS);
            assertEquals(0, r.errorCode());
        }
    }

    /**
     * KIP-144: bootstrap addresses are connected to with the same exponential backoff as brokers
     * ({@code reconnect.backoff.ms} 50 ms doubling to {@code reconnect.backoff.max.ms} 1 s, +/-20%), and
     * not at once again after each failure: a bootstrap server that drops every connection is asked less
     * and less often. After seven failures the eighth attempt waits at least 800 ms.
     */
    @Test
    void bootstrapAttemptsBackOffExponentially() throws Exception {
        ClientOptions options = ClientOptions.builder().bootstrapServers("127.0.0.1:1")
                .connectTimeout(Duration.ofSeconds(10)).build();
        try (ClosingForwarder dropping = new ClosingForwarder("127.0.0.1", 1, Integer.MAX_VALUE);
             ConnectionManager connections = new ConnectionManager(resources, options.mutate()
                     .bootstrapServers("127.0.0.1:" + dropping.port()).build())) {
            for (int i = 0; i < 8; i++) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> connections.bootstrapConnection().get(30, TimeUnit.SECONDS));
                assertInstanceOf(NetworkException.class, e.getCause());
            }
            List<Long> at = dropping.acceptedAtNanos();
            assertEquals(8, at.size(), "one connection per attempt");
            long lastGapMs = TimeUnit.NANOSECONDS.toMillis(at.get(7) - at.get(6));
            assertTrue(lastGapMs >= 500, "the eighth attempt came " + lastGapMs + " ms after the seventh");
        }
    }

    /**
     * A broker (or a proxy in front of it) that completes every handshake and then drops the connection
     * is not reconnected to in a loop. As in Apache Kafka's {@code ClusterConnectionStates.disconnected},
     * a connection that closes puts its broker in backoff ({@code reconnect.backoff.ms}, here 100 ms,
     * from the close); one that closed this soon after it was set up counts as one more failure in a
     * row, so the waits double (to {@code reconnect.backoff.max.ms}, 2 s): 100, 200, 400, 800 ms, +/-20%.
     */
    @Test
    void aBrokerThatDropsEveryEstablishedConnectionIsReconnectedToAfterAGrowingBackoff(KafkaCluster kafka)
            throws Exception {
        String bootstrap = kafka.bootstrapServers();
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        ClientOptions options = ClientOptions.builder().bootstrapServers(bootstrap)
                .reconnectBackoff(Duration.ofMillis(100), Duration.ofSeconds(2)).build();
        try (FaultProxy proxy = FaultProxy.start("127.0.0.1", port);
             ConnectionManager connections = new ConnectionManager(resources, options)) {
            Node node = new Node(1, "127.0.0.1", proxy.port(), null);
            List<Long> gapsMs = new ArrayList<>();
            long droppedAt = 0;
            for (int i = 0; i < 5; i++) {
                BrokerConnection c = connections.connection(node).get(30, TimeUnit.SECONDS);
                if (i > 0) {
                    gapsMs.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - droppedAt));
                }
                proxy.cutConnections();
                c.closeFuture().get(30, TimeUnit.SECONDS);
                droppedAt = System.nanoTime();
            }
            assertEquals(5, proxy.acceptedConnections(), "one connection per attempt");
            for (int i = 0; i < gapsMs.size(); i++) {
                long least = (long) (100 * Math.pow(2, i) * 0.8);
                assertTrue(gapsMs.get(i) >= least, "reconnects after each drop came " + gapsMs
                        + " ms after it; reconnect " + (i + 1) + " should have waited at least " + least + " ms");
            }
        }
    }
}
