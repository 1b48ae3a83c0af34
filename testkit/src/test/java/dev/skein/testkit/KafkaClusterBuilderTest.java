package dev.skein.testkit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KafkaClusterBuilderTest {

    @Test
    void refusesAMetadataModeTheReleaseCannotRun() {
        IllegalArgumentException kraft = assertThrows(IllegalArgumentException.class,
                () -> KafkaCluster.builder().release("3.2.3").build());
        assertTrue(kraft.getMessage().contains("KRaft mode needs Kafka 3.3"), kraft.getMessage());
        IllegalArgumentException zk = assertThrows(IllegalArgumentException.class,
                () -> KafkaCluster.builder().release("4.0.2").metadataMode(MetadataMode.ZOOKEEPER).build());
        assertTrue(zk.getMessage().contains("no ZooKeeper mode"), zk.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KafkaCluster.builder().release("3.9.1")
                .metadataMode(MetadataMode.ZOOKEEPER).feature("transaction.version", 1).build());
        assertThrows(IllegalArgumentException.class, () -> KafkaCluster.builder().release("three"));
    }

    @Test
    void aReleaseWithoutItsArtifactIsNamedInTheError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> KafkaCluster.builder().release("3.5.9").build().start());
        assertTrue(e.getMessage().contains("dev.skein:skein-testkit-kafka-3.5.9"), e.getMessage());
    }
}
