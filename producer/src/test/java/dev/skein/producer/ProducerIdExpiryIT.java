package dev.skein.producer;

import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.DeliveryChecker;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker forgets an idle producer (its id expired, or DeleteRecords removed everything it wrote)
 * while the producer still holds its id and sequence numbers. The producer recovers (KIP-360): what it
 * sends next is written once, nothing acknowledged is missing, and a transactional producer is not
 * stopped for it (only a fence is final).
 */
@ExtendWith(KafkaClusterExtension.class)
class ProducerIdExpiryIT {
    private static final String TOPIC = "expiry";

    @Test
    void anIdempotentProducerWhoseIdExpiredWhileIdleWritesOnceAgain(@OwnCluster(config = {
            "producer.id.expiration.ms=2000", "producer.id.expiration.check.interval.ms=500"}) KafkaCluster kafka)
            throws Exception {
        String topic = Reference.createTopic(kafka, TOPIC, 1, 1);
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).build();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            send(p, topic, checker, "before", 10);
            awaitNoActiveProducer(admin, topic);
            send(p, topic, checker, "after", 10);
        }
        readAll(kafka, topic, checker, false);
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.violations().isEmpty(), report.toString());
        assertEquals(20L, report.counts().get("acknowledged"));
    }

    @Test
    void anIdempotentProducerWhoseRecordsWereAllDeletedWritesOnceAgain(@OwnCluster(config = {
            "producer.id.expiration.ms=2000", "producer.id.expiration.check.interval.ms=500"}) KafkaCluster kafka)
            throws Exception {
        String topic = Reference.createTopic(kafka, TOPIC, 1, 1);
        // Only what comes after the deletion is promised: DeleteRecords removes the rest by request.
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).build();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            send(p, topic, null, "deleted", 10);
            TopicPartition tp = new TopicPartition(topic, 0);
            admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(10))).all().get(30, TimeUnit.SECONDS);
            // With its records gone the broker keeps the producer's state only until it expires: then
            // nothing on the broker remembers the producer's sequence (UNKNOWN_PRODUCER_ID, KIP-360).
            awaitNoActiveProducer(admin, topic);
            send(p, topic, checker, "after", 10);
        }
        readAll(kafka, topic, checker, false);
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.violations().isEmpty(), report.toString());
        assertEquals(10L, report.counts().get("distinct_read"), report.toString());
    }

    @Test
    void aTransactionalProducerWhoseIdExpiredIsNotStoppedForIt(@OwnCluster(config = {
            "producer.id.expiration.ms=2000", "producer.id.expiration.check.interval.ms=500"}) KafkaCluster kafka)
            throws Exception {
        String topic = Reference.createTopic(kafka, TOPIC, 1, 1);
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE).readCommitted();
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).transactionalId("expiring-" + topic).build();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            p.initTransactions();
            transaction(p, topic, checker, "first");
            awaitNoActiveProducer(admin, topic);
            transaction(p, topic, checker, "second");
        }
        readAll(kafka, topic, checker, true);
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.ok(), report.toString());
        assertTrue(report.of(DeliveryChecker.Kind.LOST).isEmpty(), report.toString());
    }

    /**
     * Sends ten records in a transaction and commits; an abortable error (the broker no longer knew
     * the producer) is answered the documented way: abort, then send the same values again.
     */
    private static void transaction(Producer<String, String> p, String topic, DeliveryChecker checker, String prefix) {
        for (int attempt = 1; ; attempt++) {
            p.beginTransaction();
            checker.beginTransaction("p");
            try {
                send(p, topic, checker, prefix + "-" + attempt, 10);
                p.commitTransaction();
                checker.commitTransaction("p");
                return;
            } catch (RuntimeException e) {
                if (attempt == 2) {
                    throw e;
                }
                p.abortTransaction(); // throws for a fatal error: only a fence may stop the producer
                checker.abortTransaction("p");
            }
        }
    }

    private static void send(Producer<String, String> p, String topic, DeliveryChecker checker, String prefix, int n) {
        List<java.util.concurrent.CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String value = prefix + "-" + i;
            if (checker != null) {
                checker.sent("p", value);
            }
            sent.add(p.send(ProducerRecord.of(topic, value)).whenComplete((md, e) -> {
                if (checker == null) {
                    return;
                }
                if (e == null) {
                    checker.acknowledged(value, md.topic(), md.partition(), md.offset());
                } else {
                    checker.failed(value);
                }
            }));
        }
        for (var f : sent) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            } catch (Exception e) {
                throw new AssertionError("a send was not answered", e);
            }
        }
    }

    /** Waits until the broker no longer lists any producer of the topic's partition (expired or deleted). */
    private static void awaitNoActiveProducer(Admin admin, String topic) {
        TopicPartition tp = new TopicPartition(topic, 0);
        Await.until("the broker forgetting every producer of " + tp, Duration.ofSeconds(60),
                () -> admin.describeProducers(List.of(tp)).partitionResult(tp).get(10, TimeUnit.SECONDS).activeProducers().isEmpty());
    }

    /** Reads the partition from the start into {@code checker}. */
    private static void readAll(KafkaCluster kafka, String topic, DeliveryChecker checker, boolean readCommitted) {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("isolation.level", readCommitted ? "read_committed" : "read_uncommitted");
        TopicPartition tp = new TopicPartition(topic, 0);
        checker.assigned("reader", 0, topic, 0);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = TransactionIT.readableEnd(kafka, tp, readCommitted ? "read_committed" : "read_uncommitted");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.position(tp) < end && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    checker.received("reader", 0, topic, 0, r.offset(), new String(r.value(), StandardCharsets.UTF_8));
                }
            }
            assertTrue(c.position(tp) >= end, "read to the end (" + end + ") within 60 s");
        }
    }
}
