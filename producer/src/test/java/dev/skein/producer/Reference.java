package dev.skein.producer;

import dev.skein.testkit.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Apache Kafka's own clients, as independent witnesses of what Skein wrote. */
final class Reference {
    private Reference() {}

    static String createTopic(KafkaCluster kafka, String prefix, int partitions, int rf) throws Exception {
        return createTopic(kafka, prefix, partitions, rf, Map.of());
    }

    static String createTopic(KafkaCluster kafka, String prefix, int partitions, int rf, Map<String, String> configs)
            throws Exception {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) rf).configs(configs))).all()
                    .get(60, TimeUnit.SECONDS);
        }
        return name;
    }

    /** Every record of every partition of {@code topic}, reading until {@code expected} arrived or 60 s passed, then 1 s more. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaCluster kafka, String topic, int expected) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("isolation.level", "read_uncommitted");
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (out.size() < expected && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            long extra = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < extra) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
