package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.core.message.ApiKey;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaCluster.Listener;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KIP-951 against real brokers: a Fetch answer that refuses a partition for want of leadership names its new
 * leader, and the consumer fetches there at once, as Apache Kafka's consumer does, rather than wait for
 * metadata.
 */
@ExtendWith(KafkaClusterExtension.class)
@Execution(ExecutionMode.CONCURRENT) // the second lane (a 2-broker cluster of its own, mostly waiting): see this module's pom.xml
class FetchLeaderHintIT {

    /**
     * The leader moves from broker 1 to broker 2 while every Metadata request of the consumer is held in the fault
     * proxies (the admin client and the producer reach the brokers on their SASL listener, around the proxies):
     * the only way the consumer can learn the new leader in time is the old leader's answer (current_leader and
     * node_endpoints). Without following it, the partition waits for a metadata refresh that the request
     * timeout (30 s) ends at the earliest.
     */
    @Test
    void aFetchAnswerNamingTheNewLeaderIsFollowedWithoutMetadata(
            @OwnCluster(brokers = 2, faultProxy = true, securityListeners = true) KafkaCluster kafka) throws Exception {
        String topic = "leader-hint";
        TopicPartition tp = new TopicPartition(topic, 0);
        org.apache.kafka.common.TopicPartition ktp = new org.apache.kafka.common.TopicPartition(topic, 0);
        Map<String, Object> direct = new HashMap<>(Map.of("bootstrap.servers", kafka.bootstrapServers(Listener.SASL_PLAINTEXT),
                "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" "
                        + "password=\"" + KafkaCluster.PLAIN_USERS.get("alice") + "\";"));
        Map<String, Object> producerConfig = new HashMap<>(direct);
        producerConfig.putAll(Map.of("acks", "all", "linger.ms", 0));
        try (Admin admin = Admin.create(direct);
             KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig, new StringSerializer(),
                     new StringSerializer())) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2))))).all().get(60, TimeUnit.SECONDS);
            Await.until("both replicas in sync", Duration.ofSeconds(60), () -> admin.describeTopics(List.of(topic))
                    .allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions().get(0).isr().size() == 2);
            producer.send(new ProducerRecord<>(topic, 0, null, "before")).get(30, TimeUnit.SECONDS);
            try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST)
                    .fetchMaxWait(Duration.ofMillis(200)).requestTimeout(Duration.ofSeconds(30))
                    .property("metadata.max.age.ms", "600000").build()) {
                c.assign(List.of(tp));
                assertEquals(List.of("before"), ConsumerIT.pollUntil(c, 1, Duration.ofSeconds(30)).stream()
                        .map(ConsumerRecord::value).toList());
                int fetchesFrom2 = kafka.proxy(2).requests(ApiKey.FETCH.id());
                int metadataAsked = kafka.proxy(1).requests(ApiKey.METADATA.id()) + kafka.proxy(2).requests(ApiKey.METADATA.id());
                kafka.proxy(1).holdRequests(ApiKey.METADATA.id(), 1_000);
                kafka.proxy(2).holdRequests(ApiKey.METADATA.id(), 1_000);
                try {
                    admin.alterPartitionReassignments(Map.of(ktp, Optional.of(new NewPartitionReassignment(List.of(2, 1)))))
                            .all().get(30, TimeUnit.SECONDS);
                    Await.until("broker 2 leads the partition", Duration.ofSeconds(30), () -> {
                        try {
                            admin.electLeaders(ElectionType.PREFERRED, Set.of(ktp)).all().get(10, TimeUnit.SECONDS);
                        } catch (ExecutionException e) {
                            if (!(e.getCause() instanceof ElectionNotNeededException)) {
                                return false; // the reassignment not applied yet: asked again
                            }
                        }
                        return admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic)
                                .partitions().get(0).leader().id() == 2;
                    });
                    long start = System.nanoTime();
                    producer.send(new ProducerRecord<>(topic, 0, null, "after")).get(30, TimeUnit.SECONDS);
                    List<String> after = ConsumerIT.pollUntil(c, 1, Duration.ofSeconds(10)).stream()
                            .map(ConsumerRecord::value).toList();
                    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertEquals(List.of("after"), after, "the record written to the new leader, " + took
                            + " ms after it was written (Metadata requests held since the move: "
                            + (kafka.proxy(1).heldRequests() + kafka.proxy(2).heldRequests()) + ")");
                    assertTrue(kafka.proxy(2).requests(ApiKey.FETCH.id()) > fetchesFrom2, "fetched from broker 2");
                    assertEquals(metadataAsked, kafka.proxy(1).requests(ApiKey.METADATA.id())
                                    + kafka.proxy(2).requests(ApiKey.METADATA.id()),
                            "the new leader was learnt from the Fetch answer, with no Metadata request");
                } finally {
                    kafka.proxy(1).releaseHeld();
                    kafka.proxy(2).releaseHeld();
                }
            }
        }
    }
}
