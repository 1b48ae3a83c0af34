package dev.skein.consumer;

import dev.skein.core.errors.ConfigException;
import dev.skein.serdes.Serdes;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options that cannot work together fail at build(), naming the key. No broker is contacted. */
class ConsumerBuilderTest {

    private static ConsumerBuilder<String, String> builder() {
        return Consumer.builder(Serdes.string(), Serdes.string()).bootstrapServers("127.0.0.1:1").groupId("g");
    }

    @Test
    void classicOnlyOptionsAreRefusedUnderTheConsumerProtocol() {
        for (ConsumerBuilder<String, String> b : List.of(
                builder().groupProtocol(GroupProtocol.CONSUMER).sessionTimeout(Duration.ofSeconds(10)),
                builder().groupProtocol(GroupProtocol.CONSUMER).heartbeatInterval(Duration.ofSeconds(1)),
                builder().groupProtocol(GroupProtocol.CONSUMER).assignors(ClassicAssignor.RANGE))) {
            ConfigException e = assertThrows(ConfigException.class, b::build);
            assertTrue(e.getMessage().contains("classic group protocol only"), e.getMessage());
        }
        ConfigException e = assertThrows(ConfigException.class,
                () -> builder().property("session.timeout.ms", 10_000).groupProtocol(GroupProtocol.CONSUMER).build());
        assertEquals("session.timeout.ms", e.key());
    }

    @Test
    void theRemoteAssignorIsRefusedUnderClassicAndTheProtocolMustBeKnown() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> builder().groupProtocol(GroupProtocol.CLASSIC).remoteAssignor("uniform").build());
        assertEquals("group.remote.assignor", e.key());
        e = assertThrows(ConfigException.class, () -> builder().property("group.protocol", "eager"));
        assertEquals("group.protocol", e.key());
    }

    @Test
    void underAutoBothKindsOfOptionsAreAccepted() {
        // auto settles at the first subscribe(); options of the protocol not chosen are noted in the log.
        builder().sessionTimeout(Duration.ofSeconds(10)).remoteAssignor("uniform").build().close();
        builder().groupProtocol(GroupProtocol.CONSUMER).remoteAssignor("range").build().close();
    }

    @Test
    void autoOffsetResetTakesTheThreeNamesAndByDurationWithAnIsoDuration() {
        for (String ok : List.of("earliest", "LATEST", "none", "by_duration:P7D", "by_duration:PT1H30M", "BY_DURATION:p1dt6h")) {
            builder().property("auto.offset.reset", ok).build().close();
        }
        for (String bad : List.of("smallest", "by_duration:", "by_duration:7d", "by_duration:-PT1H", "by_duration")) {
            ConfigException e = assertThrows(ConfigException.class, () -> builder().property("auto.offset.reset", bad), bad);
            assertEquals("auto.offset.reset", e.key());
        }
        assertThrows(IllegalArgumentException.class, () -> builder().offsetReset(OffsetReset.BY_DURATION),
                "BY_DURATION comes with its duration");
    }
}
