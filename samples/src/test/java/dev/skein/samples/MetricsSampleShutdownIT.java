package dev.skein.samples;

import dev.skein.admin.Admin;
import dev.skein.admin.GroupDescription;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MetricsSample}'s {@code main} runs until it is stopped: stopped by SIGTERM (what {@code kill},
 * Docker and Kubernetes send) it still closes its clients, so its consumer leaves the group at once
 * rather than holding its partitions until the session times out, and it reports what it did.
 */
@ExtendWith(KafkaClusterExtension.class)
class MetricsSampleShutdownIT {

    @Test
    void sigtermClosesTheClientsAndReports(KafkaCluster kafka) throws Exception {
        String topic = SamplesIT.topic(kafka, 1);
        Path log = Files.createTempFile("metrics-sample", ".log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), MetricsSample.class.getName(),
                kafka.bootstrapServers(), topic, "0", "100");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            Await.until("the sample's consumer committed what it read", Duration.ofSeconds(60), () -> admin.groups()
                    .offsets("metrics-sample").get(30, TimeUnit.SECONDS).keySet().stream().anyMatch(tp -> tp.topic().equals(topic)));
            p.destroy(); // SIGTERM
            boolean exited = p.waitFor(60, TimeUnit.SECONDS);
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(exited, "still running 60 s after SIGTERM:\n" + output);
            assertTrue(output.contains("wrote ") && output.contains(" orders, read "), "no report:\n" + output);
            GroupDescription group = admin.groups().describe(List.of("metrics-sample")).get("metrics-sample")
                    .get(30, TimeUnit.SECONDS);
            assertEquals(List.of(), group.members(), "the consumer left the group on SIGTERM:\n" + output);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(log);
        }
    }

    @Test
    void aTimedRunEndsByItselfAndReports(KafkaCluster kafka) throws Exception {
        String topic = SamplesIT.topic(kafka, 1);
        Path log = Files.createTempFile("metrics-sample", ".log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), MetricsSample.class.getName(),
                kafka.bootstrapServers(), topic, "0", "100", "3");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            boolean exited = p.waitFor(60, TimeUnit.SECONDS);
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(exited, "a 3 s run still running after 60 s:\n" + output);
            assertEquals(0, p.exitValue(), output);
            assertTrue(output.matches("(?s).*wrote [1-9][0-9]* orders, read .*"), "no report:\n" + output);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(log);
        }
    }
}
