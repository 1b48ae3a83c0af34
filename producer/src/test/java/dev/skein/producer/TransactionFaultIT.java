package dev.skein.producer;

import dev.skein.core.message.ApiKey;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.DeliveryChecker;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transactions against a network that delays what it carries: an EndTxn held by the fault proxy past
 * {@code request.timeout.ms} and delivered after the producer has moved on to its next transaction.
 * Nothing committed may be lost, nothing aborted read, and no transaction torn (committed in part, or
 * committed by the stale request).
 */
@ExtendWith(KafkaClusterExtension.class)
class TransactionFaultIT {

    @Test
    void anEndTxnDeliveredLateAfterTheNextTransactionBeganTearsNothing(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String topic = Reference.createTopic(kafka, "late-endtxn", 2, 1);
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE).readCommitted();
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).transactionalId("late-" + topic)
                .requestTimeout(Duration.ofSeconds(2)).deliveryTimeout(Duration.ofSeconds(20))
                .maxBlock(Duration.ofSeconds(30)).build()) {
            p.initTransactions();
            transaction(p, topic, checker, "t1", true);

            kafka.proxy(1).holdRequests(ApiKey.END_TXN.id(), 1);
            transaction(p, topic, checker, "t2", true); // its first EndTxn times out; the retry commits
            assertEquals(1, kafka.proxy(1).heldRequests(), "the first EndTxn of t2 is still in the network");

            p.beginTransaction();
            checker.beginTransaction("p");
            send(p, topic, checker, "t3"); // the next transaction has begun and holds records...
            assertEquals(1, kafka.proxy(1).releaseHeld(), "...when the stale EndTxn (commit) reaches the coordinator");
            p.abortTransaction();
            checker.abortTransaction("p");

            transaction(p, topic, checker, "t4", true);
        }
        read(kafka, topic, checker);
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.ok(), report.toString());
        assertEquals(List.of(), report.violations(), report.toString());
        assertEquals(30L, report.counts().get("distinct_read"), "t1, t2 and t4, ten records each: " + report);
    }

    private static void transaction(Producer<String, String> p, String topic, DeliveryChecker checker, String name,
                                    boolean commit) {
        p.beginTransaction();
        checker.beginTransaction("p");
        send(p, topic, checker, name);
        if (commit) {
            p.commitTransaction();
            checker.commitTransaction("p");
        } else {
            p.abortTransaction();
            checker.abortTransaction("p");
        }
    }

    private static void send(Producer<String, String> p, String topic, DeliveryChecker checker, String name) {
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String value = name + "-" + i;
            checker.sent("p", value);
            sent.add(p.send(ProducerRecord.of(topic, Integer.toString(i), value)));
        }
        for (int i = 0; i < sent.size(); i++) {
            try {
                RecordMetadata md = sent.get(i).get(30, TimeUnit.SECONDS);
                checker.acknowledged(name + "-" + i, md.topic(), md.partition(), md.offset());
            } catch (Exception e) {
                throw new AssertionError("send of " + name + "-" + i + " failed", e);
            }
        }
    }

    /** Reads both partitions to their end with read_committed into {@code checker}. */
    private static void read(KafkaCluster kafka, String topic, DeliveryChecker checker) {
        Properties props = new Properties();
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put("isolation.level", "read_committed");
        List<TopicPartition> parts = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
        parts.forEach(tp -> checker.assigned("reader", 0, topic, tp.partition()));
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = new HashMap<>();
            parts.forEach(tp -> end.put(tp, TransactionIT.readableEnd(kafka, tp, "read_committed")));
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
