package dev.skein.core.internal;

import dev.skein.core.internal.ClusterClient.Route;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Where a metadata refresh goes under {@code metadata.recovery.strategy} (KIP-899, KIP-1102). */
class MetadataRouteTest {
    private static final long TRIGGER = 300_000;

    @Test
    void beforeTheFirstMetadataTheBootstrapServersAreAskedWhateverTheStrategy() {
        assertEquals(Route.BOOTSTRAP, ClusterClient.route(false, false, true, 0, TRIGGER));
        assertEquals(Route.BOOTSTRAP, ClusterClient.route(false, false, false, 0, TRIGGER));
    }

    @Test
    void rebootstrapGoesBackToTheBootstrapServersWhenNoKnownBrokerCanBeReached() {
        assertEquals(Route.KNOWN_BROKER, ClusterClient.route(true, true, true, 0, TRIGGER));
        assertEquals(Route.BOOTSTRAP, ClusterClient.route(false, true, true, 0, TRIGGER));
    }

    @Test
    void rebootstrapGoesBackToTheBootstrapServersWhenMetadataWentUnansweredForTheTrigger() {
        assertEquals(Route.KNOWN_BROKER, ClusterClient.route(true, true, true, TRIGGER - 1, TRIGGER));
        assertEquals(Route.BOOTSTRAP, ClusterClient.route(true, true, true, TRIGGER, TRIGGER));
    }

    @Test
    void noneKeepsToTheKnownBrokersOnceMetadataArrived() {
        assertEquals(Route.KNOWN_BROKER, ClusterClient.route(true, true, false, TRIGGER * 10, TRIGGER));
        assertEquals(Route.WAIT_FOR_KNOWN_BROKER, ClusterClient.route(false, true, false, TRIGGER * 10, TRIGGER));
    }
}
