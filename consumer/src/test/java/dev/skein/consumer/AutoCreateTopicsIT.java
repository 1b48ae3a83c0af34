package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@code allow.auto.create.topics} (KIP-361): on the shared cluster, whose broker creates topics on
 * request ({@code auto.create.topics.enable}, Kafka's default), a consumer that subscribes to or is
 * assigned a topic that does not exist makes it exist, as Apache Kafka's consumer does by default; with
 * the option off it does not.
 */
@ExtendWith(KafkaClusterExtension.class)
class AutoCreateTopicsIT {

    @ParameterizedTest(name = "allow.auto.create.topics={0}, {1}")
    @CsvSource({"true, subscribe", "false, subscribe", "true, assign", "false, assign"})
    void aTopicTheConsumerNamesIsCreatedOnlyWhenAllowed(boolean allow, String how, KafkaCluster kafka) throws Exception {
        String topic = "auto-" + how + "-" + allow + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
             Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                     .bootstrapServers(kafka.bootstrapServers()).groupId(topic).delivery(Delivery.MANUAL)
                     .offsetReset(OffsetReset.EARLIEST).property("allow.auto.create.topics", Boolean.toString(allow))
                     .build()) {
            if (how.equals("subscribe")) {
                c.subscribe(List.of(topic));
            } else {
                c.assign(List.of(new TopicPartition(topic, 0)));
            }
            Await.Condition exists = () -> {
                c.poll(Duration.ofMillis(100));
                return admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic);
            };
            if (allow) {
                Await.until("the topic created by the consumer's metadata request", Duration.ofSeconds(30), exists);
            } else {
                assertFalse(Await.holds(exists, Duration.ofSeconds(5)), "the topic must not be created");
            }
        }
    }
}
