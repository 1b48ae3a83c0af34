package dev.skein.admin;

import dev.skein.core.errors.ApiException;
import dev.skein.core.errors.UnknownTopicException;
import dev.skein.core.ErrorCode;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.skein.admin.AdminIT.failure;
import static dev.skein.admin.AdminIT.get;
import static dev.skein.admin.AdminIT.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * AlterReplicaLogDirs and the replica view of DescribeLogDirs (KIP-113) against a broker with two log
 * directories (JBOD), read against Apache Kafka's Admin.
 */
class ReplicaLogDirsIT {
    @TempDir
    static Path dirs;
    private static KafkaCluster kafka;
    private static String first;
    private static String second;

    @BeforeAll
    static void start() {
        first = dirs.resolve("logs-a").toAbsolutePath().toString();
        second = dirs.resolve("logs-b").toAbsolutePath().toString();
        kafka = KafkaCluster.builder().brokerConfig("log.dirs", first + "," + second).build().start();
    }

    @AfterAll
    static void stop() {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void aReplicaMovedToTheOtherLogDirIsDescribedThereAndKeepsItsRecords() throws Exception {
        String topic = name("move");
        int broker = kafka.brokerIds().iterator().next();
        TopicPartitionReplica replica = new TopicPartitionReplica(topic, 0, broker);
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build();
             org.apache.kafka.clients.admin.Admin reference = org.apache.kafka.clients.admin.Admin.create(
                     Map.of("bootstrap.servers", kafka.bootstrapServers()));
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                     kafka.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            get(admin.topics().create(List.of(NewTopic.of(topic, 1, 1))).all());
            AdminIT.referenceView(reference, topic);
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, "value-" + i));
            }
            producer.flush();

            ReplicaLogDir before = get(admin.cluster().describeReplicaLogDirs(List.of(replica)).get(replica));
            assertTrue(before.current().isPresent() && before.future().isEmpty(), before.toString());
            String from = before.current().get().path();
            assertTrue(Set.of(first, second).contains(from), from);
            assertTrue(before.current().get().sizeBytes() > 0, before.toString());
            String to = from.equals(first) ? second : first;

            Results<TopicPartitionReplica, Void> moved = admin.cluster().alterReplicaLogDirs(Map.of(replica, to));
            assertEquals(Set.of(replica), moved.byItem().keySet());
            get(moved.get(replica));

            ReplicaLogDir after = Await.value("the replica served from " + to, Duration.ofSeconds(30), () -> {
                ReplicaLogDir d = get(admin.cluster().describeReplicaLogDirs(List.of(replica)).get(replica));
                return d.future().isEmpty() && d.current().map(c -> c.path().equals(to)).orElse(false) ? d : null;
            });
            assertEquals(before.current().get().sizeBytes(), after.current().get().sizeBytes(),
                    "the same segments, in the other directory: " + after);
            var ref = reference.describeReplicaLogDirs(List.of(new org.apache.kafka.common.TopicPartitionReplica(
                    topic, 0, broker))).all().get(30, TimeUnit.SECONDS).values().iterator().next();
            assertEquals(ref.getCurrentReplicaLogDir(), after.current().get().path(), "where the reference sees it");
            assertEquals(ref.getCurrentReplicaOffsetLag(), after.current().get().offsetLag());

            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers",
                    kafka.bootstrapServers(), "auto.offset.reset", "earliest"), new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(topic, 0)));
                List<String> values = new ArrayList<>();
                Await.until("50 records read back", Duration.ofSeconds(30), () -> {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                        values.add(r.value());
                    }
                    return values.size() >= 50;
                });
                assertEquals("value-0", values.get(0));
                assertEquals("value-49", values.get(49));
                assertEquals(50, values.size());
            }
        }
    }

    @Test
    void aDirectoryTheBrokerDoesNotHaveFailsThatReplicaOnly() throws Exception {
        String topic = name("nodir");
        int broker = kafka.brokerIds().iterator().next();
        TopicPartitionReplica p0 = new TopicPartitionReplica(topic, 0, broker);
        TopicPartitionReplica p1 = new TopicPartitionReplica(topic, 1, broker);
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            get(admin.topics().create(List.of(NewTopic.of(topic, 2, 1))).all());
            ReplicaLogDir d1 = Await.value(p1 + " described", Duration.ofSeconds(30), () -> {
                ReplicaLogDir d = get(admin.cluster().describeReplicaLogDirs(List.of(p1)).get(p1));
                return d.current().isPresent() ? d : null;
            });
            Results<TopicPartitionReplica, Void> r = admin.cluster().alterReplicaLogDirs(Map.of(
                    p0, dirs.resolve("not-a-log-dir").toAbsolutePath().toString(), p1, d1.current().get().path()));
            Throwable e = failure(r.get(p0));
            assertInstanceOf(ApiException.class, e, e.toString());
            assertEquals(ErrorCode.LOG_DIR_NOT_FOUND, ((ApiException) e).errorCode(), e.toString());
            assertTrue(e.getMessage().contains(topic + "-0"), "names the replica: " + e.getMessage());
            get(r.get(p1)); // already there: nothing to do, and no failure
        }
    }

    @Test
    void movingAReplicaTheBrokerDoesNotHoldFailsAtOnceAsUnknown() throws Exception {
        int broker = kafka.brokerIds().iterator().next();
        TopicPartitionReplica missing = new TopicPartitionReplica(name("absent"), 0, broker);
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            long start = System.nanoTime();
            Throwable e = failure(admin.cluster().alterReplicaLogDirs(Map.of(missing, second)).get(missing));
            assertInstanceOf(UnknownTopicException.class, e, e.toString());
            assertTrue(e.getMessage().contains(missing.topic() + "-0"), e.toString());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "not retried until the api timeout");
        }
    }

    @Test
    void aReplicaTheBrokerDoesNotHoldHasNoLogDir() throws Exception {
        int broker = kafka.brokerIds().iterator().next();
        TopicPartitionReplica missing = new TopicPartitionReplica(name("absent"), 0, broker);
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            ReplicaLogDir d = get(admin.cluster().describeReplicaLogDirs(List.of(missing)).get(missing));
            assertTrue(d.current().isEmpty() && d.future().isEmpty(), d.toString());
        }
    }
}
