package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(KafkaClusterExtension.class)
class ConsumerGroupIT {

    /** A group member polling on its own thread, recording what it reads and owns. */
    static final class Member implements AutoCloseable {
        final Consumer<String, String> consumer;
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        final List<String> values = new CopyOnWriteArrayList<>();
        /** When records arrived: {System.nanoTime(), count} per non-empty poll. */
        final List<long[]> receipts = new CopyOnWriteArrayList<>();
        final Thread thread;
        final java.util.concurrent.ConcurrentLinkedQueue<Runnable> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
        volatile boolean running = true;

        Member(KafkaCluster kafka, String group, String topic, String assignor) {
            this(kafka, group, topic, assignor, null, new CopyOnWriteArrayList<>());
        }

        /**
         * {@code assignor}: "consumer" or "consumer:&lt;remote assignor&gt;" for the consumer protocol
         * (KIP-848); otherwise a classic member with that assignor ("classic" or null: the default list).
         */
        Member(KafkaCluster kafka, String group, String topic, String assignor, String instanceId, List<String> events) {
            ConsumerBuilder<String, String> b = Consumer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).groupId(group).offsetReset(OffsetReset.EARLIEST);
            if (assignor != null && assignor.startsWith("consumer")) {
                b.groupProtocol(GroupProtocol.CONSUMER);
                if (assignor.startsWith("consumer:")) {
                    b.remoteAssignor(assignor.substring("consumer:".length()));
                }
            } else {
                b.groupProtocol(GroupProtocol.CLASSIC).heartbeatInterval(Duration.ofMillis(300))
                        .sessionTimeout(Duration.ofSeconds(instanceId == null ? 10 : 30));
                if (assignor != null && !assignor.equals("classic")) {
                    b.assignors(ClassicAssignor.forName(assignor.startsWith("classic:") ? assignor.substring("classic:".length()) : assignor));
                }
            }
            if (instanceId != null) {
                b.property("group.instance.id", instanceId);
            }
            consumer = b.build();
            String who = instanceId == null ? "member" : instanceId;
            consumer.subscribe(List.of(topic), new RebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    owned.removeAll(partitions);
                    events.add(who + " revoked " + partitions.size());
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    owned.addAll(partitions);
                    events.add(who + " assigned " + partitions.size());
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    owned.removeAll(partitions);
                    events.add(who + " lost " + partitions.size());
                }
            });
            thread = new Thread(() -> {
                while (running) {
                    for (Runnable r; (r = tasks.poll()) != null; ) {
                        r.run();
                    }
                    ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(100));
                    if (!records.isEmpty()) {
                        receipts.add(new long[] {System.nanoTime(), records.count()});
                    }
                    records.forEach(r -> values.add(r.value()));
                }
                consumer.close();
            });
            thread.start();
        }

        /** Records received between two {@code System.nanoTime()} readings. */
        long receivedBetween(long fromNanos, long toNanos) {
            return receipts.stream().filter(r -> r[0] >= fromNanos && r[0] <= toNanos).mapToLong(r -> r[1]).sum();
        }

        /** Runs {@code f} on the polling thread (the consumer is not thread-safe). */
        <T> T onPoller(java.util.function.Function<Consumer<String, String>, T> f) throws Exception {
            java.util.concurrent.CompletableFuture<T> result = new java.util.concurrent.CompletableFuture<>();
            tasks.add(() -> {
                try {
                    result.complete(f.apply(consumer));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
            return result.get(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(30_000);
        }
    }

    /** Partitions revoked from non-static members, summed over the listener events "member revoked N". */
    static long revokedCount(List<String> events) {
        return events.stream().filter(e -> e.startsWith("member revoked")).mapToInt(e ->
                Integer.parseInt(e.substring(e.lastIndexOf(' ') + 1))).sum();
    }

    static boolean exactlyOnce(List<Member> members, int partitions) {
        Set<TopicPartition> all = new HashSet<>();
        int total = 0;
        for (Member m : members) {
            all.addAll(m.owned);
            total += m.owned.size();
        }
        return all.size() == partitions && total == partitions;
    }

    /** Classic members with each client-side assignor, and consumer-protocol members with each broker assignor. */
    @ParameterizedTest
    @ValueSource(strings = {"classic:range", "classic:roundrobin", "classic:sticky", "classic:cooperative-sticky",
            "consumer:uniform", "consumer:range"})
    void everyPartitionHasExactlyOneOwnerAfterEveryJoinAndLeave(String assignor, KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "group-" + assignor.replace(':', '-'), 6);
        ConsumerIT.produce(kafka, topic, 600, "none");
        String group = "g-" + UUID.randomUUID();
        List<Member> members = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                members.add(new Member(kafka, group, topic, assignor));
                List<Member> now = List.copyOf(members);
                // Evenly, once settled: with the consumer protocol a newcomer's partitions arrive one
                // revocation at a time, so "each owned once, none empty" (2/3/1) can hold on the way.
                assertTrue(Await.holds(() -> exactlyOnce(now, 6) && now.stream().allMatch(m -> m.owned.size() == 6 / now.size()),
                        Duration.ofSeconds(30)), "after join " + (i + 1) + " each member owns " + 6 / now.size()
                        + " partitions, each partition one owner");
            }
            assertTrue(Await.holds(() -> members.stream().mapToInt(m -> m.values.size()).sum() >= 600, Duration.ofSeconds(30)));
            Member leaving = members.remove(0);
            leaving.close();
            assertTrue(Await.holds(() -> exactlyOnce(members, 6), Duration.ofSeconds(30)), "after a leave");
        } finally {
            for (Member m : members) {
                m.close();
            }
        }
    }

    /** Default assignor lists on both sides (they match), then cooperative-sticky on both. */
    @ParameterizedTest
    @ValueSource(strings = {"default", "cooperative-sticky"})
    void aSkeinMemberAndAReferenceMemberShareAClassicGroupAndReadEverythingOnce(String assignor, KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "mixed-" + assignor, 4);
        ConsumerIT.produce(kafka, topic, 2_000, "none");
        String group = "mixed-" + UUID.randomUUID();
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<String> duplicates = new CopyOnWriteArrayList<>();
        Map<String, Object> refConfig = new java.util.HashMap<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "group.id", group, "auto.offset.reset", "earliest"));
        if (!assignor.equals("default")) {
            refConfig.put("partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        }
        try (Member skein = new Member(kafka, group, topic, assignor.equals("default") ? "classic" : assignor);
             KafkaConsumer<String, String> ref = new KafkaConsumer<>(refConfig, new StringDeserializer(), new StringDeserializer())) {
            ref.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                ref.poll(Duration.ofMillis(100)).forEach(r -> {
                    if (!seen.add(r.value())) {
                        duplicates.add(r.value());
                    }
                });
                Set<String> all = new HashSet<>(seen);
                all.addAll(skein.values);
                if (all.size() == 2_000 && !ref.assignment().isEmpty() && !skein.owned.isEmpty()) {
                    break;
                }
            }
            assertTrue(!ref.assignment().isEmpty() && !skein.owned.isEmpty(), "both members own partitions: ref "
                    + ref.assignment() + ", skein " + skein.owned);
            for (String v : skein.values) {
                if (!seen.add(v)) {
                    duplicates.add(v);
                }
            }
        }
        assertEquals(2_000, seen.size(), "everything is read");
        assertTrue(duplicates.isEmpty(), "nothing twice in a stable group: " + duplicates.size());
    }

    @Test
    void aPatternSubscriptionPicksUpTopicsCreatedLater(KafkaCluster kafka) throws Exception {
        String prefix = "pat" + UUID.randomUUID().toString().substring(0, 6);
        String first = ConsumerIT.topic(kafka, prefix + "-a", 2);
        ConsumerIT.topic(kafka, "other" + prefix, 1); // does not match: the pattern is anchored
        List<String> events = new CopyOnWriteArrayList<>();
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId("pat-" + UUID.randomUUID())
                .offsetReset(OffsetReset.EARLIEST).property("metadata.max.age.ms", 500).build()) {
            c.subscribe(java.util.regex.Pattern.compile(prefix + "-.*"), new RebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    events.add("assigned " + partitions);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (c.assignment().size() != 2 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100));
            }
            assertEquals(Set.of(new TopicPartition(first, 0), new TopicPartition(first, 1)), c.assignment());
            String second = ConsumerIT.topic(kafka, prefix + "-b", 1);
            ConsumerIT.produce(kafka, second, 5, "none");
            List<String> values = new ArrayList<>();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < 5 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.topic()));
            }
            assertEquals(3, c.assignment().size(), "the new topic joined the subscription: " + events);
            assertTrue(values.stream().allMatch(second::equals) && values.size() == 5, "and its records are read");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic:range", "consumer"})
    void aRestartedStaticMemberGetsItsPartitionsBackWithoutARebalance(String protocol, KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "static", 4);
        String group = "static-" + UUID.randomUUID();
        List<String> events = new CopyOnWriteArrayList<>();
        try (Member b = new Member(kafka, group, topic, protocol, "b", events)) {
            Member a = new Member(kafka, group, topic, protocol, "a", events);
            assertTrue(Await.holds(() -> a.owned.size() == 2 && b.owned.size() == 2, Duration.ofSeconds(30)),
                    "two static members share four partitions: " + events);
            Set<TopicPartition> before = Set.copyOf(a.owned);
            a.close(); // a static member does not leave: the group keeps its place for the session timeout
            events.clear();
            try (Member again = new Member(kafka, group, topic, protocol, "a", events)) {
                assertTrue(Await.holds(() -> again.owned.size() == 2, Duration.ofSeconds(30)), "a is back: " + events);
                Thread.sleep(1_000); // a negative check: time for b to see a rebalance, were there one
                assertEquals(before, Set.copyOf(again.owned), "the same partitions come back");
                assertTrue(events.stream().noneMatch(e -> e.startsWith("b ")), "b did not rebalance: " + events);
            }
        }
    }

    /**
     * Auto-commit ({@code enable.auto.commit} with {@link Delivery#MANUAL}) commits what {@code poll()}
     * returned before a partition moves to another member and on {@code close()}, as Apache Kafka's
     * auto-commit does, however long its interval: the new owner starts where this one stopped.
     */
    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void autoCommitCommitsWhatPollReturnedBeforeAPartitionMovesAndOnClose(String protocol, KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "autocommit", 2);
        ConsumerIT.produce(kafka, topic, 400, "none");
        String group = "autocommit-" + UUID.randomUUID();
        ConsumerBuilder<String, String> b = ConsumerIT.builder(kafka).groupId(group).delivery(Delivery.MANUAL)
                .property("enable.auto.commit", "true").property("auto.commit.interval.ms", "600000")
                .maxPollRecords(10).groupProtocol(GroupProtocol.forName(protocol));
        if (protocol.equals("classic")) {
            b.heartbeatInterval(Duration.ofMillis(300)).sessionTimeout(Duration.ofSeconds(10));
        }
        List<String> readByA = new ArrayList<>();
        Map<TopicPartition, Long> next = new java.util.HashMap<>(); // per partition, the offset after A's last record
        Set<TopicPartition> revoked = ConcurrentHashMap.newKeySet();
        Member other = null;
        try (Consumer<String, String> a = b.build()) {
            a.subscribe(List.of(topic), new RebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    revoked.addAll(partitions);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (next.size() < 2 && System.nanoTime() < deadline) { // a little of each partition
                poll(a, readByA, next);
            }
            assertEquals(2, next.size(), "A read from both partitions");
            other = new Member(kafka, group, topic, protocol.equals("consumer") ? "consumer" : "classic");
            Member b2 = other;
            while ((revoked.isEmpty() || b2.owned.isEmpty()) && System.nanoTime() < deadline) {
                poll(a, readByA, next);
            }
            assertTrue(!revoked.isEmpty() && !b2.owned.isEmpty(), "a partition moved from A to the new member");
            while (readByA.size() + b2.values.size() < 400 && System.nanoTime() < deadline) {
                poll(a, readByA, next);
            }
            List<String> all = new ArrayList<>(readByA);
            all.addAll(b2.values);
            assertEquals(400, Set.copyOf(all).size(), "every record was read");
            assertEquals(400, all.size(), "and none twice: the moved partition's new owner began where A stopped");
            Set<TopicPartition> kept = Set.copyOf(a.assignment());
            assertTrue(!kept.isEmpty(), "A kept a partition");
            a.close();
            try (Admin reference = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                var committed = reference.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                for (TopicPartition tp : kept) {
                    var c = committed.get(new org.apache.kafka.common.TopicPartition(tp.topic(), tp.partition()));
                    assertEquals(next.get(tp), c == null ? null : c.offset(), "close() committed what A read of " + tp);
                }
            }
        } finally {
            if (other != null) {
                other.close();
            }
        }
    }

    private static void poll(Consumer<String, String> c, List<String> values, Map<TopicPartition, Long> next) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
            values.add(r.value());
            next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void aMemberThatStopsPollingLosesItsPartitionsAndItsLateCommitFails(String protocol, KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "slow", 2);
        ConsumerIT.produce(kafka, topic, 100, "none");
        String group = "slow-" + UUID.randomUUID();
        List<Collection<TopicPartition>> lost = new CopyOnWriteArrayList<>();
        ConsumerBuilder<String, String> b = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).offsetReset(OffsetReset.EARLIEST)
                .delivery(Delivery.MANUAL).groupProtocol(GroupProtocol.forName(protocol)).maxPollInterval(Duration.ofSeconds(2));
        if (protocol.equals("classic")) {
            b.heartbeatInterval(Duration.ofMillis(200)).sessionTimeout(Duration.ofSeconds(6));
        }
        try (Consumer<String, String> c = b.build()) {
            c.subscribe(List.of(topic), new RebalanceListener() {
                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    lost.add(partitions);
                }
            });
            assertTrue(!ConsumerIT.pollUntil(c, 1, Duration.ofSeconds(30)).isEmpty());
            // Past max.poll.interval.ms the member leaves the group; it was the only one.
            try (Admin reference = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                Await.until("the member that stopped polling gone from " + group, Duration.ofSeconds(30),
                        () -> reference.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                                .get(10, TimeUnit.SECONDS).members().isEmpty());
            }
            assertThrows(CommitFailedException.class, c::commitSync, "a commit from a stale generation fails");
            ConsumerIT.pollUntil(c, 1, Duration.ofSeconds(10));
            assertEquals(1, lost.size(), "the next poll reports the partitions as lost, then rejoins");
            assertEquals(2, c.assignment().size(), "and owns them again");
        }
    }

    /**
     * Classic protocol: the SyncGroup answer arrives while nobody polls, and the generation then ends
     * (here: {@code max.poll.interval.ms} runs out) before a poll() applies it. As Apache Kafka's consumer,
     * the next poll() does not apply an assignment of an ended generation: it joins again, and the
     * listener only ever sees partitions assigned in a live generation.
     */
    @Test
    void anAssignmentWhoseGenerationEndedBeforeAPollAppliedItIsNotApplied(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "ended", 2);
        String group = "ended-" + UUID.randomUUID();
        List<String> events = new CopyOnWriteArrayList<>();
        try (Admin reference = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
             Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).offsetReset(OffsetReset.EARLIEST)
                .groupProtocol(GroupProtocol.CLASSIC).maxPollInterval(Duration.ofSeconds(6))
                .heartbeatInterval(Duration.ofMillis(200)).sessionTimeout(Duration.ofSeconds(6)).build()) {
            c.subscribe(List.of(topic), new RebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    events.add("assigned " + partitions.size() + (c.groupMetadata().generationId() > 0 ? "" : " in no generation"));
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    events.add("revoked " + partitions.size());
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    events.add("lost " + partitions.size());
                }
            });
            c.poll(Duration.ZERO); // starts the join and returns before the group answers
            // The member is in the group for max.poll.interval.ms (6 s) after SyncGroup: room to see it.
            Await.until("the member in " + group, Duration.ofSeconds(30), () -> !reference.describeConsumerGroups(
                    List.of(group)).describedGroups().get(group).get(10, TimeUnit.SECONDS).members().isEmpty());
            Await.until("the member that never polled gone from " + group, Duration.ofSeconds(30),
                    () -> reference.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                            .get(10, TimeUnit.SECONDS).members().isEmpty());
            assertEquals(List.of(), events, "nothing applied while nobody polled");
            Await.until("the member owns both partitions again", Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(100));
                return c.assignment().size() == 2;
            });
            assertEquals(List.of("assigned 2"), events, "only a live generation's assignment was applied");
        }
    }

    /**
     * At-least-once, the pattern {@link Consumer}'s Javadoc shows: processing fails part-way through a
     * batch, the loop seeks the partition back to the record that failed and closes. The close commits
     * that position, not the end of the batch, so the next member of the group starts at the failed
     * record and nothing is skipped.
     */
    @Test
    void atLeastOnceCloseAfterAFailureCommitsWhereTheLoopSeekedBack(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "alo-fail", 1);
        ConsumerIT.produce(kafka, topic, 1_000, "none");
        String group = "alo-fail-" + UUID.randomUUID();
        ConsumerBuilder<String, String> b = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).offsetReset(OffsetReset.EARLIEST)
                .delivery(Delivery.AT_LEAST_ONCE).maxPollRecords(500);
        long failedAt = -1;
        try (Consumer<String, String> c = b.build()) {
            c.subscribe(List.of(topic));
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                        try {
                            if (r.offset() == 120) {
                                throw new IllegalStateException("processing failed at " + r.offset());
                            }
                        } catch (RuntimeException e) {
                            c.seek(new TopicPartition(r.topic(), r.partition()), r.offset());
                            throw e;
                        }
                    }
                }
            } catch (IllegalStateException e) {
                failedAt = 120;
            }
        }
        assertEquals(120, failedAt, "processing failed at offset 120");
        try (Consumer<String, String> next = b.build()) {
            next.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> records = ConsumerIT.pollUntil(next, 1, Duration.ofSeconds(30));
            assertEquals(120, records.get(0).offset(), "the next member starts at the record that failed");
        }
    }

    /**
     * A rebalance listener that throws in {@code onPartitionsRevoked} does not undo the assignment, as
     * Apache Kafka's consumer documents: the member finishes applying it (and the cooperative protocol's
     * second round), then {@code poll()} raises the listener's exception once.
     */
    @Test
    void aListenerThatThrowsOnRevocationStillLetsTheCooperativeRebalanceFinish(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "coop-throw", 4);
        String group = "coop-throw-" + UUID.randomUUID();
        java.util.concurrent.atomic.AtomicBoolean threw = new java.util.concurrent.atomic.AtomicBoolean();
        ConsumerBuilder<String, String> b = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).offsetReset(OffsetReset.EARLIEST)
                .groupProtocol(GroupProtocol.CLASSIC).assignors(ClassicAssignor.forName("cooperative-sticky"))
                .heartbeatInterval(Duration.ofMillis(300)).sessionTimeout(Duration.ofSeconds(10));
        List<RuntimeException> raised = new ArrayList<>();
        try (Consumer<String, String> first = b.build(); Consumer<String, String> second = b.build()) {
            first.subscribe(List.of(topic), new RebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty() && threw.compareAndSet(false, true)) {
                        throw new IllegalStateException("a listener bug");
                    }
                }
            });
            Await.until("the first member owns all four partitions", Duration.ofSeconds(30), () -> {
                first.poll(Duration.ofMillis(100));
                return first.assignment().size() == 4;
            });
            second.subscribe(List.of(topic));
            Await.until("the two members share the four partitions", Duration.ofSeconds(30), () -> {
                try {
                    first.poll(Duration.ofMillis(50));
                } catch (IllegalStateException e) {
                    raised.add(e);
                }
                second.poll(Duration.ofMillis(50));
                Set<TopicPartition> both = new HashSet<>(first.assignment());
                both.addAll(second.assignment());
                return both.size() == 4 && first.assignment().size() == 2 && second.assignment().size() == 2;
            });
        }
        assertEquals(1, raised.size(), "poll() raised the listener's exception once: " + raised);
        assertEquals("a listener bug", raised.get(0).getMessage());
    }

    @Test
    void cooperativeStickyRevokesOnlyWhatMovesAndTheOthersKeepReading(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "coop", 6);
        String group = "coop-" + UUID.randomUUID();
        List<String> events = new CopyOnWriteArrayList<>();
        List<Member> members = new ArrayList<>();
        try {
            members.add(new Member(kafka, group, topic, "classic:cooperative-sticky", null, events));
            members.add(new Member(kafka, group, topic, "classic:cooperative-sticky", null, events));
            assertTrue(Await.holds(() -> exactlyOnce(members, 6) && members.stream().allMatch(m -> m.owned.size() == 3),
                    Duration.ofSeconds(30)), "two members share six partitions: " + events);
            Member a = members.get(0);
            Member b = members.get(1);
            Set<TopicPartition> aBefore = Set.copyOf(a.owned);
            Set<TopicPartition> bBefore = Set.copyOf(b.owned);
            a.onPoller(c -> {
                c.pause(aBefore);
                return null;
            });
            events.clear();
            Member joiner = new Member(kafka, group, topic, "classic:cooperative-sticky", null, events);
            members.add(joiner);
            assertTrue(Await.holds(() -> exactlyOnce(members, 6) && members.stream().allMatch(m -> m.owned.size() == 2),
                    Duration.ofSeconds(30)), "three members share six partitions: " + events);
            assertTrue(aBefore.containsAll(a.owned) && bBefore.containsAll(b.owned), "the old members kept part of"
                    + " what they had: " + aBefore + " -> " + a.owned + ", " + bBefore + " -> " + b.owned);
            long revokedCount = revokedCount(events);
            assertEquals(2, revokedCount, "only the two partitions that moved were revoked: " + events);
            assertTrue(events.stream().noneMatch(e -> e.contains(" lost ")), "nothing lost: " + events);
            Set<TopicPartition> kept = Set.copyOf(a.owned);
            assertEquals(kept, a.onPoller(Consumer::paused), "a partition a member keeps stays paused");
        } finally {
            for (Member m : members) {
                m.close();
            }
        }
    }

    @Test
    void cooperativeMembersKeepConsumingWhileANewMemberJoins(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "coop-busy", 6);
        String group = "coop-busy-" + UUID.randomUUID();
        List<Member> members = new ArrayList<>();
        ConsumerIT.BackgroundProducer producer = null;
        try {
            members.add(new Member(kafka, group, topic, "classic:cooperative-sticky"));
            members.add(new Member(kafka, group, topic, "classic:cooperative-sticky"));
            assertTrue(Await.holds(() -> exactlyOnce(members, 6), Duration.ofSeconds(30)));
            producer = new ConsumerIT.BackgroundProducer(kafka, topic, 50);
            assertTrue(Await.holds(() -> members.stream().allMatch(m -> m.values.size() > 100), Duration.ofSeconds(30)));
            // While the group rebalances (until the new member is first given partitions) the others read on.
            int[] before = members.stream().mapToInt(m -> m.values.size()).toArray();
            Member joiner = new Member(kafka, group, topic, "classic:cooperative-sticky");
            // Counted at the last look before the joiner owned anything: strictly during the rebalance.
            int[][] during = {before};
            Await.until("the joiner given partitions", Duration.ofSeconds(30), () -> {
                int[] now = members.stream().mapToInt(m -> m.values.size()).toArray();
                if (!joiner.owned.isEmpty()) {
                    return true;
                }
                during[0] = now;
                return false;
            });
            members.add(joiner);
            assertTrue(Await.holds(() -> exactlyOnce(members, 6), Duration.ofSeconds(30)));
            for (int i = 0; i < 2; i++) {
                assertTrue(during[0][i] > before[i], "member " + i + " kept reading while the group rebalanced: "
                        + before[i] + " -> " + during[0][i]);
            }
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
    void eagerRebalancingHandsPartitionsBackUnpaused(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "eager-pause", 4);
        String group = "eager-pause-" + UUID.randomUUID();
        List<Member> members = new ArrayList<>();
        try {
            Member a = new Member(kafka, group, topic, "classic:range");
            members.add(a);
            assertTrue(Await.holds(() -> a.owned.size() == 4, Duration.ofSeconds(30)));
            a.onPoller(c -> {
                c.pause(c.assignment());
                return null;
            });
            members.add(new Member(kafka, group, topic, "classic:range"));
            assertTrue(Await.holds(() -> exactlyOnce(members, 4) && a.owned.size() == 2, Duration.ofSeconds(30)));
            assertEquals(Set.of(), a.onPoller(Consumer::paused), "revoked and assigned again: no longer paused");
        } finally {
            for (Member m : members) {
                m.close();
            }
        }
    }
}
