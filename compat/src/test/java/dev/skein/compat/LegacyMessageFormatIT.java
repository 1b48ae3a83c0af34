package dev.skein.compat;

import dev.skein.admin.Admin;
import dev.skein.admin.NewTopic;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.core.Compression;
import dev.skein.core.TopicPartition;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.MetadataMode;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Skein's consumer reads the message formats of Kafka before 0.11 (magic 0 and 1), which a broker hands
 * out as stored (Fetch v4+ does not convert). Kafka 3.0.2 with {@code inter.broker.protocol.version=2.8}
 * honours a topic's {@code message.format.version} (KIP-724) and converts what it receives to it: topics
 * at 0.10.2 (magic 1) and 0.9.0 (magic 0), written uncompressed and with gzip, snappy and lz4 (the broker's
 * magic-0 lz4 frames carry the header checksum of KAFKA-3160). Each is read by Skein's consumer from the
 * beginning and from an offset inside the compressed wrapper, and compared with what Apache Kafka's
 * reference consumer reads from the same topic (its timestamp type proves the format the broker stored).
 */
class LegacyMessageFormatIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int COUNT = 12;
    private static KafkaCluster kafka;
    private static Admin admin;

    @BeforeAll
    static void start() {
        kafka = KafkaCluster.builder().release("3.0.2").metadataMode(MetadataMode.ZOOKEEPER)
                .brokerConfig("inter.broker.protocol.version", "2.8").build().start();
        admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build();
    }

    @AfterAll
    static void stop() {
        try {
            if (admin != null) {
                admin.close();
            }
        } finally {
            if (kafka != null) {
                kafka.close();
            }
        }
    }

    static Stream<Arguments> formats() {
        List<Arguments> out = new ArrayList<>();
        for (String format : List.of("0.10.2", "0.9.0")) {
            for (Compression c : List.of(Compression.NONE, Compression.GZIP, Compression.SNAPPY, Compression.LZ4)) {
                out.add(Arguments.of(format, c, "CreateTime"));
            }
        }
        // Magic 1 under log-append time: the wrapper's timestamp is every inner message's.
        out.add(Arguments.of("0.10.2", Compression.GZIP, "LogAppendTime"));
        out.add(Arguments.of("0.10.2", Compression.NONE, "LogAppendTime"));
        return out.stream();
    }

    @ParameterizedTest(name = "message.format.version {0}, {1}, {2}")
    @MethodSource("formats")
    void skeinReadsWhatTheReferenceConsumerReads(String format, Compression compression, String timestampType)
            throws Exception {
        String topic = Env.unique("legacy-" + format.replace('.', '_') + "-" + compression.name().toLowerCase());
        admin.topics().create(List.of(NewTopic.of(topic, 1, 1).withConfig("message.format.version", format)
                .withConfig("compression.type", "producer").withConfig("message.timestamp.type", timestampType)))
                .all().get(30, TimeUnit.SECONDS);
        long t0 = System.currentTimeMillis() - 60_000;
        produce(topic, compression, t0);

        TopicPartition tp = new TopicPartition(topic, 0);
        List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> reference = referenceRead(topic);
        assertEquals(COUNT, reference.size(), "the reference consumer reads every record");
        TimestampType expectedType = format.equals("0.9.0") ? TimestampType.NO_TIMESTAMP_TYPE
                : timestampType.equals("LogAppendTime") ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
        for (var r : reference) {
            assertEquals(expectedType, r.timestampType(), "the broker stored message format " + format);
            if (expectedType == TimestampType.CREATE_TIME) {
                assertEquals(t0 + r.offset() * 7, r.timestamp(), "the producer's timestamp, kept by magic 1");
            }
        }

        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).build()) {
            c.assign(List.of(tp));
            c.seek(tp, 0);
            assertSame(reference, poll(c, COUNT), topic + " from the beginning");
            // Inside the compressed wrapper (one batch of all of them, sent at once): the records below the
            // position are skipped.
            int middle = COUNT / 2 + 1;
            c.seek(tp, middle);
            assertSame(reference.subList(middle, COUNT), poll(c, COUNT - middle), topic + " from offset " + middle);
        }
    }

    /**
     * A producer with the defaults (idempotent) cannot write to a topic in an old format: the broker refuses
     * the batch (UNSUPPORTED_FOR_MESSAGE_FORMAT), and the error says what to change; the producer goes on
     * writing to other topics.
     */
    @org.junit.jupiter.api.Test
    void anIdempotentProducerIsToldTheTopicsFormatCannotHoldItsBatches() throws Exception {
        String old = Env.unique("legacy-idempotent");
        String current = Env.unique("current");
        admin.topics().create(List.of(NewTopic.of(old, 1, 1).withConfig("message.format.version", "0.10.2"),
                NewTopic.of(current, 1, 1))).all().get(30, TimeUnit.SECONDS);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).build()) {
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class,
                    () -> p.send(ProducerRecord.of(old, "k", "v")).get(30, TimeUnit.SECONDS));
            String message = e.getCause().getMessage();
            assertTrue(message.contains("UNSUPPORTED_FOR_MESSAGE_FORMAT") && message.contains(old)
                    && message.contains("message.format.version") && message.contains("enable.idempotence=false"),
                    e.getCause().toString());
            p.send(ProducerRecord.of(current, "k", "v")).get(30, TimeUnit.SECONDS);
        }
    }

    /** {@link #COUNT} records sent together (one batch), half keyed, half with null keys, no headers. */
    private static void produce(String topic, Compression compression, long t0) throws Exception {
        // Idempotent batches cannot be written in the old formats (the broker refuses them).
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).idempotence(false).compression(compression)
                .linger(Duration.ofSeconds(5)).build()) {
            List<CompletableFuture<?>> acks = new ArrayList<>();
            for (int i = 0; i < COUNT; i++) {
                String key = i % 2 == 0 ? "k" + i : null;
                acks.add(p.send(new ProducerRecord<>(topic, 0, key, "v" + i, List.of(), t0 + i * 7L)));
            }
            p.flush();
            for (var f : acks) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> referenceRead(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (out.size() < COUNT && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Polls until {@code expected} records came (bounded), then once more so a duplicate would show. */
    private static List<ConsumerRecord<String, String>> poll(Consumer<String, String> c, int expected) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (out.size() < expected && System.nanoTime() < deadline) {
            c.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        c.poll(Duration.ofMillis(200)).forEach(out::add);
        return out;
    }

    /** The same records, in order: offset, key, value, timestamp and its type (none is create time, -1). */
    private static void assertSame(List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> expected,
                                   List<ConsumerRecord<String, String>> actual, String what) {
        assertEquals(expected.size(), actual.size(), what + ": every record once");
        for (int i = 0; i < expected.size(); i++) {
            var e = expected.get(i);
            var a = actual.get(i);
            String at = what + ", record " + i;
            assertEquals(e.offset(), a.offset(), at + ": offset");
            assertEquals(e.key(), a.key(), at + ": key");
            assertEquals(e.value(), a.value(), at + ": value");
            assertEquals(e.timestamp(), a.timestamp(), at + ": timestamp");
            assertEquals(e.timestampType() == TimestampType.LOG_APPEND_TIME, a.timestampIsLogAppendTime(),
                    at + ": timestamp type " + e.timestampType());
            assertTrue(a.headers().isEmpty(), at + ": no headers");
        }
    }
}
