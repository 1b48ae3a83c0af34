package dev.skein.consumer;

import dev.skein.core.ErrorCode;
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
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A topic deleted under running consumers (which do not create it again: {@code allow.auto.create.topics}
 * is off): a classic group's leader rebalances its partitions away
 * (as Apache Kafka's consumer, whose metadata snapshot counts a deleted topic as 0 partitions); a fetch
 * session forgets the deleted partitions by the topic id they were added with (KIP-516), so the broker
 * stops answering for them; and a partition the broker no longer knows is not fetched again until the
 * metadata was read again, so Fetch requests never go back to back. The other topic reads on throughout.
 */
@ExtendWith(KafkaClusterExtension.class)
class TopicDeletionIT {
    private static KafkaCluster proxied;

    @BeforeAll
    static void start(@OwnCluster(faultProxy = true) KafkaCluster cluster) {
        proxied = cluster;
    }

    /**
     * Two classic members list-subscribed to [a, b]; b is deleted. Its partitions must leave the
     * assignment (revoked or lost in the listener) within a bounded time, and a's records keep coming.
     */
    @Test
    void aDeletedTopicIsRebalancedAwayFromAClassicGroup(KafkaCluster kafka) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String a = "kept-" + suffix;
        String b = "deleted-" + suffix;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                     kafka.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            admin.createTopics(List.of(new NewTopic(a, 2, (short) 1), new NewTopic(b, 2, (short) 1))).all()
                    .get(60, TimeUnit.SECONDS);
            Map<Integer, Set<TopicPartition>> ownedBy = Map.of(1, ConcurrentHashMap.newKeySet(), 2,
                    ConcurrentHashMap.newKeySet());
            Set<TopicPartition> gone = ConcurrentHashMap.newKeySet();
            AtomicLong readOfA = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            List<Thread> members = List.of(1, 2).stream().map(i -> new Thread(() -> {
                Set<TopicPartition> owned = ownedBy.get(i);
                try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                        .bootstrapServers(kafka.bootstrapServers()).groupId("deletion-" + suffix)
                        .groupProtocol(GroupProtocol.CLASSIC).offsetReset(OffsetReset.EARLIEST).allowAutoCreateTopics(false)
                        .property("metadata.max.age.ms", 500).build()) {
                    c.subscribe(List.of(a, b), new RebalanceListener() {
                        @Override
                        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                            owned.addAll(partitions);
                        }

                        @Override
                        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                            owned.removeAll(partitions);
                            gone.addAll(partitions);
                        }

                        @Override
                        public void onPartitionsLost(Collection<TopicPartition> partitions) {
                            onPartitionsRevoked(partitions);
                        }
                    });
                    while (!stop.get()) {
                        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                            if (r.topic().equals(a)) {
                                readOfA.incrementAndGet();
                            }
                        }
                    }
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "member-" + i)).toList();
            members.forEach(Thread::start);
            try {
                Set<TopicPartition> all = Set.of(new TopicPartition(a, 0), new TopicPartition(a, 1),
                        new TopicPartition(b, 0), new TopicPartition(b, 1));
                Await.until("both topics assigned, two partitions to each member", Duration.ofSeconds(60),
                        () -> ownedBy.get(1).size() == 2 && ownedBy.get(2).size() == 2 && union(ownedBy).equals(all));
                gone.clear();
                admin.deleteTopics(List.of(b)).all().get(30, TimeUnit.SECONDS);
                Await.until("b's partitions leaving the assignment, revoked or lost", Duration.ofSeconds(30),
                        () -> union(ownedBy).stream().noneMatch(tp -> tp.topic().equals(b))
                                && gone.containsAll(Set.of(new TopicPartition(b, 0), new TopicPartition(b, 1))));
                long before = readOfA.get();
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>(a, i % 2, null, "after-" + i)).get(30, TimeUnit.SECONDS);
                }
                Await.until("a's records read after the deletion", Duration.ofSeconds(30),
                        () -> readOfA.get() >= before + 100);
                assertTrue(union(ownedBy).equals(Set.of(new TopicPartition(a, 0), new TopicPartition(a, 1))),
                        "a stays assigned: " + ownedBy);
            } finally {
                stop.set(true);
                for (Thread t : members) {
                    t.join(TimeUnit.SECONDS.toMillis(30));
                }
            }
            assertTrue(failed.get() == null, () -> "a member failed: " + failed.get());
        }
    }

    /**
     * An assign()ed consumer reads topics a and b in one fetch session; b is deleted. The session must
     * forget b's partition by the topic id it was added with: until then the broker answers for it in
     * every response (UNKNOWN_TOPIC_ID), at once, however long the fetch would otherwise wait. Each
     * Fetch answer is read (not changed) through the proxy.
     */
    @Test
    void aDeletedTopicLeavesTheFetchSession() throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String a = "session-kept-" + suffix;
        String b = "session-deleted-" + suffix;
        FaultProxy proxy = proxied.proxy(1);
        AtomicLong lastUnknown = new AtomicLong(System.nanoTime());
        AtomicInteger unknownAnswers = new AtomicInteger();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", proxied.bootstrapServers()));
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                     proxied.bootstrapServers()), new StringSerializer(), new StringSerializer());
             Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                     .bootstrapServers(proxied.bootstrapServers()).delivery(Delivery.MANUAL)
                     .offsetReset(OffsetReset.EARLIEST).allowAutoCreateTopics(false)
                     .property("metadata.max.age.ms", 500).build()) {
            admin.createTopics(List.of(new NewTopic(a, 1, (short) 1), new NewTopic(b, 1, (short) 1))).all()
                    .get(60, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(a, 0, null, "before")).get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(b, 0, null, "before")).get(30, TimeUnit.SECONDS);
            c.assign(List.of(new TopicPartition(a, 0), new TopicPartition(b, 0)));
            Set<String> readFrom = ConcurrentHashMap.newKeySet();
            Await.until("both topics read", Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(100)).forEach(r -> readFrom.add(r.topic()));
                return readFrom.containsAll(Set.of(a, b));
            });
            proxy.rewriteResponses(ApiKey.FETCH.id(), Integer.MAX_VALUE, f -> ResponseRewrite.changed(f,
                    FetchResponse.HIGHEST_SUPPORTED_VERSION, (short) 12, FetchResponse::read, r -> {
                        boolean unknown = r.responses().stream().flatMap(t -> t.partitions().stream())
                                .anyMatch(p -> p.errorCode() == ErrorCode.UNKNOWN_TOPIC_ID.code()
                                        || p.errorCode() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.code());
                        if (unknown) {
                            unknownAnswers.incrementAndGet();
                            lastUnknown.set(System.nanoTime());
                        }
                    }));
            try {
                admin.deleteTopics(List.of(b)).all().get(30, TimeUnit.SECONDS);
                lastUnknown.set(System.nanoTime());
                Await.until("3 s without a Fetch answer naming the deleted partition", Duration.ofSeconds(30), () -> {
                    c.poll(Duration.ofMillis(100));
                    return System.nanoTime() - lastUnknown.get() > TimeUnit.SECONDS.toNanos(3);
                });
                producer.send(new ProducerRecord<>(a, 0, null, "after")).get(30, TimeUnit.SECONDS);
                AtomicBoolean readAfter = new AtomicBoolean();
                Await.until("a read after the deletion", Duration.ofSeconds(30), () -> {
                    c.poll(Duration.ofMillis(100)).forEach(r -> readAfter.compareAndSet(false, r.value().equals("after")));
                    return readAfter.get();
                });
            } finally {
                proxy.rewriteResponses(ApiKey.FETCH.id(), 0, f -> new FaultProxy.Rewritten(f, false));
            }
        }
    }

    /**
     * The consumer's metadata lags the deletion (here the proxies keep showing the deleted topic as it
     * was, as a broker behind the controller would), while b's leader answers UNKNOWN_TOPIC_ID, at once
     * since the consumer fetches nothing else from it. The partition must not be fetched again until
     * metadata was read again: Fetch requests to that broker stay bounded by the metadata refresh rate,
     * not sent back to back, and a, led by the other broker, reads on.
     */
    @Test
    void aPartitionTheBrokerNoLongerKnowsIsNotFetchedBackToBack(@OwnCluster(brokers = 2, faultProxy = true)
                                                                KafkaCluster kafka) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String a = "storm-kept-" + suffix;
        String b = "storm-deleted-" + suffix;
        AtomicReference<MetadataResponse.MetadataResponseTopic> asItWas = new AtomicReference<>();
        AtomicBoolean frozen = new AtomicBoolean();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                     kafka.bootstrapServers()), new StringSerializer(), new StringSerializer());
             Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                     .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL)
                     .offsetReset(OffsetReset.EARLIEST).allowAutoCreateTopics(false).build()) {
            admin.createTopics(List.of(new NewTopic(a, Map.of(0, List.of(1))), new NewTopic(b, Map.of(0, List.of(2)))))
                    .all().get(60, TimeUnit.SECONDS);
            // Every Metadata answer naming b: remembered as it was, and once b is deleted, shown as it was.
            for (int node : List.of(1, 2)) {
                kafka.proxy(node).rewriteResponses(ApiKey.METADATA.id(), Integer.MAX_VALUE,
                        f -> staleTopic(f, b, asItWas, frozen));
            }
            producer.send(new ProducerRecord<>(b, 0, null, "before")).get(30, TimeUnit.SECONDS);
            c.assign(List.of(new TopicPartition(a, 0), new TopicPartition(b, 0)));
            Await.until("b read", Duration.ofSeconds(30), () -> !c.poll(Duration.ofMillis(100)).isEmpty());
            Await.until("b's metadata seen", Duration.ofSeconds(30), () -> asItWas.get() != null);
            frozen.set(true);
            admin.deleteTopics(List.of(b)).all().get(30, TimeUnit.SECONDS);
            // Listing names every topic the broker has: b is absent from the answer, which is not rewritten.
            Await.until("b gone from the brokers", Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(100));
                return !admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(b);
            });
            FaultProxy leaderOfB = kafka.proxy(2);
            int fetchesBefore = leaderOfB.requests(ApiKey.FETCH.id());
            int metadataBefore = metadataRequests(kafka);
            long start = System.nanoTime();
            int readOfA = 0;
            int sent = 0;
            for (long now = start; now - start < TimeUnit.SECONDS.toNanos(3); now = System.nanoTime()) {
                if (now - start >= sent * TimeUnit.MILLISECONDS.toNanos(100)) { // one record of a per 100 ms
                    producer.send(new ProducerRecord<>(a, 0, null, "a-" + sent++));
                }
                readOfA += c.poll(Duration.ofMillis(20)).count();
            }
            int fetches = leaderOfB.requests(ApiKey.FETCH.id()) - fetchesBefore;
            int metadata = metadataRequests(kafka) - metadataBefore;
            assertTrue(readOfA >= 10, "a kept being read: " + readOfA + " records in 3 s");
            // b comes back once per metadata answer, answered at once; a's broker is not counted.
            assertTrue(fetches <= 5 + 2 * metadata,
                    "Fetch requests to b's leader in 3 s: " + fetches + " with " + metadata + " metadata requests");
        } finally {
            for (int node : List.of(1, 2)) {
                kafka.proxy(node).rewriteResponses(ApiKey.METADATA.id(), 0, f -> new FaultProxy.Rewritten(f, false));
            }
        }
    }

    private static int metadataRequests(KafkaCluster kafka) {
        return kafka.proxy(1).requests(ApiKey.METADATA.id()) + kafka.proxy(2).requests(ApiKey.METADATA.id());
    }

    private static Set<TopicPartition> union(Map<Integer, Set<TopicPartition>> ownedBy) {
        Set<TopicPartition> all = new java.util.HashSet<>();
        ownedBy.values().forEach(all::addAll);
        return all;
    }

    /** A Metadata answer in which {@code topic} is shown as it was before {@code frozen} (deleted since). */
    private static FaultProxy.Rewritten staleTopic(ByteBuf frame, String topic,
                                                   AtomicReference<MetadataResponse.MetadataResponseTopic> asItWas,
                                                   AtomicBoolean frozen) {
        try {
            return ResponseRewrite.changed(frame, MetadataResponse.HIGHEST_SUPPORTED_VERSION, (short) 9,
                    MetadataResponse::read, r -> {
                        List<MetadataResponse.MetadataResponseTopic> topics = r.topics();
                        for (int i = 0; i < topics.size(); i++) {
                            if (topic.equals(topics.get(i).name())) {
                                if (!frozen.get() && topics.get(i).errorCode() == ErrorCode.NONE.code()) {
                                    asItWas.set(topics.get(i));
                                } else if (frozen.get() && asItWas.get() != null) {
                                    topics.set(i, asItWas.get());
                                }
                            }
                        }
                    });
        } catch (IllegalStateException notFlexible) {
            return new FaultProxy.Rewritten(frame, false);
        }
    }
}
