package dev.skein.consumer;

import dev.skein.core.ErrorCode;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.FetchResponse;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which topics the consumer's metadata follows, and what it does while metadata lags the cluster, seen
 * through the fault proxy's view of Metadata and Fetch answers: a KIP-848 member reads the topics of its
 * assignment that metadata names while another topic id is still unknown; a topic left behind by a
 * subscription change leaves the Metadata requests; a topic deleted and created again is neither fetched
 * nor committed from a position of its old incarnation.
 */
@ExtendWith(KafkaClusterExtension.class)
class TopicInterestIT {
    private static KafkaCluster kafka;

    @BeforeAll
    static void start(@OwnCluster(faultProxy = true) KafkaCluster cluster) {
        kafka = cluster;
    }

    @AfterEach
    void stopRewriting() {
        for (ApiKey api : List.of(ApiKey.METADATA, ApiKey.FETCH)) {
            proxy().rewriteResponses(api.id(), 0, f -> new FaultProxy.Rewritten(f, false));
        }
    }

    private static FaultProxy proxy() {
        return kafka.proxy(1);
    }

    /**
     * A consumer-protocol member subscribed to [t, u] is assigned both by the broker, but its metadata
     * does not name u (every Metadata answer reports it unknown, as while a just-created topic has not
     * reached the broker answering): t must be read meanwhile, and u once metadata names it.
     */
    @Test
    void aKip848MemberReadsTheTopicsMetadataNamesWhileAnotherTopicIdIsStillUnknown() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String t = "known-" + suffix;
        String u = "unnamed-" + suffix;
        Set<String> hidden = ConcurrentHashMap.newKeySet();
        try (Admin admin = admin(); KafkaProducer<String, String> producer = producer()) {
            admin.createTopics(List.of(new NewTopic(t, 1, (short) 1), new NewTopic(u, 1, (short) 1))).all()
                    .get(60, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(t, 0, null, "t")).get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(u, 0, null, "u")).get(30, TimeUnit.SECONDS);
            hidden.add(u);
            proxy().rewriteResponses(ApiKey.METADATA.id(), Integer.MAX_VALUE, f -> metadata(f, r -> r.topics().forEach(m -> {
                if (hidden.contains(m.name())) {
                    m.setErrorCode(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code()).setTopicId(new UUID(0, 0));
                    m.partitions().clear();
                }
            })));
            try (dev.skein.consumer.Consumer<String, String> c = dev.skein.consumer.Consumer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).groupId("unresolved-" + suffix)
                    .groupProtocol(GroupProtocol.CONSUMER).offsetReset(OffsetReset.EARLIEST)
                    .allowAutoCreateTopics(false).build()) {
                c.subscribe(List.of(t, u));
                Set<String> read = ConcurrentHashMap.newKeySet();
                Await.until("t's record read while metadata does not name u", Duration.ofSeconds(30), () -> {
                    c.poll(Duration.ofMillis(100)).forEach(r -> read.add(r.value()));
                    return read.contains("t");
                });
                assertEquals(Set.of(new TopicPartition(t, 0)), c.assignment(), "u's partition waits for metadata");
                hidden.clear();
                Await.until("u's record read once metadata names u", Duration.ofSeconds(30), () -> {
                    c.poll(Duration.ofMillis(100)).forEach(r -> read.add(r.value()));
                    return read.contains("u");
                });
                assertEquals(Set.of(new TopicPartition(t, 0), new TopicPartition(u, 0)), c.assignment());
            }
        }
    }

    /**
     * subscribe([a]) then subscribe([b]): once b is assigned, Metadata requests name b and no longer a;
     * then unsubscribe() and assign() a partition of c: they name c only. Each Metadata answer names the
     * topics its request asked for; the answers are read (not changed) through the proxy.
     */
    @Test
    void topicsOfAnEarlierSubscriptionOrAssignmentLeaveTheMetadataRequests() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String a = "before-" + suffix;
        String b = "after-" + suffix;
        String other = "assigned-" + suffix;
        List<Set<String>> answers = new CopyOnWriteArrayList<>();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(a, 1, (short) 1), new NewTopic(b, 1, (short) 1),
                    new NewTopic(other, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            proxy().rewriteResponses(ApiKey.METADATA.id(), Integer.MAX_VALUE, f -> metadata(f, r -> {
                Set<String> named = ConcurrentHashMap.newKeySet();
                r.topics().forEach(m -> named.add(m.name()));
                answers.add(named);
            }));
            try (dev.skein.consumer.Consumer<String, String> c = dev.skein.consumer.Consumer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).groupId("interest-" + suffix)
                    .groupProtocol(GroupProtocol.CLASSIC).delivery(Delivery.MANUAL).allowAutoCreateTopics(false)
                    .property("metadata.max.age.ms", 200).build()) {
                c.subscribe(List.of(a));
                awaitAssignment(c, Set.of(new TopicPartition(a, 0)));
                c.subscribe(List.of(b));
                awaitAssignment(c, Set.of(new TopicPartition(b, 0)));
                assertOnlyAskedFor(c, answers, b, a);

                c.unsubscribe();
                c.assign(List.of(new TopicPartition(other, 0)));
                assertOnlyAskedFor(c, answers, other, b);
            }
        }
    }

    /**
     * A share consumer subscribed to a, then to b: once the broker's assignment has moved to b, a must
     * leave its Metadata requests (it stayed there for the consumer's life, and every refresh described
     * every topic it had ever subscribed to); after unsubscribe() neither is asked for.
     */
    @Test
    void aShareConsumersMetadataLeavesATopicItNoLongerSubscribesTo() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String a = "share-before-" + suffix;
        String b = "share-after-" + suffix;
        List<Set<String>> answers = new CopyOnWriteArrayList<>();
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(a, 1, (short) 1), new NewTopic(b, 1, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
        }
        String group = ShareConsumerIT.shareGroup(kafka, "interest");
        proxy().rewriteResponses(ApiKey.METADATA.id(), Integer.MAX_VALUE, f -> metadata(f, r -> {
            Set<String> named = ConcurrentHashMap.newKeySet();
            r.topics().forEach(m -> named.add(m.name()));
            answers.add(named);
        }));
        try (ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).property("metadata.max.age.ms", 200).build()) {
            Runnable poll = () -> c.poll(Duration.ofMillis(50));
            c.subscribe(List.of(a));
            assertLeavesRequests(poll, answers, a, b);
            c.subscribe(List.of(b));
            assertLeavesRequests(poll, answers, b, a);
            c.unsubscribe();
            answers.clear();
            Await.until("three Metadata answers after unsubscribe()", Duration.ofSeconds(30), () -> answers.size() >= 4);
            List<Set<String>> seen = List.copyOf(answers.subList(1, answers.size()));
            assertTrue(seen.stream().noneMatch(s -> s.contains(a) || s.contains(b)), "still asked for: " + seen);
        }
    }

    /**
     * An assign()ed consumer read ten records of r (position 10, not committed). r is deleted and created
     * again, empty; the consumer's metadata learns the new topic id while the application does not poll.
     * No Fetch of the new incarnation may use position 10 (the broker would answer OFFSET_OUT_OF_RANGE,
     * or serve records past the ones never read), and {@code commitSync()} must not commit 10 for the new
     * topic. The next polls read the new topic from its start (auto.offset.reset earliest).
     */
    @Test
    void aRecreatedTopicIsNeitherFetchedNorCommittedFromAPositionOfItsOldIncarnation() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String r = "reborn-" + suffix;
        TopicPartition r0 = new TopicPartition(r, 0);
        List<UUID> metadataIds = new CopyOnWriteArrayList<>();
        Map<UUID, Set<ErrorCode>> fetchErrors = new ConcurrentHashMap<>();
        try (Admin admin = admin(); KafkaProducer<String, String> producer = producer();
             dev.skein.consumer.Consumer<String, String> c = dev.skein.consumer.Consumer.builder(Serdes.string(), Serdes.string())
                     .bootstrapServers(kafka.bootstrapServers()).groupId("reborn-" + suffix)
                     .delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).allowAutoCreateTopics(false)
                     .property("metadata.max.age.ms", 200).build()) {
            admin.createTopics(List.of(new NewTopic(r, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(r, 0, null, "old-" + i)).get(30, TimeUnit.SECONDS);
            }
            c.assign(List.of(r0));
            int[] read = {0};
            Await.until("the old incarnation's ten records read", Duration.ofSeconds(30), () -> {
                read[0] += c.poll(Duration.ofMillis(100)).count();
                return read[0] == 10;
            });
            assertEquals(10, c.position(r0));
            proxy().rewriteResponses(ApiKey.METADATA.id(), Integer.MAX_VALUE, f -> metadata(f, m -> m.topics().forEach(t -> {
                if (r.equals(t.name()) && t.errorCode() == ErrorCode.NONE.code()) {
                    metadataIds.add(t.topicId());
                }
            })));
            proxy().rewriteResponses(ApiKey.FETCH.id(), Integer.MAX_VALUE, f -> ResponseRewrite.changed(f,
                    FetchResponse.HIGHEST_SUPPORTED_VERSION, (short) 12, FetchResponse::read, resp ->
                            resp.responses().forEach(t -> t.partitions().forEach(p -> fetchErrors
                                    .computeIfAbsent(t.topicId(), k -> ConcurrentHashMap.newKeySet())
                                    .add(ErrorCode.forCode(p.errorCode()))))));

            admin.deleteTopics(List.of(r)).all().get(30, TimeUnit.SECONDS);
            Uuid created = admin.createTopics(List.of(new NewTopic(r, 1, (short) 1))).topicId(r).get(60, TimeUnit.SECONDS);
            UUID newId = new UUID(created.getMostSignificantBits(), created.getLeastSignificantBits());
            // The second answer naming the new id was asked for only once the first had been applied.
            Await.until("two Metadata answers naming r's new topic id", Duration.ofSeconds(30),
                    () -> metadataIds.stream().filter(newId::equals).count() >= 2);

            c.commitSync();
            Map<TopicPartition, OffsetAndMetadata> committed = c.committed(Set.of(r0));
            assertNull(committed.get(r0), "the old incarnation's position 10 was committed for the new topic: " + committed);
            assertTrue(!fetchErrors.getOrDefault(newId, Set.of()).contains(ErrorCode.OFFSET_OUT_OF_RANGE),
                    "a Fetch of the new incarnation used the old position 10: " + fetchErrors.get(newId));

            producer.send(new ProducerRecord<>(r, 0, null, "new-0")).get(30, TimeUnit.SECONDS);
            List<Long> offsets = new CopyOnWriteArrayList<>();
            Await.until("the new incarnation read from its start", Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(100)).forEach(rec -> offsets.add(rec.offset()));
                return !offsets.isEmpty();
            });
            assertEquals(List.of(0L), offsets);
        }
    }

    /**
     * An {@link ExactlyOnceProcessor} read ten records of r; while its transform holds the batch, r is deleted
     * and created again, and the consumer's metadata learns the new id. The batch's offsets (10) go in a
     * TxnOffsetCommit, which names topics only (no topic id, unlike OffsetCommit v10): sent, they would be
     * committed for the new topic, whose records 0-9 no one has read (a member starting then would skip them).
     * They must be left out; the outputs of the old records, which can never be read again, still commit.
     * Then the processor reads the new topic from its start.
     */
    @Test
    void anExactlyOnceBatchOfARecreatedTopicDoesNotCommitItsOffsetsForTheNewTopic() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String r = "eos-reborn-" + suffix;
        String out = "eos-reborn-out-" + suffix;
        String group = "eos-reborn-" + suffix;
        List<UUID> metadataIds = new CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch inTransform = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch recreated = new java.util.concurrent.CountDownLatch(1);
        try (Admin admin = admin(); KafkaProducer<String, String> producer = producer()) {
            admin.createTopics(List.of(new NewTopic(r, 1, (short) 1), new NewTopic(out, 1, (short) 1)))
                    .all().get(60, TimeUnit.SECONDS);
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
                java.util.concurrent.CompletableFuture<Integer> first = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    int n = 0;
                    while (n == 0) {
                        n = copier.processOnce(Duration.ofMillis(200), copy);
                    }
                    return n;
                });
                assertTrue(inTransform.await(60, TimeUnit.SECONDS), "the batch of old records reached the transform");
                proxy().rewriteResponses(ApiKey.METADATA.id(), Integer.MAX_VALUE, f -> metadata(f, m -> m.topics().forEach(t -> {
                    if (r.equals(t.name()) && t.errorCode() == ErrorCode.NONE.code()) {
                        metadataIds.add(t.topicId());
                    }
                })));
                admin.deleteTopics(List.of(r)).all().get(30, TimeUnit.SECONDS);
                Uuid created = admin.createTopics(List.of(new NewTopic(r, 1, (short) 1))).topicId(r).get(60, TimeUnit.SECONDS);
                UUID newId = new UUID(created.getMostSignificantBits(), created.getLeastSignificantBits());
                Await.until("three Metadata answers naming r's new topic id", Duration.ofSeconds(30),
                        () -> metadataIds.stream().filter(newId::equals).count() >= 3);
                for (int i = 0; i < 20; i++) {
                    producer.send(new ProducerRecord<>(r, 0, null, "new-" + i)).get(30, TimeUnit.SECONDS);
                }
                recreated.countDown();
                first.get(60, TimeUnit.SECONDS);

                Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                assertNull(committed.get(new org.apache.kafka.common.TopicPartition(r, 0)),
                        "the old incarnation's offset was committed for the new topic: " + committed);

                int[] copiedNew = {0};
                Await.until("the new topic copied from its start", Duration.ofSeconds(60), () -> {
                    copiedNew[0] += copier.processOnce(Duration.ofMillis(200), copy);
                    return copiedNew[0] >= 20;
                });
            }
        }
        List<String> expected = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add("old-" + i);
        }
        for (int i = 0; i < 20; i++) {
            expected.add("new-" + i);
        }
        assertEquals(List.of(expected), ExactlyOnceIT.readCommitted(kafka, out, 1),
                "the old records copied once, then the new topic from its start");
    }

    /**
     * A topic deleted and created again under a subscribed consumer: its listener hears the old
     * incarnation's partitions go, then the new one's come (the same partitions by name). The group may
     * move them itself (a classic leader that saw the topic gone revokes them, and assigns them once it is
     * back); if it does not (a KIP-848 member, whose assignment names topic ids, or a classic leader that
     * saw only the new id), they are lost, then assigned. A commit the listener makes as they go (for
     * the old log's end) is left out; the new log is read from its start.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"classic", "consumer"})
    void aSubscribedConsumersListenerHearsARecreatedTopicsPartitionsLostThenAssigned(String protocol) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String r = "reborn-heard-" + suffix;
        String group = "reborn-heard-" + suffix;
        TopicPartition tp = new TopicPartition(r, 0);
        List<String> heard = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean oldLogGone = new java.util.concurrent.atomic.AtomicBoolean();
        try (Admin admin = admin(); KafkaProducer<String, String> producer = producer()) {
            admin.createTopics(List.of(new NewTopic(r, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(r, 0, null, "old-" + i)).get(30, TimeUnit.SECONDS);
            }
            try (dev.skein.consumer.Consumer<String, String> c = dev.skein.consumer.Consumer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).groupId(group).delivery(Delivery.MANUAL)
                    .offsetReset(OffsetReset.EARLIEST).property("group.protocol", protocol)
                    .property("metadata.max.age.ms", 200).build()) {
                c.subscribe(List.of(r), new RebalanceListener() {
                    @Override
                    public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                        heard.add("assigned " + partitions);
                    }

                    @Override
                    public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
                        heard.add("revoked " + partitions);
                        if (partitions.contains(tp) && oldLogGone.compareAndSet(false, true)) {
                            c.commitSync(Map.of(tp, OffsetAndMetadata.of(5))); // the old log's end
                        }
                    }

                    @Override
                    public void onPartitionsLost(java.util.Collection<TopicPartition> partitions) {
                        heard.add("lost " + partitions);
                        if (partitions.contains(tp) && oldLogGone.compareAndSet(false, true)) {
                            c.commitSync(Map.of(tp, OffsetAndMetadata.of(5))); // the old log's end
                        }
                    }
                });
                List<String> read = new CopyOnWriteArrayList<>();
                Await.until("the old records read", Duration.ofSeconds(60), () -> {
                    c.poll(Duration.ofMillis(100)).forEach(rec -> read.add(rec.value()));
                    return read.size() >= 5;
                });
                c.commitSync();
                recreate(admin, r);
                try {
                    Await.until("the listener told " + tp + " went, then came", Duration.ofSeconds(60), () -> {
                        c.poll(Duration.ofMillis(100)).forEach(rec -> read.add(rec.value()));
                        List<String> since = List.copyOf(heard);
                        since = since.subList(since.indexOf("assigned [" + tp + "]") + 1, since.size()); // after the first
                        int gone = Math.max(since.indexOf("lost [" + tp + "]"), since.indexOf("revoked [" + tp + "]"));
                        return gone >= 0 && since.subList(gone, since.size()).contains("assigned [" + tp + "]");
                    });
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "; heard " + heard, e);
                }
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>(r, 0, null, "new-" + i)).get(30, TimeUnit.SECONDS);
                }
                Await.until("the new records read", Duration.ofSeconds(60), () -> {
                    c.poll(Duration.ofMillis(100)).forEach(rec -> read.add(rec.value()));
                    return read.contains("new-2");
                });
                assertEquals(List.of("old-0", "old-1", "old-2", "old-3", "old-4", "new-0", "new-1", "new-2"), read,
                        "the new log from its start; heard: " + heard);
            }
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            assertNull(committed.get(new org.apache.kafka.common.TopicPartition(r, 0)),
                    "the commit made as the old log went landed on the new topic: " + committed + "; heard: " + heard);
        }
    }

    /**
     * A parallel processor whose records of a topic are still running when the topic is deleted and
     * created again: their work belongs to the old log. When they finish, nothing is committed for the
     * new topic from them (a member taking over would otherwise skip the new topic's first records).
     */
    @Test
    void aParallelProcessorCommitsNothingOfAnOldIncarnationForTheRecreatedTopic() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String r = "reborn-parallel-" + suffix;
        String group = "reborn-parallel-" + suffix;
        List<UUID> metadataIds = new CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch recreated = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger returned = new java.util.concurrent.atomic.AtomicInteger();
        try (Admin admin = admin(); KafkaProducer<String, String> producer = producer()) {
            admin.createTopics(List.of(new NewTopic(r, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(r, 0, null, "old-" + i)).get(30, TimeUnit.SECONDS);
            }
            ParallelProcessor<String, String> processor = ParallelProcessor.builder(Serdes.string().deserializer(),
                            Serdes.string().deserializer())
                    .bootstrapServers(kafka.bootstrapServers()).groupId(group).topics(r).offsetReset(OffsetReset.EARLIEST)
                    .ordering(ParallelProcessor.Ordering.UNORDERED).commitInterval(Duration.ofMillis(100))
                    .drainTimeout(Duration.ofSeconds(1)).property("metadata.max.age.ms", 200).build();
            java.util.concurrent.CompletableFuture<Void> running = java.util.concurrent.CompletableFuture.runAsync(() ->
                    processor.run(rec -> {
                        if (rec.value().startsWith("old-")) {
                            started.incrementAndGet();
                            try {
                                recreated.await(60, TimeUnit.SECONDS);
                            } finally {
                                returned.incrementAndGet();
                            }
                        }
                    }));
            try {
                Await.until("every old record running", Duration.ofSeconds(60), () -> started.get() == 10);
                proxy().rewriteResponses(ApiKey.METADATA.id(), Integer.MAX_VALUE, f -> metadata(f, m -> m.topics().forEach(t -> {
                    if (r.equals(t.name()) && t.errorCode() == ErrorCode.NONE.code()) {
                        metadataIds.add(t.topicId());
                    }
                })));
                UUID newId = recreate(admin, r);
                Await.until("three Metadata answers naming r's new topic id", Duration.ofSeconds(30),
                        () -> metadataIds.stream().filter(newId::equals).count() >= 3);
            } finally {
                recreated.countDown();
            }
            Await.until("every old record's handler returned", Duration.ofSeconds(30), () -> returned.get() == 10);
            processor.close(); // drains and commits what is done
            running.get(60, TimeUnit.SECONDS);
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            org.apache.kafka.clients.consumer.OffsetAndMetadata c = committed.get(new org.apache.kafka.common.TopicPartition(r, 0));
            assertTrue(c == null || c.offset() == 0, "the old incarnation's work was committed for the new topic: " + committed);
        }
    }

    /**
     * Deletes {@code topic} and waits until it exists again under a new id: created here once the deletion
     * has gone through, or by a consumer's Metadata request first (they may create topics); returns the id.
     */
    private static UUID recreate(Admin admin, String topic) throws Exception {
        Uuid old = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).topicId();
        admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        Uuid created = Await.value("topic " + topic + " created again", Duration.ofSeconds(60), () -> {
            try {
                return admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).topicId(topic).get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                    throw e;
                }
                Uuid now = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).topicId();
                return now.equals(old) ? null : now; // still being deleted, or created again by a consumer
            }
        });
        return new UUID(created.getMostSignificantBits(), created.getLeastSignificantBits());
    }

    private static void awaitAssignment(dev.skein.consumer.Consumer<String, String> c, Set<TopicPartition> expected) {
        Await.until("assignment " + expected, Duration.ofSeconds(60), () -> {
            c.poll(Duration.ofMillis(100));
            return c.assignment().equals(expected);
        });
    }

    /**
     * Waits for Metadata answers naming {@code wanted}; once one came, the next three must all leave
     * {@code left} out (the first may answer a request sent before the change).
     */
    private static void assertOnlyAskedFor(dev.skein.consumer.Consumer<String, String> c, List<Set<String>> answers,
                                           String wanted, String left) {
        answers.clear();
        Await.until("a Metadata answer naming " + wanted, Duration.ofSeconds(30), () -> {
            c.poll(Duration.ofMillis(50));
            return answers.stream().anyMatch(s -> s.contains(wanted));
        });
        answers.clear();
        Await.until("three more Metadata answers naming " + wanted, Duration.ofSeconds(30), () -> {
            c.poll(Duration.ofMillis(50));
            return answers.stream().filter(s -> s.contains(wanted)).count() >= 3;
        });
        List<Set<String>> seen = List.copyOf(answers);
        assertTrue(seen.stream().noneMatch(s -> s.contains(left)), left + " is still asked for: " + seen);
    }

    /**
     * Waits for Metadata answers naming {@code wanted} without {@code left} (a share member keeps the
     * topics of its assignment described until the broker moves it), then the next three must all leave
     * {@code left} out: it does not come back.
     */
    private static void assertLeavesRequests(Runnable poll, List<Set<String>> answers, String wanted, String left) {
        answers.clear();
        Await.until("a Metadata answer naming " + wanted + " and not " + left, Duration.ofSeconds(30), () -> {
            poll.run();
            return answers.stream().anyMatch(s -> s.contains(wanted) && !s.contains(left));
        });
        answers.clear();
        Await.until("three more Metadata answers naming " + wanted, Duration.ofSeconds(30), () -> {
            poll.run();
            return answers.stream().filter(s -> s.contains(wanted)).count() >= 3;
        });
        List<Set<String>> seen = List.copyOf(answers);
        assertTrue(seen.stream().noneMatch(s -> s.contains(left)), left + " is asked for again: " + seen);
    }

    private static FaultProxy.Rewritten metadata(ByteBuf frame, Consumer<MetadataResponse> look) {
        try {
            return ResponseRewrite.changed(frame, MetadataResponse.HIGHEST_SUPPORTED_VERSION, (short) 9,
                    MetadataResponse::read, look);
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
