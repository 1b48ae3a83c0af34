package dev.skein.consumer;

import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ShareAcknowledgeResponse;
import dev.skein.core.message.ShareFetchResponse;
import dev.skein.producer.ResponseRewrite;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ShareConsumer} on a real broker, beside Apache Kafka's {@code KafkaShareConsumer}. */
@ExtendWith(KafkaClusterExtension.class)
@Execution(ExecutionMode.CONCURRENT) // the second lane (clusters of its own, lock timeouts waited out): see this module's pom.xml
class ShareConsumerIT {

    /** A share group that starts from the earliest offset (the group config; the default is latest). */
    static String shareGroup(KafkaCluster kafka, String prefix) throws Exception {
        String group = prefix + "-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                    new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                    .all().get(30, TimeUnit.SECONDS);
            // A group config reaches the broker through the metadata log after the alter returns; a member
            // that joined before it would start at the latest offset and miss the records already written.
            Await.until("share.auto.offset.reset=earliest applied to " + group, Duration.ofSeconds(60), () -> {
                ConfigEntry e = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.GROUP, group)))
                        .all().get(30, TimeUnit.SECONDS).values().iterator().next().get("share.auto.offset.reset");
                return e != null && "earliest".equals(e.value());
            });
        }
        return group;
    }

    static ShareConsumer<String, String> member(KafkaCluster kafka, String group, AcknowledgementMode mode) {
        return ShareConsumer.builder(Serdes.string(), Serdes.string()).bootstrapServers(kafka.bootstrapServers())
                .groupId(group).acknowledgementMode(mode).build();
    }

    @Test
    void twoSkeinMembersAndTheReferenceShareOnePartitionAndAcceptEveryRecordOnce(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "share", 1);
        int total = 3_000;
        // Small producer batches: a share fetch acquires whole batches, and one batch of all 3,000 records
        // would go to whichever member fetched first.
        try (org.apache.kafka.clients.producer.KafkaProducer<String, String> p = new org.apache.kafka.clients.producer.KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", 0, "batch.size", 1024,
                        "enable.idempotence", false, "acks", "1"),
                new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.StringSerializer())) {
            for (int i = 0; i < total; i++) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "k" + (i % 50), Integer.toString(i)));
            }
            p.flush();
        }
        String group = shareGroup(kafka, "share");
        // Each member holds its first records until all three have some (so none takes everything before
        // the others joined); the locks outlast that wait.
        groupConfig(kafka, group, Map.of("share.record.lock.duration.ms", "60000"));
        java.util.concurrent.CountDownLatch everyoneIn = new java.util.concurrent.CountDownLatch(3);
        Map<String, AtomicInteger> accepted = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> perMember = new ConcurrentHashMap<>();
        Map<String, String> takenBy = new ConcurrentHashMap<>(); // value -> the first member handed it
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (String name : List.of("skein-1", "skein-2")) {
            threads.add(new Thread(() -> {
                try (ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                        .bootstrapServers(kafka.bootstrapServers()).groupId(group).maxPollRecords(50).build()) {
                    c.subscribe(List.of(topic));
                    while (!stop.get()) {
                        List<ShareRecord<String, String>> records = c.poll(Duration.ofMillis(200));
                        if (!records.isEmpty() && perMember.get(name) == null) {
                            everyoneIn.countDown();
                            everyoneIn.await(40, TimeUnit.SECONDS);
                        }
                        for (ShareRecord<String, String> r : records) {
                            String before = takenBy.putIfAbsent(r.value(), name);
                            assertEquals(1, r.deliveryCount(), () -> name + " got record " + r.value() + " (offset "
                                    + r.offset() + ") at delivery " + r.deliveryCount() + "; it went before to "
                                    + (before == null ? "no member seen here (released unreturned)" : before)
                                    + "; members so far " + perMember);
                            accepted.computeIfAbsent(r.value(), v -> new AtomicInteger()).incrementAndGet();
                            perMember.computeIfAbsent(name, m -> new AtomicInteger()).incrementAndGet();
                            sleepMillis(1);
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, name));
        }
        threads.add(new Thread(() -> {
            try (KafkaShareConsumer<String, String> c = new KafkaShareConsumer<>(Map.of("bootstrap.servers",
                    kafka.bootstrapServers(), "group.id", group, "max.poll.records", 50), new StringDeserializer(),
                    new StringDeserializer())) {
                c.subscribe(List.of(topic));
                while (!stop.get()) {
                    var records = c.poll(Duration.ofMillis(200));
                    if (!records.isEmpty() && perMember.get("reference") == null) {
                        everyoneIn.countDown();
                        everyoneIn.await(40, TimeUnit.SECONDS);
                    }
                    for (var r : records) {
                        takenBy.putIfAbsent(r.value(), "reference");
                        accepted.computeIfAbsent(r.value(), v -> new AtomicInteger()).incrementAndGet();
                        perMember.computeIfAbsent("reference", m -> new AtomicInteger()).incrementAndGet();
                        sleepMillis(1);
                    }
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, "reference"));
        try {
            threads.forEach(Thread::start);
            ParallelProcessorIT.await(() -> accepted.size() == total || failure.get() != null, Duration.ofSeconds(90),
                    "every record accepted");
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join(60_000);
            }
        }
        assertNull(failure.get());
        assertEquals(total, accepted.size());
        accepted.forEach((v, n) -> assertEquals(1, n.get(), "record " + v + " delivered " + n + " times"));
        System.out.println("share group members accepted " + perMember);
        assertTrue(perMember.containsKey("skein-1") && perMember.containsKey("skein-2"), "both Skein members took part: " + perMember);
        assertTrue(perMember.containsKey("reference"), "and the reference: " + perMember);
    }

    @Test
    void releaseBringsARecordBackWithItsDeliveryCountAndRejectArchivesIt(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-ack", 1);
        ParallelProcessorIT.produce(kafka, topic, 10, 10);
        String group = shareGroup(kafka, "share-ack");
        Map<String, List<Integer>> deliveries = new ConcurrentHashMap<>();
        try (ShareConsumer<String, String> c = member(kafka, group, AcknowledgementMode.EXPLICIT)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // "3" is released twice then accepted; "7" is rejected; the rest are accepted.
            while (System.nanoTime() < deadline && !(accepted(deliveries, 9) && deliveries.getOrDefault("3", List.of()).size() == 3)) {
                List<ShareRecord<String, String>> records = c.poll(Duration.ofMillis(200));
                for (ShareRecord<String, String> r : records) {
                    List<Integer> seen = deliveries.computeIfAbsent(r.value(), v -> new ArrayList<>());
                    seen.add(r.deliveryCount());
                    if (r.value().equals("3") && seen.size() < 3) {
                        c.acknowledge(r, AcknowledgeType.RELEASE);
                    } else if (r.value().equals("7")) {
                        c.acknowledge(r, AcknowledgeType.REJECT);
                    } else {
                        c.acknowledge(r, AcknowledgeType.ACCEPT);
                    }
                }
            }
            assertEquals(List.of(1, 2, 3), deliveries.get("3"), "released twice, delivered three times, counted");
            assertEquals(List.of(1), deliveries.get("7"), "rejected: never again");
            // Nothing else comes: every record is accepted or archived.
            long quiet = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < quiet) {
                List<ShareRecord<String, String>> more = c.poll(Duration.ofMillis(200));
                assertEquals(List.of(), more.stream().map(ShareRecord::value).toList());
            }
        }
        for (int v = 0; v < 10; v++) {
            assertTrue(deliveries.containsKey(Integer.toString(v)), "record " + v);
        }
    }

    @Test
    void explicitModeRefusesAPollWithUnacknowledgedRecordsAndLosesNothing(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-explicit", 1);
        ParallelProcessorIT.produce(kafka, topic, 20, 20);
        String group = shareGroup(kafka, "share-explicit");
        Map<String, Integer> seen = new ConcurrentHashMap<>();
        try (ShareConsumer<String, String> c = member(kafka, group, AcknowledgementMode.EXPLICIT)) {
            c.subscribe(List.of(topic));
            List<ShareRecord<String, String>> first = List.of();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (first.isEmpty() && System.nanoTime() < deadline) {
                first = c.poll(Duration.ofMillis(200));
            }
            assertTrue(!first.isEmpty());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.poll(Duration.ofMillis(10)));
            assertTrue(e.getMessage().contains("not acknowledged"), e.getMessage());
            for (ShareRecord<String, String> r : first) {
                seen.merge(r.value(), 1, Integer::sum);
                c.acknowledge(r);
            }
            assertTrue(c.commitSync().values().stream().allMatch(java.util.Optional::isEmpty), "acknowledgements taken");
            while (seen.size() < 20 && System.nanoTime() < deadline) {
                for (ShareRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    seen.merge(r.value(), 1, Integer::sum);
                    c.acknowledge(r);
                }
            }
        }
        assertEquals(20, seen.size());
        seen.forEach((v, n) -> assertEquals(1, n, "record " + v));
    }

    @Test
    void anExplicitCommitSendsTheAcknowledgedRecordsAndKeepsTheRestInFlight(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-partial", 1);
        ParallelProcessorIT.produce(kafka, topic, 5, 5);
        String group = shareGroup(kafka, "share-partial");
        // A lock long enough for the steps below on a slow machine, short enough to wait out.
        groupConfig(kafka, group, Map.of("share.record.lock.duration.ms", "5000"));
        try (ShareConsumer<String, String> c = member(kafka, group, AcknowledgementMode.EXPLICIT)) {
            c.subscribe(List.of(topic));
            List<ShareRecord<String, String>> records = Await.value("records for the explicit member", Duration.ofSeconds(60),
                    () -> nonEmpty(c.poll(Duration.ofMillis(200))));
            assertTrue(records.size() >= 2, "one fetch acquires the whole batch: " + records.size());
            Set<Long> seen = new HashSet<>();
            records.forEach(r -> seen.add(r.offset()));
            c.acknowledge(records.get(0));
            assertTrue(c.commitSync().values().stream().allMatch(Optional::isEmpty), "the first acknowledgement taken");
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.poll(Duration.ofMillis(10)),
                    "the records not acknowledged still hold the next poll back after a commit");
            assertTrue(e.getMessage().contains("not acknowledged"), e.getMessage());
            for (ShareRecord<String, String> r : records.subList(1, records.size())) {
                c.acknowledge(r);
            }
            assertTrue(c.commitSync().values().stream().allMatch(Optional::isEmpty), "the rest taken");
            // Longer than the lock: a record the commit had dropped would come back in this time.
            long quiet = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
            while (System.nanoTime() < quiet) {
                for (ShareRecord<String, String> r : c.poll(Duration.ofMillis(200))) { // the batch's rest, if any
                    assertTrue(r.deliveryCount() == 1 && seen.add(r.offset()), "delivered again: " + r.offset()
                            + " at delivery count " + r.deliveryCount());
                    c.acknowledge(r);
                }
            }
        }
    }

    @Test
    void unsubscribeGivesBackAtOnceWhatAnExplicitMemberHeldUnacknowledged(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-unsub", 1);
        ParallelProcessorIT.produce(kafka, topic, 5, 5);
        String group = shareGroup(kafka, "share-unsub");
        // The broker's largest lock (group.share.max.record.lock.duration.ms): records seen again well
        // before it were given back, not timed out.
        groupConfig(kafka, group, Map.of("share.record.lock.duration.ms", "60000"));
        try (ShareConsumer<String, String> a = member(kafka, group, AcknowledgementMode.EXPLICIT)) {
            a.subscribe(List.of(topic));
            List<ShareRecord<String, String>> held = Await.value("records for member A", Duration.ofSeconds(60),
                    () -> nonEmpty(a.poll(Duration.ofMillis(200))));
            a.unsubscribe(); // nothing acknowledged; A stays open
            assertEquals(Set.of(), a.subscription());
            Map<Long, Integer> counts = new ConcurrentHashMap<>();
            try (ShareConsumer<String, String> b = member(kafka, group, AcknowledgementMode.IMPLICIT)) {
                b.subscribe(List.of(topic));
                long start = System.nanoTime();
                Await.until("member B receives the " + held.size() + " records A held", Duration.ofSeconds(20), () -> {
                    b.poll(Duration.ofMillis(200)).forEach(r -> counts.put(r.offset(), r.deliveryCount()));
                    return held.stream().allMatch(r -> counts.containsKey(r.offset()));
                });
                System.out.println("records A gave back reached B after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
            }
            for (ShareRecord<String, String> r : held) {
                assertEquals(2, counts.get(r.offset()), "offset " + r.offset() + ": released once, delivered again");
            }
            // A later subscribe opens new share sessions and reads on.
            ParallelProcessorIT.produce(kafka, topic, 3, 3);
            a.subscribe(List.of(topic));
            List<ShareRecord<String, String>> next = Await.value("records for A after it subscribed again",
                    Duration.ofSeconds(60), () -> nonEmpty(a.poll(Duration.ofMillis(200))));
            for (ShareRecord<String, String> r : next) {
                assertTrue(r.offset() >= 5 && r.deliveryCount() == 1, "new record " + r.offset() + "@" + r.deliveryCount());
                a.acknowledge(r);
            }
            assertTrue(a.commitSync().values().stream().allMatch(Optional::isEmpty));
        }
    }

    @Test
    void unsubscribeAcceptsWhatAnImplicitMemberWasHanded(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-unsub-implicit", 1);
        ParallelProcessorIT.produce(kafka, topic, 5, 5);
        String group = shareGroup(kafka, "share-unsub-implicit");
        groupConfig(kafka, group, Map.of("share.record.lock.duration.ms", "5000"));
        try (ShareConsumer<String, String> a = member(kafka, group, AcknowledgementMode.IMPLICIT)) {
            a.subscribe(List.of(topic));
            List<ShareRecord<String, String>> handed = Await.value("records for member A", Duration.ofSeconds(60),
                    () -> nonEmpty(a.poll(Duration.ofMillis(200))));
            a.unsubscribe(); // A stays open
            ParallelProcessorIT.produce(kafka, topic, 3, 3);
            Set<Long> handedOffsets = new HashSet<>();
            handed.forEach(r -> handedOffsets.add(r.offset()));
            Map<Long, Integer> counts = new ConcurrentHashMap<>();
            try (ShareConsumer<String, String> b = member(kafka, group, AcknowledgementMode.IMPLICIT)) {
                b.subscribe(List.of(topic));
                Await.until("member B receives the 3 records written later", Duration.ofSeconds(60), () -> {
                    b.poll(Duration.ofMillis(200)).forEach(r -> counts.put(r.offset(), r.deliveryCount()));
                    return counts.keySet().containsAll(List.of(5L, 6L, 7L));
                });
                // Longer than the lock: records A was handed would come back in this time, were they not accepted.
                long quiet = System.nanoTime() + TimeUnit.SECONDS.toNanos(6);
                while (System.nanoTime() < quiet) {
                    b.poll(Duration.ofMillis(200)).forEach(r -> counts.put(r.offset(), r.deliveryCount()));
                }
            }
            assertTrue(counts.keySet().stream().noneMatch(handedOffsets::contains),
                    "A was handed " + handedOffsets + "; B got (offset=delivery count) " + counts);
        }
    }

    @Test
    void aCommitBehindAnUnansweredRequestReportsItsPartitionNotApplied(@OwnCluster KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-unanswered", 1);
        ParallelProcessorIT.produce(kafka, topic, 5, 5);
        String group = shareGroup(kafka, "share-unanswered");
        TopicPartition tp = new TopicPartition(topic, 0);
        int broker = kafka.brokerIds().iterator().next();
        try (ShareConsumer<String, String> c = member(kafka, group, AcknowledgementMode.EXPLICIT)) {
            c.subscribe(List.of(topic));
            List<ShareRecord<String, String>> records = Await.value("records", Duration.ofSeconds(60),
                    () -> nonEmpty(c.poll(Duration.ofMillis(200))));
            assertTrue(records.size() >= 2, "one fetch acquires the whole batch: " + records.size());
            c.acknowledge(records.get(0));
            kafka.pause(broker);
            try {
                c.commitAsync(); // unanswered while the broker is frozen: the session waits for it
                c.acknowledge(records.get(1));
                Map<TopicPartition, Optional<Exception>> result = c.commitSync(Duration.ofSeconds(2));
                assertEquals(Set.of(tp), result.keySet(), "the partition acknowledged is in the result: " + result);
                assertTrue(result.get(tp).isPresent(), "with an error, since nothing was applied: " + result);
            } finally {
                kafka.resume(broker);
            }
            // Not lost: the acknowledgement goes with the next request.
            for (ShareRecord<String, String> r : records.subList(2, records.size())) {
                c.acknowledge(r);
            }
            Map<TopicPartition, Optional<Exception>> after = c.commitSync();
            assertEquals(Map.of(tp, Optional.empty()), after);
        }
    }

    /**
     * A retriable partition error in a ShareAcknowledge answer on a live share session: the commit sends the
     * acknowledgement again within its timeout and reports the broker's answer to that, as Apache Kafka's
     * ShareConsumeRequestManager does (it retries retriable partition errors until the commit's deadline, but not
     * a leader change or an unknown partition: the new leader does not hold the locks). A real broker answers so
     * when its share-state write failed and it rolled the acknowledgement back (COORDINATOR_NOT_AVAILABLE). The
     * proxy fakes that answer for a request the broker did apply, so what the broker says to the second request
     * is its answer for an offset already acknowledged (no error from Apache Kafka 4.3, whose share-partition
     * start offset has moved past it): the commit reports that, not the first, retriable error. A
     * NOT_LEADER_OR_FOLLOWER is reported at once. Every acknowledgement took effect: none of the records comes
     * back to another member, though closing the first member releases whatever it still held.
     */
    @Test
    void aRetriableAcknowledgementErrorIsSentAgainWithinTheCommit(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-ack-retry", 1);
        ParallelProcessorIT.produce(kafka, topic, 5, 5);
        String group = shareGroup(kafka, "share-ack-retry");
        groupConfig(kafka, group, Map.of("share.record.lock.duration.ms", "60000"));
        TopicPartition tp = new TopicPartition(topic, 0);
        FaultProxy proxy = kafka.proxy(kafka.brokerIds().iterator().next());
        Set<Long> seen = new HashSet<>();
        List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ShareConsumer<String, String> c = member(kafka, group, AcknowledgementMode.EXPLICIT)) {
            c.setAcknowledgementCommitCallback((offsets, error) -> reports.add(offsets + " " + error));
            c.subscribe(List.of(topic));
            List<ShareRecord<String, String>> records = Await.value("records", Duration.ofSeconds(60),
                    () -> nonEmpty(c.poll(Duration.ofMillis(200))));
            assertTrue(records.size() >= 3, "one fetch acquires the whole batch: " + records.size());
            records.forEach(r -> seen.add(r.offset()));

            int before = proxy.requests(ApiKey.SHARE_ACKNOWLEDGE.id());
            proxy.rewriteResponses(ApiKey.SHARE_ACKNOWLEDGE.id(), 1, partitionError(ErrorCode.REQUEST_TIMED_OUT));
            c.acknowledge(records.get(0));
            Map<TopicPartition, Optional<Exception>> retried = c.commitSync(Duration.ofSeconds(20));
            assertEquals(before + 2, proxy.requests(ApiKey.SHARE_ACKNOWLEDGE.id()),
                    "the acknowledgement answered REQUEST_TIMED_OUT was sent again within the commit: " + retried);
            assertTrue(retried.containsKey(tp) && retried.get(tp).stream().noneMatch(e -> e instanceof dev.skein.core.errors.TimeoutException),
                    "the broker's answer to the second request is reported, not REQUEST_TIMED_OUT: " + retried);
            System.out.println("the broker answered the acknowledgement sent again with " + retried);
            c.commitSync(); // runs the callbacks
            assertEquals(1, reports.size(), "one report for the retried acknowledgement: " + reports);

            proxy.rewriteResponses(ApiKey.SHARE_ACKNOWLEDGE.id(), 1, partitionError(ErrorCode.NOT_LEADER_OR_FOLLOWER));
            c.acknowledge(records.get(1));
            Map<TopicPartition, Optional<Exception>> moved = c.commitSync(Duration.ofSeconds(20));
            assertEquals(before + 3, proxy.requests(ApiKey.SHARE_ACKNOWLEDGE.id()), "a leader change is not retried");
            assertTrue(moved.get(tp).isPresent(), "and is reported: " + moved);

            for (ShareRecord<String, String> r : records.subList(2, records.size())) {
                c.acknowledge(r);
            }
            assertEquals(Map.of(tp, Optional.empty()), c.commitSync());
        }
        Map<Long, Integer> again = new ConcurrentHashMap<>();
        try (ShareConsumer<String, String> b = member(kafka, group, AcknowledgementMode.IMPLICIT)) {
            b.subscribe(List.of(topic));
            // A record the first member still held went back when it closed, so it would come here at once.
            assertTrue(!Await.holds(() -> {
                b.poll(Duration.ofMillis(200)).forEach(r -> again.put(r.offset(), r.deliveryCount()));
                return again.keySet().stream().anyMatch(seen::contains);
            }, Duration.ofSeconds(5)), "delivered again: " + again);
        }
    }

    /**
     * commitSync with a broker whose share session is busy (its ShareFetch held in the proxy, unanswered):
     * the acknowledgements for a partition led by another, healthy broker are sent and answered at once,
     * not after the commit has waited out its timeout on the busy session, which has nothing to acknowledge.
     */
    @Test
    void aBusyShareSessionOnOneBrokerDoesNotHoldBackTheCommitOnAnother(@OwnCluster(brokers = 2, faultProxy = true) KafkaCluster kafka)
            throws Exception {
        List<Integer> ids = new ArrayList<>(new java.util.TreeSet<>(kafka.brokerIds()));
        int busy = ids.get(0); // the lower id: the one a commit meets first
        int healthy = ids.get(1);
        String topic = "share-busy-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic,
                    Map.of(0, List.of(busy), 1, List.of(healthy))))).all().get(60, TimeUnit.SECONDS);
        }
        TopicPartition onBusy = new TopicPartition(topic, 0);
        TopicPartition onHealthy = new TopicPartition(topic, 1);
        ParallelProcessorIT.produceTo(kafka, topic, 0, 3);
        String group = shareGroup(kafka, "share-busy");
        Duration commitTimeout = Duration.ofSeconds(5);
        try (ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).acknowledgementMode(AcknowledgementMode.EXPLICIT)
                .defaultApiTimeout(Duration.ofSeconds(3)).build()) {
            c.subscribe(List.of(topic));
            Await.until("the records of " + onBusy, Duration.ofSeconds(60), () -> {
                List<ShareRecord<String, String>> got = c.poll(Duration.ofMillis(200));
                got.forEach(c::acknowledge);
                return got.stream().anyMatch(r -> r.partition() == 0);
            });
            assertEquals(Map.of(onBusy, Optional.empty()), c.commitSync());
            kafka.proxy(busy).holdRequests(ApiKey.SHARE_FETCH.id(), 1);
            ParallelProcessorIT.produceTo(kafka, topic, 1, 3);
            List<ShareRecord<String, String>> held = Await.value("the records of " + onHealthy, Duration.ofSeconds(60),
                    () -> nonEmpty(c.poll(Duration.ofMillis(200))));
            assertTrue(held.stream().allMatch(r -> r.partition() == 1), "only the healthy broker answers: " + held);
            Await.until("the next ShareFetch to broker " + busy + " held in its proxy", Duration.ofSeconds(10),
                    () -> kafka.proxy(busy).heldRequests() == 1);
            held.forEach(c::acknowledge);
            long start = System.nanoTime();
            Map<TopicPartition, Optional<Exception>> result = c.commitSync(commitTimeout);
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(Map.of(onHealthy, Optional.empty()), result, "applied by the healthy broker (" + took + " ms)");
            assertTrue(took < 2_000, "the commit did not wait for the busy session: " + took + " ms");
            kafka.proxy(busy).releaseHeld(); // answered, so close() need not wait it out
        }
    }

    /**
     * A heartbeat answered FENCED_MEMBER_EPOCH (the proxy fakes it): the member drops its assignment, joins
     * again with epoch 0 and the same member id, and goes on receiving; what it was handed before is
     * accepted, not delivered again.
     */
    @Test
    void aFencedMemberJoinsAgainAndGoesOnReceiving(@OwnCluster(faultProxy = true) KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-fenced", 1);
        ParallelProcessorIT.produce(kafka, topic, 5, 5);
        String group = shareGroup(kafka, "share-fenced");
        FaultProxy proxy = kafka.proxy(kafka.brokerIds().iterator().next());
        Map<Long, Integer> counts = new ConcurrentHashMap<>();
        try (ShareConsumer<String, String> c = member(kafka, group, AcknowledgementMode.IMPLICIT)) {
            c.subscribe(List.of(topic));
            Await.until("the first records", Duration.ofSeconds(60), () -> {
                c.poll(Duration.ofMillis(200)).forEach(r -> counts.merge(r.offset(), 1, Integer::sum));
                return !counts.isEmpty();
            });
            proxy.rewriteResponses(ApiKey.SHARE_GROUP_HEARTBEAT.id(), 1, frame -> ResponseRewrite.changed(frame,
                    dev.skein.core.message.ShareGroupHeartbeatResponse.HIGHEST_SUPPORTED_VERSION, (short) 1,
                    dev.skein.core.message.ShareGroupHeartbeatResponse::read,
                    r -> r.setErrorCode(ErrorCode.FENCED_MEMBER_EPOCH.code()).setAssignment(null)));
            Await.until("a heartbeat answered FENCED_MEMBER_EPOCH", Duration.ofSeconds(10), () -> {
                c.poll(Duration.ofMillis(100)).forEach(r -> counts.merge(r.offset(), 1, Integer::sum));
                return proxy.rewrittenResponses() == 1;
            });
            ParallelProcessorIT.produce(kafka, topic, 5, 5);
            Await.until("all ten records after joining again", Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(200)).forEach(r -> counts.merge(r.offset(), 1, Integer::sum));
                return counts.size() == 10;
            });
            assertEquals(Map.of(), c.commitSync().entrySet().stream().filter(e -> e.getValue().isPresent())
                    .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        }
        assertTrue(counts.values().stream().allMatch(n -> n == 1), "each record handed out once: " + counts);
    }

    /**
     * A retriable acknowledgement error in a ShareFetch answer (implicit mode: the acknowledgements ride on the
     * next ShareFetch): they are sent again, as a ShareAcknowledge's are within a commit, rather than reported
     * failed and left to come back when their locks run out. The proxy fakes REQUEST_TIMED_OUT (what a broker
     * answers when its share-state write failed and it rolled the acknowledgement back) on an answer the broker
     * did apply, so the answer to the second sending is the broker's for offsets already accepted (no error from
     * Apache Kafka 4.3): the callback is told that once, not the first, retriable error.
     */
    @Test
    void aRetriableAcknowledgementErrorInAShareFetchIsSentAgain(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-fetch-ack-retry", 1);
        ParallelProcessorIT.produce(kafka, topic, 5, 5);
        String group = shareGroup(kafka, "share-fetch-ack-retry");
        FaultProxy proxy = kafka.proxy(kafka.brokerIds().iterator().next());
        List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ShareConsumer<String, String> c = member(kafka, group, AcknowledgementMode.IMPLICIT)) {
            c.setAcknowledgementCommitCallback((offsets, error) -> reports.add(offsets + " " + error));
            c.subscribe(List.of(topic));
            List<ShareRecord<String, String>> records = Await.value("records", Duration.ofSeconds(60),
                    () -> nonEmpty(c.poll(Duration.ofMillis(200))));
            int before = proxy.rewrittenResponses();
            proxy.rewriteResponses(ApiKey.SHARE_FETCH.id(), 1, frame -> ResponseRewrite.changed(frame,
                    ShareFetchResponse.HIGHEST_SUPPORTED_VERSION, (short) 1, ShareFetchResponse::read,
                    r -> r.responses().forEach(t -> t.partitions().forEach(
                            p -> p.setAcknowledgeErrorCode(ErrorCode.REQUEST_TIMED_OUT.code())))));
            Await.until("the acknowledgements reported", Duration.ofSeconds(20), () -> {
                c.poll(Duration.ofMillis(200)); // the first carries the acknowledgements of the records
                return proxy.rewrittenResponses() > before && !reports.isEmpty();
            });
            c.commitSync(); // runs the callbacks of anything answered since
            assertEquals(1, reports.size(), "one report for the acknowledgements: " + reports);
            assertTrue(reports.get(0).endsWith(" null"), "the broker's answer to the second sending, not REQUEST_TIMED_OUT: "
                    + reports + " (" + records.size() + " records)");
        }
    }

    /**
     * A ShareFetch answer with TOPIC_AUTHORIZATION_FAILED, then one with CORRUPT_MESSAGE, for the partition (the
     * proxy fakes them: an ACL needs a secured cluster): poll() raises each, typed, the first naming the topic, as
     * Apache Kafka's share consumer raises a TopicAuthorizationException and a corrupt-message error; neither is
     * only logged. The member then goes on receiving once the broker answers normally.
     */
    @Test
    void aDeniedOrCorruptPartitionInAShareFetchIsRaisedFromPoll(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-fetch-denied", 1);
        String group = shareGroup(kafka, "share-fetch-denied");
        UUID id = topicId(kafka, topic);
        FaultProxy proxy = kafka.proxy(kafka.brokerIds().iterator().next());
        try (ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).fetchMaxWait(Duration.ofMillis(50)).build()) {
            c.subscribe(List.of(topic));
            int before = proxy.requests(ApiKey.SHARE_FETCH.id());
            Await.until("a ShareFetch sent", Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(100));
                return proxy.requests(ApiKey.SHARE_FETCH.id()) > before + 1;
            });
            // Each error is faked on every answer until poll() raised it: an answer to a request that forgets the
            // partition (it backs off after an error) does not count for it, so a single faked answer could be
            // lost. An error faked again before the switch may be raised once more later: ignored then.
            AtomicReference<ErrorCode> faked = new AtomicReference<>(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
            proxy.rewriteResponses(ApiKey.SHARE_FETCH.id(), 100_000, frame -> faked.get() == null
                    ? new FaultProxy.Rewritten(frame, false) : partitionFetchError(id, 0, faked.get()).apply(frame));
            Class<dev.skein.core.errors.AuthorizationException> deniedType = dev.skein.core.errors.AuthorizationException.class;
            dev.skein.core.errors.AuthorizationException denied = Await.value("poll() raises the denial", Duration.ofSeconds(20),
                    () -> raisedBy(c, deniedType));
            faked.set(ErrorCode.CORRUPT_MESSAGE);
            assertTrue(denied.getMessage().contains(topic), "names the topic: " + denied.getMessage());
            CorruptRecordException corrupt = Await.value("poll() raises the corrupt message", Duration.ofSeconds(20),
                    () -> raisedBy(c, CorruptRecordException.class, deniedType));
            faked.set(null);
            assertTrue(corrupt.getMessage().contains(topic + "-0"), "names the partition: " + corrupt.getMessage());
            ParallelProcessorIT.produce(kafka, topic, 5, 5);
            Set<String> values = new HashSet<>();
            Await.until("the records written afterwards", Duration.ofSeconds(30), () -> {
                try {
                    c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                } catch (CorruptRecordException | dev.skein.core.errors.AuthorizationException late) {
                    // one faked before the switch, raised now
                }
                return values.size() == 5;
            });
        }
    }

    /**
     * A partition answered with a retriable error (KAFKA_STORAGE_ERROR, faked by the proxy on every answer for
     * three seconds) is fetched again after retry.backoff.ms, doubling up to retry.backoff.max.ms, not at once:
     * with a 10 ms fetch wait, fetching at once sent a ShareFetch every few milliseconds. It is fetched again
     * all the same, and receives once the error is gone.
     */
    @Test
    void aRetriablePartitionErrorInAShareFetchIsBackedOff(@OwnCluster(faultProxy = true) KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-fetch-backoff", 1);
        String group = shareGroup(kafka, "share-fetch-backoff");
        UUID id = topicId(kafka, topic);
        FaultProxy proxy = kafka.proxy(kafka.brokerIds().iterator().next());
        try (ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).fetchMaxWait(Duration.ofMillis(10))
                .client(b -> b.retryBackoff(Duration.ofMillis(200), Duration.ofMillis(800))).build()) {
            c.subscribe(List.of(topic));
            int sent = proxy.requests(ApiKey.SHARE_FETCH.id());
            Await.until("a ShareFetch sent", Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(100));
                return proxy.requests(ApiKey.SHARE_FETCH.id()) > sent + 1;
            });
            AtomicBoolean failing = new AtomicBoolean(true);
            java.util.function.Function<io.netty.buffer.ByteBuf, FaultProxy.Rewritten> error =
                    partitionFetchError(id, 0, ErrorCode.KAFKA_STORAGE_ERROR);
            proxy.rewriteResponses(ApiKey.SHARE_FETCH.id(), 100_000,
                    frame -> failing.get() ? error.apply(frame) : new FaultProxy.Rewritten(frame, false));
            int before = proxy.requests(ApiKey.SHARE_FETCH.id());
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() - end < 0) {
                assertEquals(List.of(), c.poll(Duration.ofMillis(100)));
            }
            failing.set(false);
            int during = proxy.requests(ApiKey.SHARE_FETCH.id()) - before;
            System.out.println("ShareFetch requests in the 3 s of errors: " + during + ", rewritten " + proxy.rewrittenResponses());
            // 200, 400, 800, 800 ms apart (jittered), each a fetch and a request forgetting the partition meanwhile
            assertTrue(during >= 3 && during <= 20, "ShareFetch requests in the 3 s of errors: " + during);
            ParallelProcessorIT.produce(kafka, topic, 5, 5);
            Set<String> values = new HashSet<>();
            Await.until("the records written afterwards", Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return values.size() == 5;
            });
        }
    }

    /**
     * Acknowledgements of a topic deleted while its records were held, given once the member's metadata no longer
     * has the topic's id: the commit sends them with the id the share session named the topic by (ids are never
     * reused) and reports the broker's answer, to its result and to the callback, rather than keeping them pending
     * (each commit reporting them not sent in time) until close() dropped them unreported.
     */
    @Test
    void acknowledgementsOfADeletedTopicAreSentWithTheIdTheSessionKnew(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-deleted", 1);
        String other = ConsumerIT.topic(kafka, "share-deleted-other", 1);
        String third = ConsumerIT.topic(kafka, "share-deleted-third", 1);
        ParallelProcessorIT.produce(kafka, topic, 5, 5);
        String group = shareGroup(kafka, "share-deleted");
        TopicPartition tp = new TopicPartition(topic, 0);
        FaultProxy proxy = kafka.proxy(kafka.brokerIds().iterator().next());
        List<String> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ShareConsumer<String, String> c = member(kafka, group, AcknowledgementMode.EXPLICIT)) {
            c.setAcknowledgementCommitCallback((offsets, error) -> reports.add(offsets + " " + error));
            c.subscribe(List.of(topic));
            List<ShareRecord<String, String>> records = Await.value("records", Duration.ofSeconds(60),
                    () -> nonEmpty(c.poll(Duration.ofMillis(200))));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                Await.until(topic + " deleted", Duration.ofSeconds(30),
                        () -> !admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic));
            }
            // The member's metadata learns of the deletion: a new topic asks for a refresh at once; one more after
            // it (a member has one Metadata request at a time) is sent only once the first answer was read.
            int asked = proxy.requests(ApiKey.METADATA.id());
            c.subscribe(List.of(topic, other));
            Await.until("a metadata refresh", Duration.ofSeconds(10), () -> proxy.requests(ApiKey.METADATA.id()) > asked);
            int again = proxy.requests(ApiKey.METADATA.id());
            c.subscribe(List.of(topic, other, third));
            Await.until("another metadata refresh", Duration.ofSeconds(10), () -> proxy.requests(ApiKey.METADATA.id()) > again);
            records.forEach(c::acknowledge);
            Map<TopicPartition, Optional<Exception>> result = c.commitSync(Duration.ofSeconds(10));
            assertTrue(result.containsKey(tp) && result.get(tp).stream().noneMatch(e -> e instanceof dev.skein.core.errors.TimeoutException),
                    "the broker's answer for the deleted topic, not 'not sent in time': " + result);
            assertEquals(1, reports.size(), "the callback is told: " + reports);
            System.out.println("acknowledging a deleted topic: " + result);
        }
    }

    /**
     * Acknowledgements of a partition no share session holds any more (its session was lost: the proxy answers
     * a commit with SHARE_SESSION_NOT_FOUND) are completed at close() with an error to the callback, as Apache
     * Kafka's share consumer fails acknowledgements it cannot send (NOT_LEADER_OR_FOLLOWER), rather than dropped
     * unreported; their records come back when their locks run out.
     */
    @Test
    void acknowledgementsNoShareSessionHoldsAreReportedAtClose(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-orphan", 1);
        ParallelProcessorIT.produce(kafka, topic, 5, 5);
        String group = shareGroup(kafka, "share-orphan");
        FaultProxy proxy = kafka.proxy(kafka.brokerIds().iterator().next());
        Map<Set<Long>, Exception> reports = new ConcurrentHashMap<>();
        Set<Long> rest = new HashSet<>();
        try (ShareConsumer<String, String> c = member(kafka, group, AcknowledgementMode.EXPLICIT)) {
            c.setAcknowledgementCommitCallback((offsets, error) -> offsets.values().forEach(o -> reports.put(Set.copyOf(o),
                    error != null ? error : new Exception("none"))));
            c.subscribe(List.of(topic));
            List<ShareRecord<String, String>> records = Await.value("records", Duration.ofSeconds(60),
                    () -> nonEmpty(c.poll(Duration.ofMillis(200))));
            assertTrue(records.size() >= 2, "one fetch acquires the whole batch: " + records.size());
            proxy.rewriteResponses(ApiKey.SHARE_ACKNOWLEDGE.id(), 1, frame -> ResponseRewrite.changed(frame,
                    ShareAcknowledgeResponse.HIGHEST_SUPPORTED_VERSION, (short) 1, ShareAcknowledgeResponse::read,
                    r -> r.setErrorCode(ErrorCode.SHARE_SESSION_NOT_FOUND.code())));
            c.acknowledge(records.get(0));
            c.commitSync();
            assertEquals(1, proxy.rewrittenResponses(), "the commit's answer was SHARE_SESSION_NOT_FOUND");
            records.subList(1, records.size()).forEach(r -> {
                c.acknowledge(r);
                rest.add(r.offset());
            });
        }
        assertTrue(reports.containsKey(rest), "the acknowledgements no session could carry reported at close: " + reports);
        assertTrue(reports.get(rest) instanceof dev.skein.core.errors.NotLeaderException, "as NOT_LEADER_OR_FOLLOWER: " + reports);
    }

    /**
     * A ShareFetch answer of NOT_LEADER_OR_FOLLOWER that names the partition's leader in current_leader (KIP-951, as
     * the broker does after a leader move; the proxy fakes one naming the only broker with a newer epoch): the member
     * turns to the leader it names at once, as the producer does with a Produce answer, rather than backing the
     * partition off and waiting for a metadata refresh. With a 5 s backoff, records written just after arrive well
     * within it.
     */
    @Test
    void aNotLeaderAnswerNamingTheLeaderIsFollowedAtOnce(@OwnCluster(faultProxy = true) KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-leader-hint", 1);
        String group = shareGroup(kafka, "share-leader-hint");
        UUID id = topicId(kafka, topic);
        int broker = kafka.brokerIds().iterator().next();
        FaultProxy proxy = kafka.proxy(broker);
        try (ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).fetchMaxWait(Duration.ofMillis(100))
                .client(b -> b.retryBackoff(Duration.ofSeconds(5), Duration.ofSeconds(5))).build()) {
            c.subscribe(List.of(topic));
            int sent = proxy.requests(ApiKey.SHARE_FETCH.id());
            Await.until("a ShareFetch sent", Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(100));
                return proxy.requests(ApiKey.SHARE_FETCH.id()) > sent + 1;
            });
            java.util.function.Function<io.netty.buffer.ByteBuf, FaultProxy.Rewritten> notLeader =
                    partitionFetchError(id, 0, ErrorCode.NOT_LEADER_OR_FOLLOWER);
            proxy.rewriteResponses(ApiKey.SHARE_FETCH.id(), 1, frame -> {
                FaultProxy.Rewritten r = notLeader.apply(frame);
                return ResponseRewrite.changed(r.bytes(), ShareFetchResponse.HIGHEST_SUPPORTED_VERSION, (short) 0,
                        ShareFetchResponse::read, m -> m.responses().forEach(t -> t.partitions().forEach(p -> {
                            if (p.errorCode() == ErrorCode.NOT_LEADER_OR_FOLLOWER.code()) {
                                p.setCurrentLeader(new ShareFetchResponse.LeaderIdAndEpoch().setLeaderId(broker).setLeaderEpoch(1_000));
                            }
                        })));
            });
            Await.until("the NOT_LEADER_OR_FOLLOWER answer read", Duration.ofSeconds(10), () -> {
                c.poll(Duration.ofMillis(50));
                return proxy.rewrittenResponses() == 1;
            });
            c.poll(Duration.ofMillis(50)); // reads it, if the last poll returned before
            long start = System.nanoTime();
            ParallelProcessorIT.produce(kafka, topic, 5, 5);
            Set<String> values = new HashSet<>();
            Await.until("the records written after it", Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
                return values.size() == 5;
            });
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(took < 3_000, "the records arrived " + took + " ms after the answer, not after the 4-6 s backoff");
        }
    }

    /** What one poll() raises of {@code type}, or null when it returns (anything else fails the test). */
    /** What one poll raised, of {@code type}; null when it raised nothing, or one of {@code ignored}. */
    @SafeVarargs
    private static <E extends RuntimeException> E raisedBy(ShareConsumer<String, String> c, Class<E> type,
                                                           Class<? extends RuntimeException>... ignored) {
        try {
            c.poll(Duration.ofMillis(100));
            return null;
        } catch (RuntimeException e) {
            if (type.isInstance(e)) {
                return type.cast(e);
            }
            for (Class<? extends RuntimeException> i : ignored) {
                if (i.isInstance(e)) {
                    return null;
                }
            }
            throw e;
        }
    }

    static UUID topicId(KafkaCluster kafka, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            org.apache.kafka.common.Uuid id = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic).topicId();
            return new UUID(id.getMostSignificantBits(), id.getLeastSignificantBits());
        }
    }

    /**
     * A rewrite of a ShareFetch answer that gives partition {@code partition} of topic {@code id} the fetch
     * error {@code error}, adding it when the answer does not list it (an incremental answer leaves out a
     * partition with nothing new). Meant for a partition with no records: records acquired in the answer
     * would stay acquired until their locks end.
     */
    static java.util.function.Function<io.netty.buffer.ByteBuf, FaultProxy.Rewritten> partitionFetchError(
            UUID id, int partition, ErrorCode error) {
        return frame -> ResponseRewrite.changed(frame, ShareFetchResponse.HIGHEST_SUPPORTED_VERSION, (short) 0,
                ShareFetchResponse::read, r -> {
                    if (r.errorCode() != 0) {
                        return;
                    }
                    ShareFetchResponse.ShareFetchableTopicResponse t = r.responses().stream()
                            .filter(x -> x.topicId().equals(id)).findFirst().orElse(null);
                    if (t == null) {
                        t = new ShareFetchResponse.ShareFetchableTopicResponse().setTopicId(id);
                        r.responses().add(t);
                    }
                    ShareFetchResponse.PartitionData p = t.partitions().stream()
                            .filter(x -> x.partitionIndex() == partition).findFirst().orElse(null);
                    if (p == null) {
                        p = new ShareFetchResponse.PartitionData().setPartitionIndex(partition)
                                .setRecords(io.netty.buffer.Unpooled.EMPTY_BUFFER);
                        t.partitions().add(p);
                    }
                    p.setErrorCode(error.code());
                });
    }

    /** A rewrite of a ShareAcknowledge answer that gives every partition {@code error}. */
    private static java.util.function.Function<io.netty.buffer.ByteBuf, FaultProxy.Rewritten> partitionError(ErrorCode error) {
        return frame -> ResponseRewrite.changed(frame, ShareAcknowledgeResponse.HIGHEST_SUPPORTED_VERSION, (short) 1,
                ShareAcknowledgeResponse::read, r -> r.responses().forEach(t -> t.partitions().forEach(p -> p.setErrorCode(error.code()))));
    }

    /**
     * unsubscribe() whose wait for the ShareFetch in flight ends at its deadline (the proxy holds the request)
     * still closes the share session (ShareAcknowledge with epoch -1, which the broker takes whatever epoch the
     * session is at), so the records the member held go back now, not when their 60-second locks run out.
     */
    @Test
    void unsubscribeClosesTheShareSessionWhenAShareFetchIsUnansweredAtItsDeadline(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-unsub-held", 1);
        ParallelProcessorIT.produce(kafka, topic, 5, 5);
        String group = shareGroup(kafka, "share-unsub-held");
        groupConfig(kafka, group, Map.of("share.record.lock.duration.ms", "60000"));
        FaultProxy proxy = kafka.proxy(kafka.brokerIds().iterator().next());
        Duration apiTimeout = Duration.ofSeconds(2);
        try (ShareConsumer<String, String> a = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).acknowledgementMode(AcknowledgementMode.EXPLICIT)
                .defaultApiTimeout(apiTimeout).build()) {
            a.subscribe(List.of(topic));
            List<ShareRecord<String, String>> held = Await.value("records for member A", Duration.ofSeconds(60),
                    () -> nonEmpty(a.poll(Duration.ofMillis(200))));
            held.forEach(r -> a.acknowledge(r, AcknowledgeType.RELEASE)); // carried by the ShareFetch held below
            proxy.holdRequests(ApiKey.SHARE_FETCH.id(), 1);
            assertEquals(List.of(), a.poll(Duration.ofMillis(200)));
            Await.until("the next ShareFetch held in the proxy", Duration.ofSeconds(10), () -> proxy.heldRequests() == 1);
            long start = System.nanoTime();
            a.unsubscribe();
            long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(took < apiTimeout.toMillis() + 5_000, "unsubscribe() kept to its timeout: " + took + " ms");
            Map<Long, Integer> counts = new ConcurrentHashMap<>();
            try (ShareConsumer<String, String> b = member(kafka, group, AcknowledgementMode.IMPLICIT)) {
                b.subscribe(List.of(topic));
                Await.until("member B receives the " + held.size() + " records A held, well before their 60 s locks end",
                        Duration.ofSeconds(20), () -> {
                            b.poll(Duration.ofMillis(200)).forEach(r -> counts.put(r.offset(), r.deliveryCount()));
                            return held.stream().allMatch(r -> counts.containsKey(r.offset()));
                        });
            }
            assertEquals(1, proxy.heldRequests(), "the ShareFetch was still held: the session close went on its own");
        }
    }

    private static <T> List<T> nonEmpty(List<T> records) {
        return records.isEmpty() ? null : records;
    }

    /** Sets share-group configs (the GROUP config resource) and waits until the broker has them (see {@link #shareGroup}). */
    /**
     * A ShareFetch answer whose batch of one partition cannot be framed (magic 1, as a proxy or a disk
     * could leave it): the poll that meets it raises a {@link CorruptRecordException} after handing out
     * what it could read, and the records acquired with the bad batch go back to the group at once,
     * not when their lock (60 s here) runs out. Every record arrives.
     */
    @Test
    void aBatchThatCannotBeReadIsRaisedAndItsAcquiredRecordsGoBackAtOnce(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-corrupt", 2);
        ConsumerIT.produce(kafka, topic, 200, "none");
        String group = shareGroup(kafka, "share-corrupt");
        groupConfig(kafka, group, Map.of("share.record.lock.duration.ms", "60000"));
        AtomicBoolean spoiled = new AtomicBoolean();
        kafka.proxy(1).rewriteResponses(ApiKey.SHARE_FETCH.id(), 1_000, frame -> spoiled.get() ? new FaultProxy.Rewritten(frame, false)
                : ResponseRewrite.changed(frame, ShareFetchResponse.HIGHEST_SUPPORTED_VERSION, (short) 0, ShareFetchResponse::read,
                        r -> r.responses().forEach(t -> t.partitions().forEach(p -> {
                            if (!spoiled.get() && p.records() != null && p.records().readableBytes() > 61) {
                                p.records().setByte(p.records().readerIndex() + 16, 1); // the first batch's magic
                                spoiled.set(true);
                            }
                        }))));
        Set<String> values = new HashSet<>();
        List<CorruptRecordException> raised = new ArrayList<>();
        try (ShareConsumer<String, String> c = member(kafka, group, AcknowledgementMode.IMPLICIT)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < 200 && System.nanoTime() < deadline) {
                try {
                    c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                } catch (CorruptRecordException e) {
                    raised.add(e);
                }
            }
        }
        assertTrue(spoiled.get(), "a batch was spoiled");
        assertEquals(1, raised.size(), "the bad batch raised once: " + raised);
        assertTrue(raised.get(0).getMessage().contains("magic 1"), raised.get(0).getMessage());
        assertEquals(200, values.size(), "every record arrived within 30 s, well before the 60 s lock of the bad batch's records");
    }

    static void groupConfig(KafkaCluster kafka, String group, Map<String, String> configs) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            List<AlterConfigOp> ops = new ArrayList<>();
            configs.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
            admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get(30, TimeUnit.SECONDS);
            Await.until(configs + " applied to " + group, Duration.ofSeconds(60), () -> {
                var applied = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
                return configs.entrySet().stream().allMatch(c -> applied.get(c.getKey()) != null
                        && c.getValue().equals(applied.get(c.getKey()).value()));
            });
        }
    }

    @Test
    void theDeliveryCountLimitArchivesARecordThatKeepsComingBack(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-limit", 1);
        ParallelProcessorIT.produce(kafka, topic, 5, 5);
        String group = shareGroup(kafka, "share-limit");
        groupConfig(kafka, group, Map.of("share.delivery.count.limit", "2"));
        Map<String, List<Integer>> deliveries = new ConcurrentHashMap<>();
        try (ShareConsumer<String, String> c = member(kafka, group, AcknowledgementMode.EXPLICIT)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long quietSince = 0;
            while (System.nanoTime() < deadline) {
                List<ShareRecord<String, String>> records = c.poll(Duration.ofMillis(200));
                for (ShareRecord<String, String> r : records) {
                    deliveries.computeIfAbsent(r.value(), v -> new ArrayList<>()).add(r.deliveryCount());
                    c.acknowledge(r, r.value().equals("2") ? AcknowledgeType.RELEASE : AcknowledgeType.ACCEPT);
                }
                if (deliveries.size() == 5 && records.isEmpty()) {
                    if (quietSince == 0) {
                        quietSince = System.nanoTime();
                    } else if (System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(2)) {
                        break; // nothing came back for 2 s
                    }
                } else {
                    quietSince = 0;
                }
            }
        }
        assertEquals(List.of(1, 2), deliveries.get("2"), "released at every delivery, archived after the limit");
        assertEquals(5, deliveries.size());
    }

    @Test
    void recordsHeldByAMemberKilledWithSigkillComeBackAfterTheirLock(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "share-kill", 1);
        int total = 200;
        ParallelProcessorIT.produce(kafka, topic, total, 10);
        String group = shareGroup(kafka, "share-kill");
        groupConfig(kafka, group, Map.of("share.record.lock.duration.ms", "2000"));
        List<String> held = new ArrayList<>();
        Process child = new ProcessBuilder(List.of(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CrashingShareMain.class.getName(),
                kafka.bootstrapServers(), group, topic)).redirectErrorStream(true).start();
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // the child is gone
            }
        }, "share-child-output");
        reader.setDaemon(true);
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line = "";
            while (!line.equals("HOLDING") && System.nanoTime() < deadline) {
                line = String.valueOf(lines.poll(100, TimeUnit.MILLISECONDS));
                if (line.startsWith("ACQUIRED ")) {
                    held.add(line.substring(9));
                }
            }
            assertEquals("HOLDING", line, "the child acquired records");
            child.destroyForcibly(); // SIGKILL, holding them
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
        assertTrue(!held.isEmpty());
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        try (ShareConsumer<String, String> c = member(kafka, group, AcknowledgementMode.IMPLICIT)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (counts.size() < total && System.nanoTime() < deadline) {
                for (ShareRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    counts.put(r.value(), r.deliveryCount());
                }
            }
        }
        assertEquals(total, counts.size(), "every record, those the dead member held included");
        for (String v : held) {
            assertEquals(2, counts.get(v), "record " + v + " came back after the lock, its second delivery");
        }
    }

    private static boolean accepted(Map<String, List<Integer>> deliveries, int n) {
        return deliveries.size() >= n + 1;
    }

    /** Simulated work per record: a fixed duration on purpose, not a wait for anything. */
    private static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
