package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** KIP-392 against real brokers: with {@code client.rack}, fetches go to the replica in the consumer's rack. */
@ExtendWith(KafkaClusterExtension.class)
class FollowerFetchIT {
    private static final int FETCH = 1;

    @Test
    void fetchesGoToTheSameRackReplicaBackToTheLeaderWhenItDiesAndEveryRecordArrivesOnce(
            @OwnCluster(brokers = 3, faultProxy = true, config = {"broker.rack=rack-{id}",
                    "replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector",
                    "broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500"}) KafkaCluster kafka)
            throws Exception {
        String topic = "racks";
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2, 3))))).all().get(60, TimeUnit.SECONDS);
        }
        produce(kafka, topic, 0, 1_500);
        List<String> values = new ArrayList<>();
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).maxPollRecords(100)
                .property("client.rack", "rack-2").requestTimeout(Duration.ofSeconds(5)).build()) {
            c.assign(List.of(tp));
            ConsumerIT.pollUntil(c, 1_500, Duration.ofSeconds(60)).forEach(r -> values.add(r.value()));
            assertEquals(1_500, values.size());
            int fromLeader = kafka.proxy(1).requests(FETCH);
            int fromReplica = kafka.proxy(2).requests(FETCH);
            assertTrue(fromReplica > 0 && fromLeader <= 3, "fetched from the rack-2 replica (" + fromReplica
                    + " fetches), the leader only asked first (" + fromLeader + ")");
            assertEquals(0, kafka.proxy(3).requests(FETCH), "never from the other rack's replica");

            kafka.kill(2);
            produce(kafka, topic, 1_500, 3_000);
            ConsumerIT.pollUntil(c, 1_500, Duration.ofSeconds(60)).forEach(r -> values.add(r.value()));
            c.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
            assertTrue(kafka.proxy(1).requests(FETCH) > fromLeader, "back to the leader once the replica died");
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            expected.add(Integer.toString(i));
        }
        assertEquals(expected, values, "every record once, in order");

        // The replica comes back. A consumer that read metadata while it was gone does not know it when the
        // leader names it again (and answers with no records): as Apache Kafka's consumer, it reads metadata
        // again then, rather than ask the leader in vain until metadata.max.age.ms.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Await.until("broker 2 gone from the metadata", Duration.ofSeconds(60), () -> admin.describeCluster().nodes()
                    .get(10, TimeUnit.SECONDS).stream().noneMatch(n -> n.id() == 2));
            try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).maxPollRecords(100)
                    .property("client.rack", "rack-2").property("metadata.max.age.ms", "600000")
                    .requestTimeout(Duration.ofSeconds(5)).build()) {
                c.assign(List.of(tp));
                c.seek(tp, 2_900);
                List<String> later = new ArrayList<>();
                ConsumerIT.pollUntil(c, 100, Duration.ofSeconds(60)).forEach(r -> later.add(r.value()));
                kafka.restart(2);
                Await.until("broker 2 back in the ISR", Duration.ofSeconds(120), () -> admin.describeTopics(List.of(topic))
                        .allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions().get(0).isr().stream()
                        .anyMatch(n -> n.id() == 2));
                int replicaBefore = kafka.proxy(2).requests(FETCH);
                produce(kafka, topic, 3_000, 4_500);
                ConsumerIT.pollUntil(c, 1_500, Duration.ofSeconds(30)).forEach(r -> later.add(r.value()));
                List<String> expectedLater = new ArrayList<>();
                for (int i = 2_900; i < 4_500; i++) {
                    expectedLater.add(Integer.toString(i));
                }
                assertEquals(1_600, later.size(), "records read once the replica came back");
                assertEquals(expectedLater, later, "every record once, in order, after the replica came back");
                assertTrue(kafka.proxy(2).requests(FETCH) > replicaBefore, "fetched from the rack-2 replica again");
            }
        }
    }

    private static void produce(KafkaCluster kafka, String topic, int from, int to) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "acks", "all", "linger.ms", 5), new StringSerializer(), new StringSerializer())) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int i = from; i < to; i++) {
                sent.add(p.send(new ProducerRecord<>(topic, 0, null, Integer.toString(i))));
            }
            for (java.util.concurrent.Future<?> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }
}
