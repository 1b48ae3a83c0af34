package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The consumer's meters against a real broker (shared cluster). */
@ExtendWith(KafkaClusterExtension.class)
class ConsumerMetricsIT {

    private static double consumed(SimpleMeterRegistry registry) {
        return registry.get("skein.consumer.records.consumed").counter().count();
    }

    /**
     * At-most-once commits the positions before poll() hands records out; when that commit fails the
     * positions rewind and the records are read again by a later poll. records.consumed counts records
     * handed to the application, so a record read twice but handed out once counts once. The commit is
     * made to fail for real: the group has a member (Apache Kafka's consumer), so the broker refuses the
     * commit of a consumer outside it (assign() with the same group id).
     */
    @Test
    void recordsConsumedCountsRecordsHandedOutOnceThoughAnAtMostOnceRewindReadsThemAgain(KafkaCluster kafka)
            throws Exception {
        String topic = ConsumerIT.topic(kafka, "meters-amo", 1);
        String other = ConsumerIT.topic(kafka, "meters-amo-member", 1);
        String group = "meters-amo-" + System.nanoTime();
        ConsumerIT.produce(kafka, topic, 10, "none");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Consumer<String, String> c = ConsumerIT.builder(kafka).groupId(group).delivery(Delivery.AT_MOST_ONCE)
                .meterRegistry(registry).build()) {
            c.assign(List.of(new TopicPartition(topic, 0)));
            try (KafkaConsumer<String, String> member = new KafkaConsumer<>(Map.of("bootstrap.servers",
                    kafka.bootstrapServers(), "group.id", group), new StringDeserializer(), new StringDeserializer())) {
                member.subscribe(List.of(other));
                Await.until("the reference consumer is a member of " + group, Duration.ofSeconds(30), () -> {
                    member.poll(Duration.ofMillis(100));
                    return !member.assignment().isEmpty();
                });
                for (int i = 0; i < 2; i++) {
                    assertThrows(RuntimeException.class, () -> {
                        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                        while (System.nanoTime() < deadline) {
                            assertEquals(0, c.poll(Duration.ofMillis(200)).count(), "nothing handed out uncommitted");
                        }
                    }, "the at-most-once commit is refused while the group has a member");
                }
                assertEquals(0.0, consumed(registry), "read twice, handed out never");
            }
            int got = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (got < 10 && System.nanoTime() < deadline) {
                got += c.poll(Duration.ofMillis(200)).count();
            }
            assertEquals(10, got, "the group empty, the commit goes and the records are handed out");
            assertEquals(10.0, consumed(registry), "each record handed out counted once");
        }
    }
}
