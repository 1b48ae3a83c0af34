package dev.skein.producer;

import dev.skein.core.ErrorCode;
import dev.skein.core.errors.OutcomeUnknownException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.errors.UnknownTopicException;
import dev.skein.core.message.ApiKey;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import io.netty.buffer.ByteBufUtil;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the producer follows cluster metadata as it changes: partitions added, topics created by the
 * broker on first use, deleted and created again, names the broker refuses, topics no longer sent to.
 */
@ExtendWith(KafkaClusterExtension.class)
class ProducerMetadataIT {

    private static ProducerBuilder<String, String> builder(KafkaCluster kafka) {
        return Producer.builder(Serdes.string(), Serdes.string()).bootstrapServers(kafka.bootstrapServers());
    }

    private static Admin admin(KafkaCluster kafka) {
        return Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    /** As Apache Kafka's waitOnMetadata: a partition beyond the known count is waited for, not refused. */
    @Test
    void aSendToAPartitionAddedAfterTheFirstSendWaitsForMetadataThatHasIt(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "grown", 3, 1);
        try (Producer<String, String> p = builder(kafka).maxBlock(Duration.ofSeconds(30)).build();
             Admin admin = admin(kafka)) {
            p.send(ProducerRecord.<String, String>of(topic, "first").withPartition(2)).get(30, TimeUnit.SECONDS);
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(6))).all().get(30, TimeUnit.SECONDS);
            RecordMetadata md = p.send(ProducerRecord.<String, String>of(topic, "new").withPartition(5))
                    .get(60, TimeUnit.SECONDS);
            assertEquals(5, md.partition());
            assertEquals(6, p.partitionsFor(topic).size(), "the producer's metadata has the new partitions");
        }
    }

    @Test
    void aPartitionTheTopicNeverGetsFailsAfterMaxBlockAndTrySendDoesNotWait(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "no-partition-99", 6, 1);
        try (Producer<String, String> p = builder(kafka).maxBlock(Duration.ofMillis(1500)).build()) {
            long start = System.nanoTime();
            CompletableFuture<RecordMetadata> f = p.send(ProducerRecord.<String, String>of(topic, "x").withPartition(99));
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertEquals("Partition 99 of topic " + topic + " with partition count 6 is not present in metadata after"
                    + " 1500 ms", e.getCause().getMessage());
            assertTrue(tookMs >= 1400, "waited max.block.ms, took " + tookMs + " ms");

            long t0 = System.nanoTime();
            CompletableFuture<RecordMetadata> tried = p.trySend(ProducerRecord.<String, String>of(topic, "x").withPartition(99));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 500, "trySend does not wait");
            ExecutionException te = assertThrows(ExecutionException.class, () -> tried.get(5, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, te.getCause(), "trySend's would-block error");
        }
    }

    /** The shared cluster keeps the broker default auto.create.topics.enable=true, as Apache Kafka's producer relies on. */
    @Test
    void aSendToATopicThatDoesNotExistCreatesItWhereTheBrokerAllowsIt(KafkaCluster kafka) throws Exception {
        String topic = "auto-created-" + UUID.randomUUID().toString().substring(0, 8);
        try (Producer<String, String> p = builder(kafka).maxBlock(Duration.ofSeconds(15)).build();
             Admin admin = admin(kafka)) {
            RecordMetadata md = p.send(ProducerRecord.of(topic, "created by this send")).get(30, TimeUnit.SECONDS);
            assertEquals(topic, md.topic());
            assertTrue(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic), "the broker created it");
        }
        assertEquals(1, Reference.readAll(kafka, topic, 1).size());
    }

    /** Apache Kafka's producer throws InvalidTopicException at once; waiting could not help. */
    @Test
    void aTopicNameTheBrokerRefusesFailsAtOnceNamingIt(KafkaCluster kafka) {
        String topic = "bad/name-" + UUID.randomUUID().toString().substring(0, 8);
        try (Producer<String, String> p = builder(kafka).maxBlock(Duration.ofSeconds(30)).build()) {
            long start = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(ProducerRecord.of(topic, "v")).get(60, TimeUnit.SECONDS));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            SkeinException error = assertInstanceOf(SkeinException.class, e.getCause());
            assertEquals(ErrorCode.INVALID_TOPIC_EXCEPTION, error.errorCode(), error.toString());
            assertTrue(error.getMessage().contains(topic), error.getMessage());
            assertTrue(tookMs < 10_000, "failed at once rather than after max.block.ms (30 s): " + tookMs + " ms");
        }
    }

    /**
     * KAFKA-19397: a Produce v13 answer names topics by the ids its request used. The topic is deleted and
     * created again (a new id) while the request is held, and the producer's metadata learns the new id
     * before the answer comes: the answer (UNKNOWN_TOPIC_ID for the old id: the record was not written) must
     * still reach the batch it belongs to, not be dropped as "answered without a result", which reads as
     * may-have-been-written. Two brokers: the request held on broker 1, metadata answered by broker 2 (a
     * Metadata answer on the held request's connection would overtake it).
     */
    @Test
    void aProduceAnswerIsReadWithTheTopicIdsOfItsRequestAfterTheTopicWasCreatedAgain(
            @OwnCluster(brokers = 2, faultProxy = true, config = "auto.create.topics.enable=false") KafkaCluster kafka)
            throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String topic = "recreated-" + suffix;
        String other = "on-broker-2-" + suffix;
        try (Admin admin = admin(kafka);
             Producer<String, String> p = builder(kafka).acks(Acks.LEADER).idempotence(false).retries(0)
                     .linger(Duration.ZERO).requestTimeout(Duration.ofSeconds(60)).deliveryTimeout(Duration.ofSeconds(90))
                     .maxBlock(Duration.ofSeconds(30)).build()) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1))), new NewTopic(other, Map.of(0, List.of(2)))))
                    .all().get(60, TimeUnit.SECONDS);
            p.send(ProducerRecord.of(topic, "before")).get(30, TimeUnit.SECONDS);
            p.send(ProducerRecord.of(other, "opens the connection to broker 2")).get(30, TimeUnit.SECONDS);

            FaultProxy broker1 = kafka.proxy(1);
            broker1.holdRequests(ApiKey.PRODUCE.id(), 1);
            CompletableFuture<RecordMetadata> held = p.send(ProducerRecord.of(topic, "held"));
            Await.until("the Produce request held", Duration.ofSeconds(30), () -> broker1.heldRequests() == 1);

            admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
            Await.until("the topic created again", Duration.ofSeconds(60), () -> {
                admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1))))).all().get(30, TimeUnit.SECONDS);
                return true;
            });
            // A topic created after the new incarnation: a broker that describes it has applied that one too, so
            // the refresh that finds it gives the producer the new topic id (partitionsFor then sees it usable).
            String later = "later-" + suffix;
            admin.createTopics(List.of(new NewTopic(later, Map.of(0, List.of(2))))).all().get(60, TimeUnit.SECONDS);
            assertEquals(1, p.partitionsFor(later).size());
            assertEquals(1, p.partitionsFor(topic).size());

            assertEquals(1, broker1.releaseHeld());
            ExecutionException e = assertThrows(ExecutionException.class, () -> held.get(60, TimeUnit.SECONDS));
            assertFalse(e.getCause() instanceof OutcomeUnknownException,
                    "the broker's answer was read, not dropped as missing: " + e.getCause());
            assertInstanceOf(UnknownTopicException.class, e.getCause(), e.getCause().toString());
        }
    }

    /**
     * KIP-526: a topic not sent to for metadata.max.idle.ms leaves the producer's Metadata requests; one sent
     * to all along stays. The broker's Metadata answers name exactly the topics asked for, so the test reads
     * them off the proxy.
     */
    @Test
    void aTopicNotSentToForMetadataMaxIdleIsNoLongerAskedFor(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String idle = Reference.createTopic(kafka, "idle", 1, 1);
        String busy = Reference.createTopic(kafka, "busy", 1, 1);
        byte[] idleName = idle.getBytes(StandardCharsets.UTF_8);
        byte[] busyName = busy.getBytes(StandardCharsets.UTF_8);
        record Answer(long atNanos, boolean namesIdle, boolean namesBusy) {}
        ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
        try (Producer<String, String> p = builder(kafka).property("metadata.max.age.ms", 300)
                .property("metadata.max.idle.ms", 5000).build()) {
            p.send(ProducerRecord.of(busy, "warm-up")).get(30, TimeUnit.SECONDS);
            kafka.proxy(1).rewriteResponses(ApiKey.METADATA.id(), 1_000_000, frame -> {
                byte[] bytes = ByteBufUtil.getBytes(frame);
                answers.add(new Answer(System.nanoTime(), contains(bytes, idleName), contains(bytes, busyName)));
                return new FaultProxy.Rewritten(frame, false); // unchanged: only read
            });
            p.send(ProducerRecord.of(idle, "once")).get(30, TimeUnit.SECONDS);
            long lastIdleSend = System.nanoTime();
            Await.until("a Metadata answer without the idle topic", Duration.ofSeconds(40), () -> {
                p.send(ProducerRecord.of(busy, "keeps it in use")).get(30, TimeUnit.SECONDS);
                return answers.stream().anyMatch(a -> a.atNanos() > lastIdleSend && !a.namesIdle());
            });
            Answer firstWithout = answers.stream().filter(a -> a.atNanos() > lastIdleSend && !a.namesIdle()).findFirst()
                    .orElseThrow();
            long afterMs = TimeUnit.NANOSECONDS.toMillis(firstWithout.atNanos() - lastIdleSend);
            assertTrue(afterMs >= 4_500, "dropped after metadata.max.idle.ms (5 s), not before: " + afterMs + " ms");
            assertTrue(answers.stream().anyMatch(a -> a.atNanos() > lastIdleSend && a.namesIdle()),
                    "asked for while in use");
            assertTrue(firstWithout.namesBusy(), "the topic sent to all along is still asked for");

            assertEquals(1, p.send(ProducerRecord.of(idle, "again")).get(30, TimeUnit.SECONDS).offset(),
                    "a send to it asks for it again");
        }
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
