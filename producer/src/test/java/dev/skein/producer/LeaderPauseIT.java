package dev.skein.producer;

import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.DeliveryChecker;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A partition leader frozen (SIGSTOP) while an idempotent producer writes to it, for longer than the
 * controller waits before fencing it, then thawed: the cluster moves leadership away meanwhile and
 * the old leader comes back as a follower with requests still queued in its sockets. No two values
 * may share an offset, nothing may be written twice, nothing acknowledged may be missing, and a
 * late answer from the old leader must not be applied.
 */
@ExtendWith(KafkaClusterExtension.class)
class LeaderPauseIT {

    @Test
    void aFrozenLeaderThawedAfterItWasReplacedLosesAndDuplicatesNothing(@OwnCluster(brokers = 3) KafkaCluster kafka)
            throws Exception {
        String topic = Reference.createTopic(kafka, "frozen", 3, 3);
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        TopicPartition tp0 = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
             Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                     .bootstrapServers(kafka.bootstrapServers()).requestTimeout(Duration.ofSeconds(5)).build();
             PacedProducer paced = PacedProducer.start(p, checker, i -> ProducerRecord.of(topic, PacedProducer.value(i)))) {
            Await.until("records acknowledged", Duration.ofSeconds(60), () -> checker.counts().get("acknowledged") > 1_000);

            int leader = leader(admin, tp0);
            kafka.pause(leader);
            try {
                Await.until("a new leader for " + tp0 + " while broker " + leader + " is frozen", Duration.ofSeconds(60), () -> {
                    int now = leader(admin, tp0);
                    return now >= 0 && now != leader;
                });
                long acked = checker.counts().get("acknowledged");
                Await.until("records acknowledged by the new leaders", Duration.ofSeconds(60),
                        () -> checker.counts().get("acknowledged") > acked + 1_000);
            } finally {
                kafka.resume(leader);
            }
            long acked = checker.counts().get("acknowledged");
            Await.until("records acknowledged after the thaw", Duration.ofSeconds(60),
                    () -> checker.counts().get("acknowledged") > acked + 2_000);
        } // every send answered
        read(kafka, topic, 3, checker);
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.ok(), report.toString());
        assertTrue(report.violations().isEmpty(), report.toString());
    }

    private static int leader(Admin admin, TopicPartition tp) throws Exception {
        var leader = admin.describeTopics(List.of(tp.topic())).allTopicNames().get(10, TimeUnit.SECONDS).get(tp.topic())
                .partitions().get(tp.partition()).leader();
        return leader == null ? -1 : leader.id();
    }

    /** Reads every partition to its end into {@code checker}. */
    private static void read(KafkaCluster kafka, String topic, int partitions, DeliveryChecker checker) {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        List<TopicPartition> parts = java.util.stream.IntStream.range(0, partitions)
                .mapToObj(i -> new TopicPartition(topic, i)).toList();
        parts.forEach(tp -> checker.assigned("reader", 0, topic, tp.partition()));
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    checker.received("reader", 0, topic, r.partition(), r.offset(), new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            assertTrue(parts.stream().allMatch(tp -> c.position(tp) >= end.get(tp)), "read to the end within 60 s");
        }
    }

}
