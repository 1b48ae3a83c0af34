package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.producer.PacedProducer;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.DeliveryChecker;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The topology changes under running clients, each judged by the {@link DeliveryChecker}: partitions
 * added (the producer spreads records over them and the group takes them: the classic leader notices
 * the new count and rebalances, under KIP-848 the broker does), a topic deleted and created again
 * (new topic id), and a partition reassigned to other brokers with its leadership moved.
 */
@ExtendWith(KafkaClusterExtension.class)
class TopologyChurnIT {

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void partitionsAddedAreWrittenAndReadWithoutLossOrReordering(String protocol, KafkaCluster kafka) throws Exception {
        String topic = "grown-" + protocol + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(60, TimeUnit.SECONDS);
            DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.AT_LEAST_ONCE);
            Map<Integer, Long> readBy = new ConcurrentHashMap<>();
            AtomicBoolean stopReading = new AtomicBoolean();
            Thread reading = new Thread(() -> {
                try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                        .bootstrapServers(kafka.bootstrapServers()).groupId(topic).groupProtocol(GroupProtocol.forName(protocol))
                        .offsetReset(OffsetReset.EARLIEST).property("metadata.max.age.ms", 500).build()) {
                    c.subscribe(List.of(topic), new RecordingListener(checker, "member"));
                    while (!stopReading.get()) {
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                            checker.received("member", 0, r.topic(), r.partition(), r.offset(), r.value());
                            readBy.merge(r.partition(), 1L, Long::sum);
                        }
                    }
                }
            }, "reader");
            reading.start();
            try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).property("metadata.max.age.ms", 500).build();
                 // Keys spread over every partition the producer knows of.
                 PacedProducer paced = PacedProducer.start(p, checker,
                         i -> ProducerRecord.of(topic, Integer.toString(i), PacedProducer.value(i)))) {
                Await.until("records read from both partitions", Duration.ofSeconds(60),
                        () -> readBy.keySet().containsAll(Set.of(0, 1)));
                admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(4))).all().get(30, TimeUnit.SECONDS);
                Await.until("the producer writing to the new partitions", Duration.ofSeconds(60),
                        () -> paced.acknowledgedPartitions().containsAll(Set.of(2, 3)));
                Await.until("the group reading the new partitions", Duration.ofSeconds(60),
                        () -> readBy.getOrDefault(2, 0L) > 50 && readBy.getOrDefault(3, 0L) > 50);
            }
            Await.until("every acknowledged record read", Duration.ofSeconds(60),
                    () -> checker.counts().get("distinct_read") >= checker.counts().get("acknowledged"));
            stopReading.set(true);
            reading.join(TimeUnit.SECONDS.toMillis(30));
            DeliveryChecker.Report report = checker.check();
            assertTrue(report.ok(), report.toString());
            assertTrue(report.of(DeliveryChecker.Kind.OUT_OF_ORDER).isEmpty(), report.toString());
        }
    }

    /**
     * The topic is deleted and created again (same name, new topic id) under a running producer and
     * group. Every send is answered (written or failed, none hangs); what is sent once the new topic
     * exists is written to it and read once, in order: the consumer follows its reset policy
     * (earliest) onto the new topic rather than waiting at the old one's offsets.
     */
    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void aTopicDeletedAndCreatedAgainIsFollowedByProducerAndGroup(String protocol, KafkaCluster kafka) throws Exception {
        String topic = "reborn-" + protocol + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Uuid oldId = admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1)))
                    .topicId(topic).get(60, TimeUnit.SECONDS);
            // Only what is sent once the new topic exists is promised: deleting the old one removed the rest.
            DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.AT_LEAST_ONCE);
            AtomicBoolean reborn = new AtomicBoolean();
            AtomicBoolean stopReading = new AtomicBoolean();
            AtomicInteger readOld = new AtomicInteger();
            Thread reading = new Thread(() -> {
                try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                        .bootstrapServers(kafka.bootstrapServers()).groupId(topic).groupProtocol(GroupProtocol.forName(protocol))
                        // the test creates the topic again, with its two partitions: the consumer must not first
                        .offsetReset(OffsetReset.EARLIEST).property("metadata.max.age.ms", 500)
                        .allowAutoCreateTopics(false).build()) {
                    c.subscribe(List.of(topic));
                    checker.assigned("member", 0, topic, 0, 1);
                    while (!stopReading.get()) {
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                            if (r.value().startsWith("new-")) {
                                checker.received("member", 0, r.topic(), r.partition(), r.offset(), r.value());
                            } else {
                                readOld.incrementAndGet();
                            }
                        }
                    }
                }
            }, "reader");
            reading.start();
            try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).property("metadata.max.age.ms", 500)
                    .requestTimeout(Duration.ofSeconds(10)).deliveryTimeout(Duration.ofSeconds(30))
                    .maxBlock(Duration.ofSeconds(10)).build();
                 PacedProducer paced = PacedProducer.start(p, checker, i -> ProducerRecord.of(topic, Integer.toString(i),
                         String.format("%s-%07d", reborn.get() ? "new" : "old", i)), value -> value.startsWith("new-"))) {
                Await.until("the old topic read", Duration.ofSeconds(60), () -> readOld.get() > 500);
                admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                Await.until("the topic created again", Duration.ofSeconds(60), () -> {
                    try {
                        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(10, TimeUnit.SECONDS);
                        return true;
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e;
                        }
                    }
                    // The running producer's Metadata request created it first: a producer's requests let the
                    // broker create a missing topic (as Apache Kafka's producer's do), with num.partitions (1).
                    // The broker answering may not have applied the deletion yet: then it still shows the old id.
                    TopicDescription now = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
                    if (now.topicId().equals(oldId)) {
                        return false;
                    }
                    if (now.partitions().size() < 2) {
                        admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(2))).all().get(10, TimeUnit.SECONDS);
                    }
                    return true;
                });
                reborn.set(true);
                Await.until("records written to the new topic", Duration.ofSeconds(60),
                        () -> checker.counts().get("acknowledged") > 1_000);
                Await.until("the group reading the new topic", Duration.ofSeconds(60),
                        () -> checker.counts().get("distinct_read") > 1_000);
            } // every send answered, none hanging
            Await.until("every record acknowledged by the new topic read", Duration.ofSeconds(60),
                    () -> checker.counts().get("distinct_read") >= checker.counts().get("acknowledged"));
            stopReading.set(true);
            reading.join(TimeUnit.SECONDS.toMillis(30));
            DeliveryChecker.Report report = checker.check();
            assertTrue(report.ok(), report.toString());
            assertTrue(report.of(DeliveryChecker.Kind.OUT_OF_ORDER).isEmpty(), report.toString());
        }
    }

    /**
     * A partition reassigned to other brokers (replicas 1,2 to 3,1) and its leadership moved to the
     * new preferred replica while a producer writes it and a group reads it: both follow the new
     * leader, nothing is lost, repeated or reordered.
     */
    @org.junit.jupiter.api.Test
    void aReassignedPartitionIsFollowedToItsNewLeader(@dev.skein.testkit.OwnCluster(brokers = 3) KafkaCluster kafka)
            throws Exception {
        String topic = "moved";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            List<Integer> ids = kafka.brokerIds().stream().sorted().toList();
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(ids.get(0), ids.get(1))))))
                    .all().get(60, TimeUnit.SECONDS);
            DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
            AtomicBoolean stopReading = new AtomicBoolean();
            Thread reading = new Thread(() -> {
                try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                        .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL)
                        .offsetReset(OffsetReset.EARLIEST).build()) {
                    c.assign(List.of(new TopicPartition(topic, 0)));
                    checker.assigned("reader", 0, topic, 0);
                    while (!stopReading.get()) {
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                            checker.received("reader", 0, r.topic(), r.partition(), r.offset(), r.value());
                        }
                    }
                }
            }, "reader");
            reading.start();
            try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).build();
                 PacedProducer paced = PacedProducer.start(p, checker, i -> ProducerRecord.of(topic, PacedProducer.value(i)))) {
                Await.until("records flowing", Duration.ofSeconds(60), () -> checker.counts().get("distinct_read") > 1_000);
                org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
                admin.alterPartitionReassignments(Map.of(tp, java.util.Optional.of(
                        new org.apache.kafka.clients.admin.NewPartitionReassignment(List.of(ids.get(2), ids.get(0))))))
                        .all().get(30, TimeUnit.SECONDS);
                Await.until("the reassignment done", Duration.ofSeconds(60),
                        () -> admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS).isEmpty());
                admin.electLeaders(org.apache.kafka.common.ElectionType.PREFERRED, Set.of(tp)).all().get(30, TimeUnit.SECONDS);
                Await.until("broker " + ids.get(2) + " leading the partition", Duration.ofSeconds(60), () -> {
                    var leader = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS)
                            .get(topic).partitions().get(0).leader();
                    return leader != null && leader.id() == ids.get(2);
                });
                long acked = checker.counts().get("acknowledged");
                long read = checker.counts().get("distinct_read");
                Await.until("records flowing through the new leader", Duration.ofSeconds(60),
                        () -> checker.counts().get("acknowledged") > acked + 1_000
                                && checker.counts().get("distinct_read") > read + 1_000);
            }
            Await.until("every acknowledged record read", Duration.ofSeconds(60),
                    () -> checker.counts().get("distinct_read") >= checker.counts().get("acknowledged"));
            stopReading.set(true);
            reading.join(TimeUnit.SECONDS.toMillis(30));
            DeliveryChecker.Report report = checker.check();
            assertTrue(report.violations().isEmpty(), report.toString());
        }
    }
}
