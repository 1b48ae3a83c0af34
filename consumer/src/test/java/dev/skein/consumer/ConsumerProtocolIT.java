package dev.skein.consumer;

import dev.skein.admin.Admin;
import dev.skein.admin.GroupDescription;
import dev.skein.admin.GroupType;
import dev.skein.consumer.ConsumerGroupIT.Member;
import dev.skein.core.ClientResources;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiVersionsRequest;
import dev.skein.core.message.ApiVersionsResponse;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.skein.consumer.ConsumerGroupIT.exactlyOnce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the KIP-848 consumer group protocol promises beyond the group invariants that
 * {@link ConsumerGroupIT} checks on both protocols: no stop-the-world rebalance, fencing, broker-side
 * regex subscriptions, and groups upgraded from classic members.
 */
@ExtendWith(KafkaClusterExtension.class)
class ConsumerProtocolIT {

    @Test
    void aMemberJoiningABusyGroupOfThreeDoesNotStopTheOthers(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "kip848-busy", 6);
        String group = "kip848-busy-" + UUID.randomUUID();
        List<String> events = new CopyOnWriteArrayList<>();
        List<Member> members = new ArrayList<>();
        ConsumerIT.BackgroundProducer producer = null;
        try {
            for (int i = 0; i < 3; i++) {
                members.add(new Member(kafka, group, topic, "consumer", null, events));
            }
            assertTrue(Await.holds(() -> exactlyOnce(members, 6) && members.stream().allMatch(m -> m.owned.size() == 2),
                    Duration.ofSeconds(60)), "three members share six partitions: " + events);
            producer = new ConsumerIT.BackgroundProducer(kafka, topic, 20);
            assertTrue(Await.holds(() -> members.stream().allMatch(m -> m.values.size() > 100), Duration.ofSeconds(30)));
            List<Member> old = List.copyOf(members);
            events.clear();
            long joinStart = System.nanoTime();
            Member joiner = new Member(kafka, group, topic, "consumer", null, events);
            members.add(joiner);
            assertTrue(Await.holds(() -> exactlyOnce(members, 6) && members.stream().allMatch(m -> !m.owned.isEmpty()),
                    Duration.ofSeconds(60)), "four members share six partitions: " + events);
            long joinEnd = System.nanoTime();
            for (int i = 0; i < old.size(); i++) {
                long during = old.get(i).receivedBetween(joinStart, joinEnd);
                assertTrue(during > 0, "member " + i + " kept receiving while the fourth joined ("
                        + TimeUnit.NANOSECONDS.toMillis(joinEnd - joinStart) + " ms): " + during + " records");
            }
            assertEquals(joiner.owned.size(), ConsumerGroupIT.revokedCount(events), "only what moved to the newcomer was revoked: " + events);
            assertTrue(events.stream().noneMatch(e -> e.contains(" lost ")), "nothing lost: " + events);
        } finally {
            if (producer != null) {
                producer.close();
            }
            for (Member m : members) {
                m.close();
            }
        }
    }

    @Test
    void aMemberFrozenPastTheSessionIsFencedItsLateCommitFailsAndItRejoins(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "kip848-fenced", 4);
        String group = "kip848-fenced-" + UUID.randomUUID();
        ConsumerIT.groupSession(kafka, group, Duration.ofSeconds(3));
        List<Collection<TopicPartition>> lost = new CopyOnWriteArrayList<>();
        // A has an event loop of its own: blocking it freezes A's network side the way a long GC pause
        // or a stopped process would, while this thread plays A's application.
        try (ClientResources io = ClientResources.builder().ioThreads(1).build();
             Consumer<String, String> a = Consumer.builder(Serdes.string(), Serdes.string())
                     .bootstrapServers(kafka.bootstrapServers()).groupId(group).groupProtocol(GroupProtocol.CONSUMER)
                     .delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).resources(io).build();
             Member b = new Member(kafka, group, topic, "consumer", null, new CopyOnWriteArrayList<>())) {
            a.subscribe(List.of(topic), new RebalanceListener() {
                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    lost.add(partitions);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(a.assignment().size() == 2 && b.owned.size() == 2) && System.nanoTime() < deadline) {
                a.poll(Duration.ofMillis(100));
            }
            ConsumerIT.produce(kafka, topic, 400, "none"); // now, so that A has its share to read
            int read = 0;
            while (read == 0 && System.nanoTime() < deadline) {
                read += a.poll(Duration.ofMillis(100)).count();
            }
            assertTrue(a.assignment().size() == 2 && b.owned.size() == 2 && read > 0, "A and B share the partitions"
                    + " and A read some: A " + a.assignment() + " read " + read + ", B " + b.owned);
            Set<TopicPartition> aHad = Set.copyOf(a.assignment());

            CountDownLatch thawed = new CountDownLatch(1);
            io.eventLoops().next().execute(() -> {
                try {
                    Thread.sleep(8_000); // the fault: A's event loop frozen past its session timeout
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    thawed.countDown();
                }
            });
            assertTrue(Await.holds(() -> b.owned.size() == 4, Duration.ofSeconds(20)),
                    "the broker fenced A after the session timeout and gave B everything: " + b.owned);
            assertTrue(thawed.await(20, TimeUnit.SECONDS));

            assertThrows(CommitFailedException.class, a::commitSync, "A's late commit, of positions read under"
                    + " an epoch the group no longer knows, fails");
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(lost.size() == 1 && a.assignment().size() == 2 && b.owned.size() == 2) && System.nanoTime() < deadline) {
                a.poll(Duration.ofMillis(100));
            }
            assertEquals(List.of(aHad), List.copyOf(lost), "the next poll() reports A's partitions as lost, once");
            assertEquals(2, a.assignment().size(), "A rejoined and shares the partitions with B again");
            assertEquals(2, b.owned.size());
        }
    }

    @Test
    void aBrokerMatchedPatternPicksUpTopicsCreatedLater(KafkaCluster kafka) throws Exception {
        String prefix = "re2" + UUID.randomUUID().toString().substring(0, 6);
        String first = ConsumerIT.topic(kafka, prefix + "-a", 2);
        ConsumerIT.topic(kafka, "x" + prefix + "-a", 1); // does not match: the whole name must
        ConsumerIT.produce(kafka, first, 10, "none");
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId("re2-" + UUID.randomUUID()).groupProtocol(GroupProtocol.CONSUMER)
                .offsetReset(OffsetReset.EARLIEST).build()) {
            c.subscribe(SubscriptionPattern.of(prefix + "-[ab]-.*"), null); // topic() adds "-<random>"
            List<String> topics = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (topics.size() < 10 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(r -> topics.add(r.topic()));
            }
            assertEquals(Set.of(new TopicPartition(first, 0), new TopicPartition(first, 1)), c.assignment());
            assertEquals(10, topics.size(), "the matching topic's records are read");
            String second = ConsumerIT.topic(kafka, prefix + "-b", 1);
            ConsumerIT.produce(kafka, second, 5, "none");
            topics.clear();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (topics.size() < 5 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(r -> topics.add(r.topic()));
            }
            assertEquals(3, c.assignment().size(), "the broker added the new topic to the subscription");
            assertEquals(List.of(second, second, second, second, second), topics);
        }
        try (Consumer<String, String> classic = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId("re2-" + UUID.randomUUID()).groupProtocol(GroupProtocol.CLASSIC)
                .build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> classic.subscribe(SubscriptionPattern.of(prefix + ".*"), null));
            assertTrue(e.getMessage().contains("classic"), e.getMessage());
        }
    }

    /** A reference consumer on the classic protocol, polling on its own thread. */
    static final class ReferenceMember implements AutoCloseable {
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        final Set<String> values = ConcurrentHashMap.newKeySet();
        final Thread thread;
        volatile boolean running = true;

        ReferenceMember(KafkaCluster kafka, String group, String topic) {
            thread = new Thread(() -> {
                try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers",
                        kafka.bootstrapServers(), "group.id", group, "group.protocol", "classic",
                        "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
                    c.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                        @Override
                        public void onPartitionsRevoked(Collection<org.apache.kafka.common.TopicPartition> ps) {
                            ps.forEach(p -> owned.remove(new TopicPartition(p.topic(), p.partition())));
                        }

                        @Override
                        public void onPartitionsAssigned(Collection<org.apache.kafka.common.TopicPartition> ps) {
                            ps.forEach(p -> owned.add(new TopicPartition(p.topic(), p.partition())));
                        }
                    });
                    while (running) {
                        c.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
                    }
                }
            });
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(30_000);
        }
    }

    @Test
    void aClassicGroupKeepsWorkingWhenConsumerProtocolMembersJoin(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "kip848-upgrade", 6);
        String group = "kip848-upgrade-" + UUID.randomUUID();
        ConsumerIT.produce(kafka, topic, 1_000, "none", "before-");
        List<String> events = new CopyOnWriteArrayList<>();
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build();
             ReferenceMember ref = new ReferenceMember(kafka, group, topic);
             Member skeinClassic = new Member(kafka, group, topic, "classic", null, events)) {
            assertTrue(Await.holds(() -> !ref.owned.isEmpty() && !skeinClassic.owned.isEmpty()
                    && disjointAndComplete(6, ref.owned, skeinClassic.owned), Duration.ofSeconds(60)),
                    "a classic group of a reference and a Skein member: " + ref.owned + " " + skeinClassic.owned);
            assertEquals(GroupType.CLASSIC, describe(admin, group).type());

            try (Member modern = new Member(kafka, group, topic, "consumer", null, events)) {
                assertTrue(Await.holds(() -> !ref.owned.isEmpty() && !skeinClassic.owned.isEmpty() && !modern.owned.isEmpty()
                        && disjointAndComplete(6, ref.owned, skeinClassic.owned, modern.owned), Duration.ofSeconds(60)),
                        "all three share the partitions: " + ref.owned + " " + skeinClassic.owned + " " + modern.owned
                                + " " + events);
                assertEquals(GroupType.CONSUMER, describe(admin, group).type(), "the broker upgraded the group");
                ConsumerIT.produce(kafka, topic, 1_000, "none", "after-");
                Set<String> expected = new HashSet<>();
                for (int i = 0; i < 1_000; i++) {
                    expected.add("before-" + i);
                    expected.add("after-" + i);
                }
                assertTrue(Await.holds(() -> {
                    Set<String> all = new HashSet<>(ref.values);
                    all.addAll(skeinClassic.values);
                    all.addAll(modern.values);
                    return all.containsAll(expected);
                }, Duration.ofSeconds(60)), "every record, before and after the upgrade, is read");
            }
        }
    }

    /**
     * A cluster that finalized {@code group.version} and lists ConsumerGroupHeartbeat, yet runs only the
     * classic protocol (as Kafka 3.7-3.9 list the API while the protocol is off): {@code auto} falls back
     * to classic when the first heartbeat is refused, and an explicit {@code consumer} fails clearly.
     */
    @Test
    void autoFallsBackToClassicWhenTheFirstHeartbeatIsRefused(
            @OwnCluster(config = "group.coordinator.rebalance.protocols=classic") KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "refused", 2);
        ConsumerIT.produce(kafka, topic, 20, "none");
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            ApiVersionsResponse versions = admin.<ApiVersionsResponse>send(dev.skein.admin.Target.anyBroker(),
                    new ApiVersionsRequest().setClientSoftwareName("skein-test").setClientSoftwareVersion("1"))
                    .get(30, TimeUnit.SECONDS);
            assertTrue(versions.apiKeys().stream().anyMatch(k -> k.apiKey() == ApiKey.CONSUMER_GROUP_HEARTBEAT.id())
                    && versions.finalizedFeatures().stream().anyMatch(f -> f.name().equals("group.version")
                    && f.maxVersionLevel() >= 1), "the cluster advertises the consumer protocol, so auto tries it first");

            String group = "refused-" + UUID.randomUUID();
            try (Consumer<String, String> c = ConsumerIT.builder(kafka).groupId(group).build()) { // group.protocol=auto
                c.subscribe(List.of(topic));
                assertEquals(20, ConsumerIT.pollUntil(c, 20, Duration.ofSeconds(60)).size(), "every record, once");
                assertEquals(GroupType.CLASSIC, describe(admin, group).type());
            }

            try (Consumer<String, String> c = ConsumerIT.builder(kafka).groupId("refused-" + UUID.randomUUID())
                    .groupProtocol(GroupProtocol.CONSUMER).build()) {
                c.subscribe(List.of(topic));
                UnsupportedVersionException e = assertThrows(UnsupportedVersionException.class, () -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (System.nanoTime() < deadline) {
                        c.poll(Duration.ofMillis(100));
                    }
                });
                assertTrue(e.getMessage().contains("ConsumerGroupHeartbeat") && e.getMessage().contains("group.protocol=classic"),
                        e.getMessage());
            }
        }
    }

    @SafeVarargs
    private static boolean disjointAndComplete(int partitions, Set<TopicPartition>... owners) {
        Set<TopicPartition> all = new HashSet<>();
        int total = 0;
        for (Set<TopicPartition> o : owners) {
            all.addAll(o);
            total += o.size();
        }
        return all.size() == partitions && total == partitions;
    }

    private static GroupDescription describe(Admin admin, String group) throws Exception {
        return admin.groups().describe(List.of(group)).get(group).get(30, TimeUnit.SECONDS);
    }
}
