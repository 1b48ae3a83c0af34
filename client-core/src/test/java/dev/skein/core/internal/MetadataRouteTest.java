package dev.skein.core.internal;

import dev.skein.core.internal.ClusterClient.Route;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Where a metadata refresh goes under {@code metadata.recovery.strategy} (KIP-899, KIP-1102). */
class MetadataRouteTest {
    private static final long TRIGGER = 300_000;

    @Test
    void beforeTheFirstMetadataTheBootstrapServersAreAskedWhateverTheStrategy() {
        assertEquals(Route.BOOTSTRAP, ClusterClient.route(false, false, true, false, 0, TRIGGER));
        assertEquals(Route.BOOTSTRAP, ClusterClient.route(false, false, false, false, 0, TRIGGER));
    }

    @Test
    void rebootstrapGoesBackToTheBootstrapServersWhenNoKnownBrokerCanBeReached() {
        assertEquals(Route.KNOWN_BROKER, ClusterClient.route(true, true, true, false, 0, TRIGGER));
        assertEquals(Route.BOOTSTRAP, ClusterClient.route(false, true, true, false, 0, TRIGGER));
    }

    @Test
    void rebootstrapGoesBackToTheBootstrapServersWhenMetadataWentUnansweredForTheTrigger() {
        assertEquals(Route.KNOWN_BROKER, ClusterClient.route(true, true, true, false, TRIGGER - 1, TRIGGER));
        assertEquals(Route.BOOTSTRAP, ClusterClient.route(true, true, true, false, TRIGGER, TRIGGER));
    }

    /** KIP-1102: a broker that answers REBOOTSTRAP_REQUIRED sends the next refresh to the bootstrap servers. */
    @Test
    void rebootstrapRequiredByABrokerGoesBackToTheBootstrapServersAtOnce() {
        assertEquals(Route.BOOTSTRAP, ClusterClient.route(true, true, true, true, 0, TRIGGER));
        assertEquals(Route.KNOWN_BROKER, ClusterClient.route(true, true, false, true, 0, TRIGGER),
                "with metadata.recovery.strategy=none, the known brokers still");
    }

    @Test
    void noneKeepsToTheKnownBrokersOnceMetadataArrived() {
        assertEquals(Route.KNOWN_BROKER, ClusterClient.route(true, true, false, false, TRIGGER * 10, TRIGGER));
        assertEquals(Route.WAIT_FOR_KNOWN_BROKER, ClusterClient.route(false, true, false, false, TRIGGER * 10, TRIGGER));
    }
}
