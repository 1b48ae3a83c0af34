package dev.skein.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    void dataInADirectoryOfItsOwnUnderTheTempDirectoryIsDeletedOnClose(@TempDir Path workDir) throws Exception {
        KafkaCluster cluster = new KafkaCluster(KafkaCluster.builder(), workDir); // no target directory there
        Path data = cluster.baseDir().resolve("broker-0").resolve("data");
        Files.createDirectories(data);
        Files.writeString(data.resolve("00000000000000000000.log"), "records");
        Path root = cluster.baseDir().getParent();
        assertTrue(root.getFileName().toString().startsWith("skein-kafka-"), root.toString());
        cluster.close();
        assertFalse(Files.exists(root), root + " left behind");
    }

    @Test
    void dataUnderTargetOrWhereTheBuilderSaidIsKept(@TempDir Path workDir) throws Exception {
        Files.createDirectory(workDir.resolve("target"));
        KafkaCluster underTarget = new KafkaCluster(KafkaCluster.builder(), workDir);
        KafkaCluster named = new KafkaCluster(KafkaCluster.builder().baseDir(workDir.resolve("mine")), workDir);
        assertTrue(underTarget.baseDir().startsWith(workDir.resolve("target").resolve("kafka-clusters").toAbsolutePath()));
        assertEquals(workDir.resolve("mine").toAbsolutePath(), named.baseDir());
        for (KafkaCluster c : new KafkaCluster[] {underTarget, named}) {
            Files.createDirectories(c.baseDir());
            Files.writeString(c.baseDir().resolve("server.log"), "started");
            c.close();
            assertTrue(Files.exists(c.baseDir().resolve("server.log")), c.baseDir() + " deleted");
        }
    }

    @Test
    void aTemporaryBaseDirIsDeletedOnCloseEvenWhereATargetDirectoryIs(@TempDir Path workDir) throws Exception {
        Files.createDirectory(workDir.resolve("target"));
        KafkaCluster cluster = new KafkaCluster(KafkaCluster.builder().temporaryBaseDir(), workDir);
        Path root = cluster.baseDir().getParent();
        assertTrue(root.getFileName().toString().startsWith("skein-kafka-"), root.toString());
        Files.createDirectories(cluster.baseDir());
        Files.writeString(cluster.baseDir().resolve("server.log"), "started");
        cluster.close();
        assertFalse(Files.exists(root), root + " left behind");
    }
}
