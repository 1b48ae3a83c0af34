package dev.skein.core.internal.net;

import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiVersionsResponse;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerVersionsTest {

    private static BrokerVersions versions(ApiVersionsResponse.ApiVersion... apis) {
        return new BrokerVersions(new ApiVersionsResponse().setApiKeys(List.of(apis)), "broker 7 (h:9092)");
    }

    private static ApiVersionsResponse.ApiVersion api(ApiKey k, int min, int max) {
        return new ApiVersionsResponse.ApiVersion().setApiKey(k.id()).setMinVersion((short) min).setMaxVersion((short) max);
    }

    @Test
    void usesTheHighestVersionBothSidesSpeak() {
        BrokerVersions v = versions(api(ApiKey.FETCH, 4, 12), api(ApiKey.PRODUCE, 3, 99));
        assertEquals(12, v.version(ApiKey.FETCH), "the broker's maximum when it is lower");
        assertEquals(ApiKey.PRODUCE.highestStableVersion(), v.version(ApiKey.PRODUCE), "ours when the broker's is higher");
    }

    @Test
    void anApiTheBrokerLacksIsNamedInTheError() {
        BrokerVersions v = versions(api(ApiKey.FETCH, 4, 12));
        assertFalse(v.supports(ApiKey.CONSUMER_GROUP_HEARTBEAT));
        UnsupportedVersionException e = assertThrows(UnsupportedVersionException.class,
                () -> v.version(ApiKey.CONSUMER_GROUP_HEARTBEAT));
        assertTrue(e.getMessage().contains("ConsumerGroupHeartbeat") && e.getMessage().contains("broker 7")
                && e.getMessage().contains("does not offer it")
                && e.getMessage().contains("needs Apache Kafka 4.0 or newer"), e.getMessage());
    }

    @Test
    void disjointRangesAreUnsupportedWithBothRangesInTheMessage() {
        BrokerVersions v = versions(api(ApiKey.PRODUCE, 0, 2)); // a broker older than 0.11; Produce v3 is our lowest
        UnsupportedVersionException e = assertThrows(UnsupportedVersionException.class, () -> v.version(ApiKey.PRODUCE));
        assertTrue(e.getMessage().contains("offers versions 0-2") && e.getMessage().contains("client speaks 3-"), e.getMessage());
    }
}
