package dev.skein.producer;

import dev.skein.core.errors.OutcomeUnknownException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.message.ApiKey;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

@ExtendWith(KafkaClusterExtension.class)
class ProducerFaultIT {

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void aProduceWhoseResponseIsLostIsWrittenOnce(@OwnCluster(faultProxy = true) KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "dropped", 1, 1);
        List<String> expected = new ArrayList<>();
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).linger(Duration.ZERO).build()) {
            p.send(ProducerRecord.of(topic, "warm-up")).get(30, TimeUnit.SECONDS);
            expected.add("warm-up");
            kafka.proxy(1).dropResponses(ApiKey.PRODUCE.id(), 2);
            List<CompletableFuture<RecordMetadata>> fs = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                fs.add(p.send(ProducerRecord.of(topic, "v" + i)));
                expected.add("v" + i);
            }
            for (CompletableFuture<RecordMetadata> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        assertTrue(kafka.proxy(1).droppedResponses() >= 1, "the proxy lost Produce responses");
        assertEquals(expected, values(Reference.readAll(kafka, topic, expected.size())), "each once, in order");
    }

    @Test
    void recordsBlackHoledPastTheDeliveryTimeoutFailAndLaterOnesArriveInOrderOnce(
            @OwnCluster(faultProxy = true) KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "black-hole", 1, 1);
        List<String> acked = new ArrayList<>();
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).linger(Duration.ZERO)
                .requestTimeout(Duration.ofMillis(1500)).deliveryTimeout(Duration.ofSeconds(4)).build()) {
            p.send(ProducerRecord.of(topic, "before")).get(30, TimeUnit.SECONDS);
            acked.add("before");
            kafka.proxy(1).blackHole(true);
            List<CompletableFuture<RecordMetadata>> lost = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                lost.add(p.send(ProducerRecord.of(topic, "lost-" + i)));
            }
            for (CompletableFuture<RecordMetadata> f : lost) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
                assertInstanceOf(SkeinException.class, e.getCause());
                assertTrue(e.getCause() instanceof OutcomeUnknownException || e.getCause().getMessage().contains("delivery.timeout"),
                        e.getCause().toString());
            }
            kafka.proxy(1).heal().cutConnections();
            List<CompletableFuture<RecordMetadata>> later = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                later.add(p.send(ProducerRecord.of(topic, "after-" + i)));
            }
            for (int i = 0; i < 20; i++) {
                later.get(i).get(60, TimeUnit.SECONDS);
                acked.add("after-" + i);
            }
        }
        List<String> read = values(Reference.readAll(kafka, topic, acked.size()));
        assertEquals(new HashSet<>(read).size(), read.size(), "no duplicates: " + read);
        List<String> ackedInLog = read.stream().filter(acked::contains).toList();
        assertEquals(acked, ackedInLog, "every acknowledged record, in send order");
    }

    @Test
    void aFullBufferMakesSendWaitAtMostMaxBlockThenFail(@OwnCluster(faultProxy = true) KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "pressure", 1, 1);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).batchSize(1024).bufferMemory(8 * 1024).maxRequestSize(4096)
                .maxBlock(Duration.ofMillis(700)).requestTimeout(Duration.ofSeconds(3)).deliveryTimeout(Duration.ofSeconds(40)).build()) {
            p.send(ProducerRecord.of(topic, "warm-up")).get(30, TimeUnit.SECONDS);
            kafka.proxy(1).blackHole(true);
            String value = "x".repeat(900);
            for (int i = 0; i < 100; i++) {
                long start = System.nanoTime();
                CompletableFuture<RecordMetadata> f = p.send(ProducerRecord.of(topic, value));
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                // A failed send's future completes on the callback thread (after its callback), so a moment
                // after send returns, not necessarily before: a send that waited gets a few seconds to show
                // its failure. One that only stalled (GC, a loaded machine) stays pending: send on.
                if (f.isCompletedExceptionally()
                        || (tookMs >= 600 && Await.holds(f::isCompletedExceptionally, Duration.ofSeconds(5)))) {
                    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
                    assertInstanceOf(BufferExhaustedException.class, e.getCause());
                    assertTrue(tookMs >= 600 && tookMs < 10_000, "waited max.block.ms, took " + tookMs + " ms");
                    long t0 = System.nanoTime();
                    CompletableFuture<RecordMetadata> fast = p.trySend(ProducerRecord.of(topic, value));
                    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 300, "trySend does not wait");
                    ExecutionException ef = assertThrows(ExecutionException.class, () -> fast.get(5, TimeUnit.SECONDS));
                    assertInstanceOf(BufferExhaustedException.class, ef.getCause());
                    kafka.proxy(1).heal();
                    return;
                }
            }
            fail("the buffer never filled");
        } finally {
            kafka.proxy(1).heal();
        }
    }

    @Test
    void idempotenceKeepsEveryAcknowledgedRecordOnceAndInOrderWhileLeadersAreKilled(
            @OwnCluster(brokers = 3) KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "idem", 3, 3);
        int total = 100_000;
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>(total);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).linger(Duration.ofMillis(5))
                .requestTimeout(Duration.ofSeconds(10)).deliveryTimeout(Duration.ofSeconds(120)).build()) {
            for (int i = 0; i < total; i++) {
                futures.add(p.send(ProducerRecord.of(topic, Integer.toString(i))));
                if (i == 20_000 || i == 60_000) {
                    int leader = p.partitionsFor(topic).get(0).leader().id();
                    kafka.kill(leader);
                    Thread.sleep(2_000); // the fault: the leader stays down this long
                    kafka.restart(leader);
                }
            }
            p.flush();
        }
        Set<String> acked = new HashSet<>();
        int failed = 0;
        for (int i = 0; i < total; i++) {
            try {
                futures.get(i).get(1, TimeUnit.SECONDS);
                acked.add(Integer.toString(i));
            } catch (ExecutionException e) {
                failed++;
            }
        }
        List<ConsumerRecord<byte[], byte[]>> read = Reference.readAll(kafka, topic, acked.size());
        Map<String, Integer> seen = new HashMap<>();
        Map<Integer, Integer> lastPerPartition = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read) {
            String v = new String(r.value(), StandardCharsets.UTF_8);
            assertEquals(null, seen.put(v, r.partition()), "value " + v + " appears twice");
            int idx = Integer.parseInt(v);
            Integer prev = lastPerPartition.put(r.partition(), idx);
            assertTrue(prev == null || prev < idx, "partition " + r.partition() + ": " + idx + " after " + prev);
        }
        for (String v : acked) {
            assertTrue(seen.containsKey(v), "acknowledged value " + v + " is missing");
        }
        assertTrue(acked.size() + failed == total);
        assertTrue(acked.size() > total * 0.9, "most records are acknowledged: " + acked.size());
    }
}
