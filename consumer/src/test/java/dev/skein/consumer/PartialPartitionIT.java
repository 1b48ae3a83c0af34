package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.producer.PacedProducer;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.DeliveryChecker;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Partial partitions: the clients cannot reach one broker while the cluster can (replication is not
 * proxied, so it stays leader), either because the route swallows every byte (black hole) or only the
 * answers (half-open: requests are processed, so the producer's retries must not write twice).
 * Records for partitions led by the other brokers must keep flowing both ways meanwhile (no
 * head-of-line blocking in the producer or the consumer), and once the route heals the stalled
 * partitions recover within the request timeout plus a metadata refresh, with nothing lost or repeated.
 * And a slow link to every broker (100 ms each way, 3 Mbit/s) slows the clients without breaking them.
 */
@ExtendWith(KafkaClusterExtension.class)
@Execution(ExecutionMode.CONCURRENT) // the fault lane, beside the other ITs: see this module's pom.xml
class PartialPartitionIT {
    private static final int PARTITIONS = 3;
    private static final Duration FAULT = Duration.ofSeconds(20);
    private static KafkaCluster kafka;

    /** How the route to one broker fails. */
    enum Route {
        /** 60 s: the bar, long past every request and connection timeout, and a metadata refresh. */
        BLACK_HOLE(Duration.ofSeconds(60)),
        HALF_OPEN(Duration.ofSeconds(20));

        final Duration length;

        Route(Duration length) {
            this.length = length;
        }

        void fail(FaultProxy proxy) {
            if (this == BLACK_HOLE) {
                proxy.blackHole(true);
            } else {
                proxy.halfOpen(true);
            }
        }
    }

    @BeforeAll
    static void start(@OwnCluster(brokers = 3, faultProxy = true) KafkaCluster cluster) {
        kafka = cluster;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Route.class)
    void aBrokerTheClientsCannotReachHoldsUpOnlyItsOwnPartitions(Route route) throws Exception {
        String topic = "partial-" + route.name().toLowerCase(java.util.Locale.ROOT);
        Victim layout = createTopic(topic);
        int victim = layout.broker();
        Set<Integer> stalled = layout.partitions();
        assertTrue(stalled.size() < PARTITIONS, "some partition is led elsewhere: " + stalled);
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        Map<Integer, AtomicLong> readBy = new ConcurrentHashMap<>();
        AtomicBoolean stopReading = new AtomicBoolean();
        Thread reading = reader(topic, checker, readBy, stopReading);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).requestTimeout(Duration.ofSeconds(5)).build();
             PacedProducer paced = PacedProducer.start(p, checker,
                     i -> ProducerRecord.<String, String>of(topic, PacedProducer.value(i)).withPartition(i % PARTITIONS))) {
            Await.until("records read from every partition", Duration.ofSeconds(60), () -> readBy.size() == PARTITIONS
                    && readBy.values().stream().allMatch(n -> n.get() > 100));

            int healthy = IntStream.range(0, PARTITIONS).filter(x -> !stalled.contains(x)).findFirst().orElseThrow();
            int stalledPartition = stalled.iterator().next();
            route.fail(kafka.proxy(victim));
            long start = System.nanoTime();
            long stalledAtHole = paced.acknowledged(stalledPartition);
            long ackedBefore = paced.acknowledged(healthy);
            long readBefore = readBy.get(healthy).get();
            try {
                Await.until("partition " + healthy + " flowing both ways while broker " + victim + " is unreachable",
                        route.length, () -> paced.acknowledged(healthy) > ackedBefore + 2_000
                                && readBy.get(healthy).get() > readBefore + 2_000);
                long left = route.length.toNanos() - (System.nanoTime() - start);
                if (left > 0) {
                    TimeUnit.NANOSECONDS.sleep(left); // the fault lasts its full length: the stalled side must wait it out
                }
                long through = paced.acknowledged(stalledPartition) - stalledAtHole;
                assertTrue(through < 100, "the " + route + " held partition " + stalledPartition + " (" + through
                        + " acknowledged through it, answers already on their way at most)");
            } finally {
                kafka.proxy(victim).heal();
            }
            long stalledAcked = paced.acknowledged(stalledPartition);
            long stalledRead = readBy.get(stalledPartition).get();
            Await.until("partition " + stalledPartition + " recovering after the route healed", Duration.ofSeconds(30),
                    () -> paced.acknowledged(stalledPartition) > stalledAcked + 500
                            && readBy.get(stalledPartition).get() > stalledRead + 500);
        } // every send answered
        Await.until("every acknowledged record read", Duration.ofSeconds(60),
                () -> checker.counts().get("distinct_read") >= checker.counts().get("acknowledged"));
        stopReading.set(true);
        reading.join(TimeUnit.SECONDS.toMillis(30));
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.violations().isEmpty(), report.toString());
    }

    /**
     * Every route slow (100 ms added each way, 3 Mbit/s per direction and connection) for 20 s: records
     * keep flowing to and from every partition, and once the links are fast again nothing is lost or
     * repeated.
     */
    @Test
    void aSlowLinkToEveryBrokerSlowsTheClientsWithoutBreakingThem() throws Exception {
        String topic = "slow-link";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 3))).all().get(60, TimeUnit.SECONDS);
        }
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        Map<Integer, AtomicLong> readBy = new ConcurrentHashMap<>();
        AtomicBoolean stopReading = new AtomicBoolean();
        Thread reading = reader(topic, checker, readBy, stopReading);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).requestTimeout(Duration.ofSeconds(5)).build();
             PacedProducer paced = PacedProducer.start(p, checker,
                     i -> ProducerRecord.<String, String>of(topic, PacedProducer.value(i)).withPartition(i % PARTITIONS))) {
            Await.until("records read from every partition", Duration.ofSeconds(60), () -> readBy.size() == PARTITIONS
                    && readBy.values().stream().allMatch(n -> n.get() > 100));
            long start = System.nanoTime();
            for (int id : kafka.brokerIds()) {
                kafka.proxy(id).latency(Duration.ofMillis(100)).bandwidth(375_000);
            }
            try {
                for (int partition = 0; partition < PARTITIONS; partition++) {
                    int tp = partition;
                    long acked = paced.acknowledged(tp);
                    long read = readBy.get(tp).get();
                    Await.until("partition " + tp + " flowing both ways over the slow links", FAULT,
                            () -> paced.acknowledged(tp) > acked + 500 && readBy.get(tp).get() > read + 500);
                }
                long left = FAULT.toNanos() - (System.nanoTime() - start);
                if (left > 0) {
                    TimeUnit.NANOSECONDS.sleep(left); // the fault lasts its full length
                }
            } finally {
                kafka.brokerIds().forEach(id -> kafka.proxy(id).heal());
            }
        } // every send answered
        Await.until("every acknowledged record read", Duration.ofSeconds(60),
                () -> checker.counts().get("distinct_read") >= checker.counts().get("acknowledged"));
        stopReading.set(true);
        reading.join(TimeUnit.SECONDS.toMillis(30));
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.violations().isEmpty(), report.toString());
        assertTrue(report.counts().get("failed") + report.counts().get("unknown") == 0, "a slow link fails no send: " + report);
    }

    /**
     * A consumer that starts (no positions yet, reset to earliest) while one leader is unreachable for
     * longer than the connection timeout: its polls return what the other partitions hold and never
     * throw (the reset of the stalled partitions is retried, not given up on), and once the route heals
     * the rest arrives, each record once.
     */
    @Test
    void aConsumerStartingWhileALeaderIsUnreachableReadsTheOthersAndWaitsForIt() throws Exception {
        String topic = "partial-start";
        int perPartition = 200;
        Victim layout = createTopic(topic);
        int victim = layout.broker();
        Set<Integer> stalled = layout.partitions();
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).build()) {
            for (int i = 0; i < perPartition * PARTITIONS; i++) {
                p.send(ProducerRecord.<String, String>of(topic, Integer.toString(i)).withPartition(i % PARTITIONS));
            }
            p.flush();
        }
        Map<Integer, Set<Long>> offsets = new ConcurrentHashMap<>();
        long duplicates = 0;
        kafka.proxy(victim).blackHole(true);
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST)
                .requestTimeout(Duration.ofSeconds(5)).property("socket.connection.setup.timeout.ms", 3_000).build()) {
            c.assign(IntStream.range(0, PARTITIONS).mapToObj(x -> new TopicPartition(topic, x)).toList());
            try {
                long end = System.nanoTime() + FAULT.toNanos();
                while (System.nanoTime() < end) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                        duplicates += offsets.computeIfAbsent(r.partition(), x -> ConcurrentHashMap.newKeySet()).add(r.offset()) ? 0 : 1;
                    }
                }
                for (int x = 0; x < PARTITIONS; x++) {
                    int read = offsets.getOrDefault(x, Set.of()).size();
                    if (stalled.contains(x)) {
                        assertTrue(read == 0, "partition " + x + " is led by the unreachable broker, yet " + read + " read");
                    } else {
                        assertTrue(read == perPartition, "partition " + x + " read in full while broker " + victim
                                + " is unreachable (" + read + " of " + perPartition + ")");
                    }
                }
            } finally {
                kafka.proxy(victim).heal();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (offsets.values().stream().mapToInt(Set::size).sum() < perPartition * PARTITIONS && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                    duplicates += offsets.computeIfAbsent(r.partition(), x -> ConcurrentHashMap.newKeySet()).add(r.offset()) ? 0 : 1;
                }
            }
        }
        for (int x = 0; x < PARTITIONS; x++) {
            assertTrue(offsets.getOrDefault(x, Set.of()).size() == perPartition, "partition " + x + " read in full after healing: "
                    + offsets.getOrDefault(x, Set.of()).size() + " of " + perPartition);
        }
        assertTrue(duplicates == 0, duplicates + " records read twice");
    }

    /**
     * The exactly-once copier while its transaction coordinator cannot be reached for longer than
     * {@code max.block.ms}: the steps that time out (a send's metadata, the offsets joining, the commit)
     * are aborted and redone or committed again, never thrown at the application, and the copy holds
     * each input record once.
     */
    @Test
    void theExactlyOnceCopierWaitsOutAnUnreachableTransactionCoordinator() throws Exception {
        String in = "partial-eos-in";
        String out = "partial-eos-out";
        String transactionalId = "partial-eos-" + UUID.randomUUID();
        int total = 20_000;
        // The fault is on the transaction coordinator alone: the group's coordinator and the partitions' leaders
        // must be other brokers, or the copier would only wait in poll() or for its records, and EndTxn would
        // never meet the fault.
        int coordinator;
        String group;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            try (Producer<String, String> registering = Producer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).transactionalId(transactionalId).build()) {
                registering.initTransactions();
            }
            coordinator = admin.describeTransactions(List.of(transactionalId)).description(transactionalId)
                    .get(30, TimeUnit.SECONDS).coordinatorId();
            // A group's coordinator leads its partition of __consumer_offsets: abs(hashCode) % partitions.
            // (Looking a group up makes the broker create that topic; the group need not exist.)
            List<org.apache.kafka.common.TopicPartitionInfo> offsetsTopic = new java.util.ArrayList<>();
            Await.until("__consumer_offsets created", Duration.ofSeconds(60), () -> {
                offsetsTopic.clear();
                try {
                    admin.describeConsumerGroups(List.of(transactionalId)).all().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    // no such group: expected
                }
                offsetsTopic.addAll(admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get(30, TimeUnit.SECONDS)
                        .get("__consumer_offsets").partitions());
                return offsetsTopic.stream().allMatch(x -> x.leader() != null);
            });
            String candidate = null;
            for (int i = 0; candidate == null && i < 100; i++) {
                String g = transactionalId + "-group-" + i;
                int hash = g.hashCode();
                int partition = (hash == Integer.MIN_VALUE ? 0 : Math.abs(hash)) % offsetsTopic.size();
                if (offsetsTopic.get(partition).leader().id() != coordinator) {
                    candidate = g;
                }
            }
            group = candidate;
        }
        assertTrue(group != null, "a group id whose coordinator is not broker " + coordinator);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            List<Integer> others = kafka.brokerIds().stream().filter(id -> id != coordinator).sorted().toList();
            Map<Integer, List<Integer>> replicas = new java.util.HashMap<>();
            for (int x = 0; x < PARTITIONS; x++) {
                replicas.put(x, List.of(others.get(x % 2), others.get((x + 1) % 2), coordinator)); // led elsewhere
            }
            admin.createTopics(List.of(new NewTopic(in, replicas), new NewTopic(out, replicas))).all().get(60, TimeUnit.SECONDS);
        }
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).build()) {
            for (int i = 0; i < total; i++) {
                p.send(ProducerRecord.<String, String>of(in, Integer.toString(i)).withPartition(i % PARTITIONS));
            }
            p.flush();
        }
        long copied = 0;
        long stalled = 0;
        try (ExactlyOnceProcessor<String, String, String, String> copier = ExactlyOnceProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer(), Serdes.string().serializer(),
                        Serdes.string().serializer())
                .bootstrapServers(kafka.bootstrapServers()).input(List.of(in)).groupId(group)
                .transactionalId(transactionalId).property("max.poll.records", 200).property("max.block.ms", 2_000)
                .property("request.timeout.ms", 2_000).property("socket.connection.setup.timeout.ms", 2_000).build()) {
            ExactlyOnceProcessor.Transform<String, String, String, String> copy =
                    r -> List.of(new ProducerRecord<>(out, r.partition(), r.key(), r.value(), r.headers(), null));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (copied < total / 3 && System.nanoTime() < deadline) {
                copied += copier.processOnce(Duration.ofMillis(100), copy);
            }
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                int groupCoordinator = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group)
                        .coordinator().id();
                assertTrue(groupCoordinator != coordinator, "the group's coordinator " + groupCoordinator
                        + " is not the transaction coordinator");
            }
            kafka.proxy(coordinator).blackHole(true);
            Thread healer = new Thread(() -> {
                try {
                    TimeUnit.SECONDS.sleep(8); // the fault's length, whatever the copier is doing meanwhile
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    kafka.proxy(coordinator).heal();
                }
            }, "healer");
            healer.start();
            try {
                while (healer.isAlive() && System.nanoTime() < deadline) {
                    long start = System.nanoTime();
                    copied += copier.processOnce(Duration.ofMillis(100), copy);
                    stalled += System.nanoTime() - start > TimeUnit.SECONDS.toNanos(2) ? 1 : 0;
                }
            } finally {
                healer.interrupt();
                healer.join(10_000);
            }
            while (copied < total && System.nanoTime() < deadline) {
                copied += copier.processOnce(Duration.ofMillis(100), copy);
            }
        }
        assertTrue(stalled > 0, "a transaction met the unreachable coordinator (waited past max.block.ms)");
        assertEquals(total, copied, "every input record committed once by the copier");
        ExactlyOnceIT.assertExactlyOnce(total, ExactlyOnceIT.readCommitted(kafka, out, PARTITIONS));
    }

    /** The broker to cut off (partition 0's leader) and the partitions of the topic it leads. */
    private record Victim(int broker, Set<Integer> partitions) {}

    /** Creates {@code topic} (RF 3) and names the broker to cut off. */
    private static Victim createTopic(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 3))).all().get(60, TimeUnit.SECONDS);
            // The broker asked may not know the new topic yet (each learns it from the controller).
            var described = new AtomicReference<List<TopicPartitionInfo>>();
            Await.until("every partition of " + topic + " described with a leader", Duration.ofSeconds(30), () -> {
                var ps = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic).partitions();
                described.set(ps);
                return ps.size() == PARTITIONS && ps.stream().allMatch(p -> p.leader() != null);
            });
            var partitions = described.get();
            int victim = partitions.get(0).leader().id();
            return new Victim(victim, partitions.stream().filter(p -> p.leader().id() == victim).map(p -> p.partition())
                    .collect(Collectors.toSet()));
        }
    }

    /** Starts a reader of every partition of {@code topic} (assigned, not a group) into {@code checker}. */
    private static Thread reader(String topic, DeliveryChecker checker, Map<Integer, AtomicLong> readBy, AtomicBoolean stop) {
        Thread reading = new Thread(() -> {
            try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST)
                    .requestTimeout(Duration.ofSeconds(5)).build()) {
                List<TopicPartition> all = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)).toList();
                c.assign(all);
                all.forEach(tp -> checker.assigned("reader", 0, topic, tp.partition()));
                while (!stop.get()) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                        checker.received("reader", 0, r.topic(), r.partition(), r.offset(), r.value());
                        readBy.computeIfAbsent(r.partition(), x -> new AtomicLong()).incrementAndGet();
                    }
                }
            }
        }, "reader");
        reading.start();
        return reading;
    }
}
