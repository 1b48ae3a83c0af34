package dev.skein.compat;

import dev.skein.admin.Admin;
import dev.skein.admin.NewTopic;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerBuilder;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.IsolationLevel;
import dev.skein.consumer.OffsetReset;
import dev.skein.core.TopicPartition;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerBuilder;
import dev.skein.producer.RecordMetadata;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.DeliveryChecker;
import dev.skein.testkit.KafkaCluster;
import org.junit.jupiter.api.Assumptions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** One release's broker, an admin client on it, and what the cases share: unique names, reads, waits. */
final class Env implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(45);

    final Target target;
    final KafkaCluster kafka;
    final Admin admin;
    /** The cluster's finalized feature levels (KIP-584) when it started: none in ZooKeeper mode. */
    final Map<String, Integer> finalized;

    Env(Target target) {
        this.target = target;
        KafkaCluster.Builder builder = KafkaCluster.builder().release(target.release()).metadataMode(target.mode())
                .aclAuthorizer(true);
        target.features().forEach(builder::feature);
        this.kafka = builder.build().start();
        this.admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build();
        try {
            Map<String, Integer> levels = new TreeMap<>();
            admin.cluster().features().get(30, TimeUnit.SECONDS).finalized()
                    .forEach((name, range) -> levels.put(name, (int) range.max()));
            this.finalized = Map.copyOf(levels);
        } catch (Exception e) {
            close();
            throw new IllegalStateException("cannot read the finalized features of " + target, e);
        }
    }

    /** The finalized level of a feature, 0 when the cluster has not finalized it. */
    int level(String feature) {
        return finalized.getOrDefault(feature, 0);
    }

    /**
     * Whether the cluster runs the consumer group protocol (KIP-848): {@code group.version} 1 or more
     * finalized, as on a 4.x cluster formatted new, not on one upgraded from 3.x until an operator
     * finalizes it. The release number does not decide this.
     */
    boolean consumerProtocol() {
        return level("group.version") >= 1;
    }

    /** Whether the cluster runs transactions version 2 (KIP-890 part 2): {@code transaction.version} 2 finalized. */
    boolean transactionsV2() {
        return level("transaction.version") >= 2;
    }

    /**
     * Skips the case unless the cluster finalized {@code feature} at {@code level}; the reason names the
     * release that brings it where the release is older, else the feature level to finalize.
     */
    void needsFeature(String feature, int level, int major, int minor, String what) {
        Assumptions.assumeTrue(level(feature) >= level, target.atLeast(major, minor)
                ? "needs " + feature + " " + level + " (" + what + ")"
                : "needs Kafka " + major + "." + minor + " (" + what + ")");
    }

    String bootstrap() {
        return kafka.bootstrapServers();
    }

    /** Skips the case, with the reason the table shows, unless the release is at least {@code major.minor}. */
    void needs(int major, int minor, String what) {
        Assumptions.assumeTrue(target.atLeast(major, minor), "needs Kafka " + major + "." + minor + " (" + what + ")");
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A new topic with a unique name; returns once the broker describes it (it learns of it a moment after creation). */
    String topic(String prefix, int partitions) throws Exception {
        String name = unique(prefix);
        admin.topics().create(List.of(NewTopic.of(name, partitions, 1))).all().get(30, TimeUnit.SECONDS);
        await("topic " + name + " is described", () -> {
            try {
                return admin.topics().describe(List.of(name)).get(name).join().partitions().size() == partitions;
            } catch (RuntimeException e) {
                return false;
            }
        });
        return name;
    }

    static List<TopicPartition> partitions(String topic, int n) {
        List<TopicPartition> out = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            out.add(new TopicPartition(topic, p));
        }
        return out;
    }

    ProducerBuilder<String, String> producer() {
        return Producer.builder(Serdes.string(), Serdes.string()).bootstrapServers(bootstrap());
    }

    /** A consumer for a group (add {@code groupId}), reading from the earliest offset. */
    ConsumerBuilder<String, String> consumer() {
        return Consumer.builder(Serdes.string(), Serdes.string()).bootstrapServers(bootstrap())
                .offsetReset(OffsetReset.EARLIEST);
    }

    /** A consumer without a group, for assigned partitions. */
    ConsumerBuilder<String, String> assignedConsumer() {
        return consumer().delivery(Delivery.MANUAL);
    }

    /** Sends {@code values} keyed by {@code key(i)} and waits for every acknowledgement. */
    void produce(String topic, List<String> values) throws Exception {
        try (Producer<String, String> p = producer().build()) {
            send(p, topic, values);
        }
    }

    /**
     * As {@link #produce(String, List)}, telling {@code checker} what one producer sent, in order, and where
     * each record was acknowledged.
     */
    void produce(String topic, List<String> values, DeliveryChecker checker) throws Exception {
        try (Producer<String, String> p = producer().build()) {
            List<java.util.concurrent.CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                checker.sent("producer", values.get(i));
                acks.add(p.send(dev.skein.producer.ProducerRecord.of(topic, key(i), values.get(i))));
            }
            for (int i = 0; i < values.size(); i++) {
                RecordMetadata md = acks.get(i).get(60, TimeUnit.SECONDS);
                checker.acknowledged(values.get(i), md.topic(), md.partition(), md.offset());
            }
        }
    }

    static void send(Producer<String, String> p, String topic, List<String> values) throws Exception {
        List<java.util.concurrent.CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            acks.add(p.send(dev.skein.producer.ProducerRecord.of(topic, key(i), values.get(i))));
        }
        for (var f : acks) {
            f.get(60, TimeUnit.SECONDS);
        }
    }

    static String key(int i) {
        return "k" + (i % 5);
    }

    static List<String> values(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + "-" + i);
        }
        return out;
    }

    /**
     * Everything in the topic's partitions from the beginning, read by an assigned consumer: polls until
     * {@code expected} records arrived (bounded), then once more briefly so a duplicate would show.
     */
    List<ConsumerRecord<String, String>> readAll(String topic, int partitions, int expected, IsolationLevel isolation) {
        try (Consumer<String, String> c = assignedConsumer().isolation(isolation).build()) {
            List<TopicPartition> tps = partitions(topic, partitions);
            c.assign(tps);
            c.seekToBeginning(tps);
            return poll(c, expected);
        }
    }

    static List<ConsumerRecord<String, String>> poll(Consumer<String, String> c, int expected) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (out.size() < expected && System.nanoTime() < deadline) {
            c.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        c.poll(Duration.ofMillis(300)).forEach(out::add);
        return out;
    }

    /** Asserts that, per partition, {@code who} got records in offset order, each once. */
    static void assertInOrderPerPartition(List<ConsumerRecord<String, String>> records, String who) {
        Map<Integer, Long> last = new HashMap<>();
        for (ConsumerRecord<String, String> r : records) {
            Long before = last.put(r.partition(), r.offset());
            if (before != null && r.offset() <= before) {
                throw new AssertionError(who + " got offset " + r.offset() + " of partition " + r.partition()
                        + " after offset " + before);
            }
        }
    }

    /** Values per key, in the order of {@code records}. */
    static Map<String, List<String>> byKey(List<ConsumerRecord<String, String>> records) {
        Map<String, List<String>> out = new TreeMap<>();
        records.forEach(r -> out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value()));
        return out;
    }

    /** What {@link #send} keys each value by, per key, in send order. */
    static Map<String, List<String>> byKeySent(List<String> values) {
        Map<String, List<String>> out = new TreeMap<>();
        for (int i = 0; i < values.size(); i++) {
            out.computeIfAbsent(key(i), k -> new ArrayList<>()).add(values.get(i));
        }
        return out;
    }

    static List<String> valuesOf(List<ConsumerRecord<String, String>> records) {
        return records.stream().map(ConsumerRecord::value).toList();
    }

    /** Waits (bounded) for a condition that a broker reaches asynchronously. */
    static void await(String what, Await.Condition done) {
        Await.until(what, WAIT, done);
    }

    @Override
    public void close() {
        try {
            admin.close();
        } finally {
            kafka.close();
        }
    }
}
