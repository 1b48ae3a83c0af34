package dev.skein.core.internal.net;

import dev.skein.core.message.ApiVersionsRequest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The ApiVersions request of the handshake: KIP-1242's cluster and node id, both or neither. */
class ApiVersionsHandshakeTest {
    @Test
    void v5NamesTheClusterAndBrokerTheClientMeansWhenItKnowsBoth() {
        ApiVersionsRequest r = BrokerConnection.apiVersionsRequest((short) 5, "cluster-a", 2);
        assertEquals("cluster-a", r.clusterId());
        assertEquals(2, r.nodeId());
    }

    @Test
    void neitherIsSentToABootstrapAddressBeforeMetadataOrBelowV5() {
        ApiVersionsRequest bootstrap = BrokerConnection.apiVersionsRequest((short) 5, "cluster-a", -1);
        assertNull(bootstrap.clusterId(), "a bootstrap address's node is not known");
        assertEquals(-1, bootstrap.nodeId());
        ApiVersionsRequest noMetadata = BrokerConnection.apiVersionsRequest((short) 5, null, 2);
        assertNull(noMetadata.clusterId());
        assertEquals(-1, noMetadata.nodeId(), "both or neither (KIP-1242)");
        ApiVersionsRequest v4 = BrokerConnection.apiVersionsRequest((short) 4, "cluster-a", 2);
        assertNull(v4.clusterId(), "a broker below 4.4 is not sent them");
    }
}
