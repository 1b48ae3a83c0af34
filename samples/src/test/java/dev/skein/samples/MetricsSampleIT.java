package dev.skein.samples;

import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MetricsSample} says why its reader stopped: a consumer whose {@code poll} throws ends the
 * reader, and the report, printed at exit, names the error rather than showing only a count that
 * stopped growing.
 */
@ExtendWith(KafkaClusterExtension.class)
class MetricsSampleIT {
    @Test
    void aReaderStoppedByAnErrorIsReportedWithIt(KafkaCluster kafka) throws Exception {
        String topic = "orders with spaces"; // a name no broker accepts: the consumer refuses it
        try (MetricsSample sample = MetricsSample.start(kafka.bootstrapServers(), topic, "metrics-" + UUID.randomUUID(), 0, 10)) {
            Await.until("the report names why the reader stopped", Duration.ofSeconds(30),
                    () -> sample.report().contains("reader stopped"));
            assertTrue(sample.report().contains(topic), sample.report());
        }
    }
}
