package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.admin.FeatureMetadata;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.skein.cli.CliCommandsIT.lines;
import static dev.skein.cli.CliIT.skein;
import static dev.skein.cli.CliIT.topic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code skein cluster}: describe, features and their upgrade and downgrade, log dirs, the metadata quorum. */
@ExtendWith(KafkaClusterExtension.class)
class CliClusterIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    static CliIT.Run ok(CliIT.Run run) {
        assertEquals(0, run.exit(), run.err());
        return run;
    }

    /** The finalized level a {@code cluster features} run prints for the feature ("-" when not finalized). */
    static String finalized(KafkaCluster kafka, String feature) {
        return ok(skein(kafka, "", "cluster", "features")).lines().stream().filter(l -> l.startsWith(feature + " "))
                .map(l -> l.split("\\s+")[1]).findFirst().orElseThrow(() -> new AssertionError(feature + " not listed"));
    }

    @Test
    void describePrintsTheClusterIdControllerAndEveryBroker(KafkaCluster kafka) {
        CliIT.Run d = ok(skein(kafka, "", "cluster", "describe"));
        assertTrue(d.lines().get(0).startsWith("cluster " + kafka.clusterId() + "  controller "), d.out());
        assertEquals(List.of("broker", "host", "port", "rack"), List.of(d.lines().get(1).split("\\s+")));
        Set<Integer> brokers = d.lines().subList(2, d.lines().size()).stream().map(l -> Integer.parseInt(l.split("\\s+")[0]))
                .collect(Collectors.toSet());
        assertEquals(kafka.brokerIds(), brokers, d.out());
    }

    @Test
    void featuresListTheFinalizedAndSupportedLevels(KafkaCluster kafka) throws Exception {
        CliIT.Run f = ok(skein(kafka, "", "cluster", "features"));
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            FeatureMetadata m = admin.cluster().features().get(30, TimeUnit.SECONDS);
            FeatureMetadata.Range mv = m.finalized().get("metadata.version");
            FeatureMetadata.Range supported = m.supported().get("metadata.version");
            assertTrue(f.lines().stream().anyMatch(l -> l.matches("metadata\\.version\\s+" + mv.max() + "\\s+"
                    + supported.min() + "-" + supported.max())), f.out());
        }
    }

    @Test
    void shareVersionIsUpgradedDryRunFirstAndDowngradedAgain(@OwnCluster(features = "share.version=0") KafkaCluster kafka)
            throws Exception {
        assertEquals("-", finalized(kafka, "share.version"), "formatted at level 0: not finalized");

        CliIT.Run dry = ok(skein(kafka, "", "cluster", "features", "upgrade", "share.version=1", "--dry-run"));
        assertTrue(dry.err().contains("dry run: share.version can be upgraded to 1; nothing changed"), dry.err());
        assertEquals("-", finalized(kafka, "share.version"), "a dry run changes nothing");

        CliIT.Run tooHigh = skein(kafka, "", "cluster", "features", "upgrade", "share.version=99");
        assertEquals(1, tooHigh.exit(), tooHigh.err());
        assertTrue(tooHigh.err().startsWith("skein: no feature upgraded: ") && tooHigh.err().contains("share.version")
                && tooHigh.err().contains("99"), "the controller's reason, naming the feature: " + tooHigh.err());
        assertEquals(1, tooHigh.err().lines().count(), tooHigh.err());

        CliIT.Run up = ok(skein(kafka, "", "cluster", "features", "upgrade", "share.version=1"));
        assertEquals("share.version upgraded to 1\n", up.err(), "printed once the brokers report it");
        assertEquals("1", finalized(kafka, "share.version"));
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            assertEquals(1, admin.cluster().features().get(30, TimeUnit.SECONDS).finalized().get("share.version").max());

            // --unsafe reaches the controller as an unsafe downgrade, which metadata.version refuses as one.
            short mv = admin.cluster().features().get(30, TimeUnit.SECONDS).finalized().get("metadata.version").max();
            CliIT.Run unsafe = skein(kafka, "", "cluster", "features", "downgrade", "metadata.version=" + (mv - 1),
                    "--unsafe", "--dry-run");
            assertEquals(1, unsafe.exit(), unsafe.err());
            assertTrue(unsafe.err().contains("Unsafe metadata"), unsafe.err());

            CliIT.Run down = ok(skein(kafka, "", "cluster", "features", "downgrade", "share.version=0"));
            assertEquals("share.version downgraded to 0\n", down.err());
            assertNull(admin.cluster().features().get(30, TimeUnit.SECONDS).finalized().get("share.version"));
            assertEquals("-", finalized(kafka, "share.version"));
        }
    }

    @Test
    void logDirsShowTheReplicasOfEachBrokerWithTheirSize(KafkaCluster kafka) {
        String t = topic(kafka, 1);
        assertEquals(0, skein(kafka, lines(0, 50), "produce", "--topic", t).exit());
        int broker = kafka.brokerIds().iterator().next();
        CliIT.Run dirs = Await.value(t + " in a log dir with a size", WAIT, () -> {
            CliIT.Run r = ok(skein(kafka, "", "cluster", "log-dirs"));
            return size(r, t).filter(s -> s > 0).isPresent() ? r : null;
        });
        assertTrue(dirs.lines().get(0).matches("broker \\d+  dir /\\S+  total \\d+  usable \\d+"), dirs.out());
        CliIT.Run one = ok(skein(kafka, "", "cluster", "log-dirs", "--broker", Integer.toString(broker)));
        assertTrue(one.lines().stream().filter(l -> l.startsWith("broker ")).allMatch(l -> l.startsWith("broker " + broker + " ")),
                one.out());

        CliIT.Run unknown = skein(kafka, "", "cluster", "log-dirs", "--broker", "4242");
        assertEquals(1, unknown.exit(), unknown.err());
        assertTrue(unknown.err().startsWith("skein: --broker 4242: no such broker"), unknown.err());
    }

    private static Optional<Long> size(CliIT.Run dirs, String topic) {
        return dirs.lines().stream().map(String::trim).filter(l -> l.startsWith(topic + " "))
                .map(l -> Long.parseLong(l.split("\\s+")[2])).findFirst();
    }

    @Test
    void quorumNamesItsLeaderAmongTheVoters(KafkaCluster kafka) {
        CliIT.Run q = ok(skein(kafka, "", "cluster", "quorum"));
        String head = q.lines().get(0);
        assertTrue(head.matches("leader \\d+  epoch \\d+  high-watermark \\d+  voters \\d+  observers \\d+"), q.out());
        String leader = head.split("\\s+")[1];
        List<String> rows = q.lines().subList(2, q.lines().size());
        assertTrue(rows.stream().anyMatch(l -> l.matches(leader + "\\s+leader\\s+\\d+\\s+0\\s.*")),
                "the leader is a voter, with no lag: " + q.out());
        Set<Integer> nodes = rows.stream().map(l -> Integer.parseInt(l.split("\\s+")[0])).collect(Collectors.toSet());
        assertTrue(nodes.containsAll(kafka.brokerIds()), "every broker follows the metadata log: " + q.out());
    }
}
