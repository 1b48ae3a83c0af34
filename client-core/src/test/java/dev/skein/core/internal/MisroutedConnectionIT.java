package dev.skein.core.internal;

import dev.skein.core.ClientOptions;
import dev.skein.core.errors.RebootstrapRequiredException;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.MetadataRequest;
import dev.skein.core.message.MetadataResponse;
import dev.skein.testkit.Await;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ApiVersions v5 (Kafka 4.4, KIP-1242) against real 4.4.0 brokers: a client whose metadata puts broker 1
 * of cluster A at an address where broker 1 of another cluster B listens (a broker that moved, a stale
 * DNS or proxy entry) must not talk to B as if it were A. B answers the handshake, which names A's
 * cluster id, with REBOOTSTRAP_REQUIRED; the client fails that connection with
 * {@link RebootstrapRequiredException}, bootstraps again, and reaches A's broker 1.
 */
@ExtendWith(KafkaClusterExtension.class)
class MisroutedConnectionIT {

    @Test
    void aConnectionToAnAddressThatBelongsToAnotherClusterIsRefusedAndTheClientBootstrapsAgain(
            @OwnCluster(release = "4.4.0", faultProxy = true) KafkaCluster a,
            @OwnCluster(release = "4.4.0") KafkaCluster b) throws Exception {
        assertNotEquals(a.clusterId(), b.clusterId());
        String bAddress = b.bootstrapServers(1);
        int bPort = Integer.parseInt(bAddress.substring(bAddress.lastIndexOf(':') + 1));
        // The first Metadata answer through A's proxy puts A's broker 1 at B's address; later ones are true.
        a.proxy(1).rewriteResponses(ApiKey.METADATA.id(), 1, f -> movedTo(f, bPort));
        try (ClusterClient client = ClusterClient.start(ClientOptions.builder().bootstrapServers(a.bootstrapServers())
                .build(), null)) {
            Cluster first = client.awaitReady(Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS);
            assertEquals(a.clusterId(), first.clusterId());
            assertEquals(bPort, first.broker(1).port(), "the metadata names B's address for A's broker 1");

            List<Throwable> refusals = new ArrayList<>();
            String[] answeredBy = {null};
            Await.until("a Metadata request to broker 1 answered", Duration.ofSeconds(30), () -> {
                try {
                    MetadataResponse r = client.<MetadataResponse>send(1, new MetadataRequest().setTopics(List.of()))
                            .get(10, TimeUnit.SECONDS);
                    answeredBy[0] = r.clusterId();
                    return true;
                } catch (ExecutionException e) {
                    refusals.add(Retry.cause(e));
                    return false;
                }
            });
            assertEquals(a.clusterId(), answeredBy[0], "a request for broker 1 of cluster A was answered by cluster "
                    + answeredBy[0] + " (B is " + b.clusterId() + ")");
            assertTrue(refusals.stream().anyMatch(t -> t instanceof RebootstrapRequiredException
                    && t.getMessage().contains(a.clusterId())), "B refused the connection meant for A: " + refusals);
            assertEquals(a.bootstrapServers(1), "127.0.0.1:" + client.cluster().broker(1).port(),
                    "after bootstrapping again the metadata names A's own address");
        }
    }

    /** A Metadata response frame whose brokers all listen on {@code port}. */
    private static FaultProxy.Rewritten movedTo(ByteBuf frame, int port) {
        ByteBuf f = frame.slice();
        int correlationId = f.getInt(4);
        for (short v = MetadataResponse.HIGHEST_SUPPORTED_VERSION; v >= 9; v--) { // flexible: header tags are one 0 byte
            ByteBuf body = f.slice(9, f.readableBytes() - 9);
            MetadataResponse m;
            try {
                m = MetadataResponse.read(body, v);
            } catch (RuntimeException e) {
                continue;
            }
            if (body.isReadable()) {
                continue;
            }
            m.brokers().forEach(broker -> broker.setPort(port));
            ByteBuf out = Unpooled.buffer();
            out.writeInt(0).writeInt(correlationId).writeByte(0);
            m.write(out, v);
            out.setInt(0, out.readableBytes() - 4);
            return new FaultProxy.Rewritten(out, false);
        }
        return new FaultProxy.Rewritten(frame, false);
    }
}
