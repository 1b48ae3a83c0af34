package dev.skein.samples;

import dev.skein.admin.Admin;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AtLeastOnceConsumerSample}'s {@code main} stopped by SIGTERM (what {@code kill}, Docker and
 * Kubernetes send) wakes its poll loop and closes the consumer: what it processed is committed and it
 * leaves the group at once, rather than holding its partitions until the session times out.
 */
@ExtendWith(KafkaClusterExtension.class)
class AtLeastOnceConsumerSampleShutdownIT {

    @Test
    void sigtermCommitsWhatWasProcessedAndLeavesTheGroup(KafkaCluster kafka) throws Exception {
        String topic = SamplesIT.topic(kafka, 1);
        KeyedProducerSample.run(kafka.bootstrapServers(), topic, 100, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        String group = "billing-" + UUID.randomUUID();
        Path log = Files.createTempFile("at-least-once-sample", ".log");
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), AtLeastOnceConsumerSample.class.getName(),
                kafka.bootstrapServers(), topic, group);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            Await.until("the sample printed all 100 records", Duration.ofSeconds(60), () -> Files.readString(log,
                    StandardCharsets.UTF_8).lines().filter(l -> l.contains(" -> order ")).count() == 100);
            p.destroy(); // SIGTERM, well within the sample's 10 s idle time
            boolean exited = p.waitFor(60, TimeUnit.SECONDS);
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(exited, "still running 60 s after SIGTERM:\n" + output);
            assertEquals(List.of(), admin.groups().describe(List.of(group)).get(group).get(30, TimeUnit.SECONDS).members(),
                    "the consumer left the group on SIGTERM:\n" + output);
            assertEquals(Map.of(new TopicPartition(topic, 0), 100L), Map.copyOf(admin.groups().offsets(group)
                    .get(30, TimeUnit.SECONDS).entrySet().stream().collect(java.util.stream.Collectors.toMap(
                            Map.Entry::getKey, e -> e.getValue().offset()))), "everything processed is committed");
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(log);
        }
    }
}
