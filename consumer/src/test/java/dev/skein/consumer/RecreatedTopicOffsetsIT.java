package dev.skein.consumer;

import dev.skein.core.ErrorCode;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.MetadataResponse;
import dev.skein.producer.ResponseRewrite;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import io.netty.buffer.ByteBuf;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TxnOffsetCommit v6 (Kafka 4.4, KIP-1319) against a real 4.4.0 broker: the exactly-once processor's
 * offsets go with the topic ids their records were read from, so a topic deleted and created again
 * after the processor's own metadata check cannot receive the old incarnation's offsets. Up to v5 the
 * request names the topic, and the broker commits them for whatever topic has that name now.
 */
@ExtendWith(KafkaClusterExtension.class)
@Execution(ExecutionMode.CONCURRENT) // the fault lane (a cluster of its own, mostly waiting): see this module's pom.xml
class RecreatedTopicOffsetsIT {
    private static KafkaCluster kafka;

    @BeforeAll
    static void start(@OwnCluster(release = "4.4.0", faultProxy = true) KafkaCluster cluster) {
        kafka = cluster;
    }

    @AfterEach
    void stopRewriting() {
        proxy().rewriteResponses(ApiKey.METADATA.id(), 0, f -> new FaultProxy.Rewritten(f, false));
    }

    private static FaultProxy proxy() {
        return kafka.proxy(1);
    }

    /**
     * The batch of an input topic is in the transform while the topic is deleted and created again, and
     * every Metadata answer from then on names the new topic under the old id (as the processor's metadata
     * does when the recreation comes after it looked): the processor's check finds nothing recreated, and
     * only the coordinator can tell. It must refuse the old id (UNKNOWN_TOPIC_ID), the transaction abort,
     * and no offset be committed for the new topic, which is then read from its start.
     */
    @Test
    void anExactlyOnceBatchWhoseTopicIsRecreatedAfterTheMetadataCheckDoesNotCommitItsOffsetsForTheNewTopic()
            throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String r = "eos-late-reborn-" + suffix;
        String out = "eos-late-reborn-out-" + suffix;
        String group = "eos-late-reborn-" + suffix;
        AtomicInteger hidden = new AtomicInteger();
        CountDownLatch inTransform = new CountDownLatch(1);
        CountDownLatch recreated = new CountDownLatch(1);
        try (Admin admin = admin(); KafkaProducer<String, String> producer = producer()) {
            UUID oldId = uuid(admin.createTopics(List.of(new NewTopic(r, 1, (short) 1))).topicId(r).get(60, TimeUnit.SECONDS));
            admin.createTopics(List.of(new NewTopic(out, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(r, 0, null, "old-" + i)).get(30, TimeUnit.SECONDS);
            }
            ExactlyOnceProcessor.Transform<String, String, String, String> copy = rec -> {
                if (rec.value().equals("old-0")) {
                    inTransform.countDown();
                    try {
                        if (!recreated.await(90, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the test did not recreate the topic");
                        }
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return List.of(new dev.skein.producer.ProducerRecord<>(out, 0, null, rec.value(), null, null));
            };
            try (ExactlyOnceProcessor<String, String, String, String> copier = ExactlyOnceProcessor.builder(
                            Serdes.string().deserializer(), Serdes.string().deserializer(),
                            Serdes.string().serializer(), Serdes.string().serializer())
                    .bootstrapServers(kafka.bootstrapServers()).input(List.of(r)).groupId(group)
                    .transactionalId(group).property("metadata.max.age.ms", 200).property("max.poll.records", 10).build()) {
                CompletableFuture<Integer> first = CompletableFuture.supplyAsync(() -> {
                    int n;
                    do { // until the call that took the old batch returns
                        n = copier.processOnce(Duration.ofMillis(200), copy);
                    } while (inTransform.getCount() > 0);
                    return n;
                });
                assertTrue(inTransform.await(60, TimeUnit.SECONDS), "the batch of old records reached the transform");
                proxy().rewriteResponses(ApiKey.METADATA.id(), Integer.MAX_VALUE, f -> metadata(f, m -> m.topics().forEach(t -> {
                    if (r.equals(t.name()) && t.errorCode() == ErrorCode.NONE.code() && !oldId.equals(t.topicId())) {
                        t.setTopicId(oldId);
                        hidden.incrementAndGet();
                    }
                })));
                admin.deleteTopics(List.of(r)).all().get(30, TimeUnit.SECONDS);
                Await.until("r created again once its deletion completed", Duration.ofSeconds(30), () -> {
                    try {
                        admin.createTopics(List.of(new NewTopic(r, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                        return true;
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException) {
                            return false; // the deletion is still under way
                        }
                        throw e;
                    }
                });
                Await.until("three Metadata answers naming r's new incarnation under the old id", Duration.ofSeconds(30),
                        () -> hidden.get() >= 3);
                recreated.countDown();
                int copied = first.get(90, TimeUnit.SECONDS);

                Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                assertNull(committed.get(new org.apache.kafka.common.TopicPartition(r, 0)),
                        "the old incarnation's offset was committed for the new topic: " + committed);
                assertEquals(0, copied, "the batch's transaction aborted");
                assertEquals(1, copier.abortedTransactions(), "the coordinator refused the old topic id");

                proxy().rewriteResponses(ApiKey.METADATA.id(), 0, f -> new FaultProxy.Rewritten(f, false));
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>(r, 0, null, "new-" + i)).get(30, TimeUnit.SECONDS);
                }
                int[] copiedNew = {0};
                Await.until("the new topic copied from its start", Duration.ofSeconds(60), () -> {
                    copiedNew[0] += copier.processOnce(Duration.ofMillis(200), copy);
                    return copiedNew[0] >= 20;
                });
            }
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("new-" + i);
        }
        assertEquals(List.of(expected), ExactlyOnceIT.readCommitted(kafka, out, 1),
                "the aborted old batch left no output; the new topic copied once from its start");
    }

    private static UUID uuid(Uuid id) {
        return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
    }

    private static FaultProxy.Rewritten metadata(ByteBuf frame, Consumer<MetadataResponse> change) {
        try {
            return ResponseRewrite.changed(frame, MetadataResponse.HIGHEST_SUPPORTED_VERSION, (short) 9,
                    MetadataResponse::read, change);
        } catch (IllegalStateException notFlexible) {
            return new FaultProxy.Rewritten(frame, false);
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    private static KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", 0),
                new StringSerializer(), new StringSerializer());
    }
}
