package dev.skein.consumer;

import dev.skein.producer.PacedProducer;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.DeliveryChecker;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The randomized soak: an idempotent producer, a 3-member group in each of at-least-once (KIP-848
 * protocol) and at-most-once (classic protocol), and an exactly-once copier, all on 3 brokers (RF 3,
 * min.insync.replicas 2), while a nemesis injects one fault at a time, picked at random from a seed:
 * SIGKILL and restart, SIGSTOP and SIGCONT, a black-holed broker, added latency, cut connections, and a
 * leader moved to another replica. At the end the {@link DeliveryChecker}s judge the groups' whole
 * histories and the copier's output is compared with its input, partition by partition.
 *
 * <p>It runs 2 minutes in every {@code mvn verify}; {@code -Dsoak.minutes=60} runs it longer, and
 * {@code -Dsoak.seed=N} replays the fault schedule of seed N (every failure message names it). Its
 * first runs found four client bugs, each now fixed and covered by a focused IT.
 */
@ExtendWith(KafkaClusterExtension.class)
@Execution(ExecutionMode.CONCURRENT) // the fault lane, beside the other ITs: see this module's pom.xml
class SoakIT {
    private static final int PARTITIONS = 6;
    private static final String IN = "soak";
    private static final String OUT = "soak-copy";

    private enum Fault { KILL, PAUSE, BLACK_HOLE, LATENCY, CUT_CONNECTIONS, MOVE_LEADER }

    @Test
    void everyDeliveryModeKeepsItsPromiseUnderRandomFaults(@OwnCluster(brokers = 3, faultProxy = true) KafkaCluster kafka)
            throws Exception {
        long seed = Long.getLong("soak.seed", System.nanoTime());
        Duration length = Duration.ofMinutes(Long.getLong("soak.minutes", 2));
        String run = "soak seed " + seed + " (replay: -Dsoak.seed=" + seed + ")";
        System.out.println("SoakIT: " + run + ", " + length.toMinutes() + " min");

        List<Integer> brokers = kafka.brokerIds().stream().sorted().toList();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Map<String, String> minIsr = Map.of("min.insync.replicas", "2");
            admin.createTopics(List.of(new NewTopic(IN, PARTITIONS, (short) 3).configs(minIsr),
                    new NewTopic(OUT, PARTITIONS, (short) 3).configs(minIsr))).all().get(60, TimeUnit.SECONDS);

            DeliveryChecker atLeastOnce = DeliveryChecker.expecting(DeliveryChecker.Guarantee.AT_LEAST_ONCE);
            DeliveryChecker atMostOnce = DeliveryChecker.expecting(DeliveryChecker.Guarantee.AT_MOST_ONCE);
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            AtomicBoolean stopReading = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            for (int m = 0; m < 3; m++) {
                threads.add(member(kafka, "alo-" + m, "soak-alo", "consumer", Delivery.AT_LEAST_ONCE,
                        atLeastOnce, stopReading, failures));
                threads.add(member(kafka, "amo-" + m, "soak-amo", "classic", Delivery.AT_MOST_ONCE,
                        atMostOnce, stopReading, failures));
            }
            threads.add(copier(kafka, stopReading, failures));
            threads.forEach(Thread::start);

            try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).requestTimeout(Duration.ofSeconds(10)).build();
                 PacedProducer paced = PacedProducer.start(p, List.of(atLeastOnce, atMostOnce),
                         i -> ProducerRecord.of(IN, Integer.toString(i), PacedProducer.value(i)))) {
                try {
                    Await.until("records flowing to both groups before the first fault (" + run + ")", Duration.ofSeconds(90),
                            () -> atLeastOnce.counts().get("distinct_read") > 500 && atMostOnce.counts().get("distinct_read") > 500);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "; at-least-once " + atLeastOnce.counts() + ", at-most-once "
                            + atMostOnce.counts() + ", failures " + failures, e);
                }
                nemesis(kafka, admin, brokers, new Random(seed), System.nanoTime() + length.toNanos(), run);
            } // every send answered
            awaitFullIsr(admin, run);

            try {
                Await.until("the at-least-once group reading every acknowledged record (" + run + ")", Duration.ofSeconds(120),
                        () -> noFailure(failures, run) && atLeastOnce.counts().get("distinct_read")
                                >= atLeastOnce.counts().get("acknowledged"));
                Await.until("the at-most-once group and the copier committing up to the end (" + run + ")",
                        Duration.ofSeconds(120), () -> noFailure(failures, run) && lag(admin, "soak-amo").isEmpty()
                                && lag(admin, "soak-eos").isEmpty());
            } catch (AssertionError e) {
                e.addSuppressed(new AssertionError("at the end: at-least-once " + atLeastOnce.counts() + "; at-most-once "
                        + atMostOnce.counts() + "; lag of soak-amo " + lag(admin, "soak-amo") + ", of soak-eos "
                        + lag(admin, "soak-eos") + "; threads alive " + threads.stream().filter(Thread::isAlive)
                        .map(Thread::getName).toList()));
                stopReading.set(true);
                throw e;
            }
            stopReading.set(true);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(60));
            }
            if (!failures.isEmpty()) {
                AssertionError e = new AssertionError("a client failed under the faults (" + run + ")", failures.peek());
                failures.stream().skip(1).forEach(e::addSuppressed);
                throw e;
            }

            DeliveryChecker.Report alo = atLeastOnce.check();
            DeliveryChecker.Report amo = atMostOnce.check();
            System.out.println("SoakIT: at-least-once " + alo.counts() + "; at-most-once " + amo.counts());
            if (!alo.ok() || !amo.ok()) {
                throw new AssertionError(run + "\nat-least-once: " + alo + "\nat-most-once: " + amo);
            }
            assertCopiedExactlyOnce(kafka, run);
        }
    }

    /**
     * Injects faults one at a time until {@code deadlineNanos}; each is healed, and the cluster back to
     * full ISR, before the next. The schedule (fault, broker, length, pause) comes from {@code random}
     * alone, so a seed replays it.
     */
    private static void nemesis(KafkaCluster kafka, Admin admin, List<Integer> brokers, Random random, long deadlineNanos,
                                String run) throws Exception {
        Fault[] faults = Fault.values();
        while (System.nanoTime() - deadlineNanos < 0) {
            Fault fault = faults[random.nextInt(faults.length)];
            int broker = brokers.get(random.nextInt(brokers.size()));
            long millis = 2_000 + random.nextInt(8_000);
            long pause = 1_000 + random.nextInt(3_000);
            int partition = random.nextInt(PARTITIONS);
            System.out.println("SoakIT: " + switch (fault) {
                case CUT_CONNECTIONS -> fault + " to broker " + broker;
                case MOVE_LEADER -> fault + " of " + IN + "-" + partition;
                default -> fault + " broker " + broker + " for " + millis + " ms";
            });
            switch (fault) {
                case KILL -> {
                    kafka.kill(broker);
                    TimeUnit.MILLISECONDS.sleep(millis); // the fault's length, drawn from the seed
                    kafka.restart(broker);
                }
                case PAUSE -> {
                    kafka.pause(broker);
                    try {
                        TimeUnit.MILLISECONDS.sleep(millis);
                    } finally {
                        kafka.resume(broker);
                    }
                }
                case BLACK_HOLE -> {
                    kafka.proxy(broker).blackHole(true);
                    try {
                        TimeUnit.MILLISECONDS.sleep(millis);
                    } finally {
                        kafka.proxy(broker).heal();
                    }
                }
                case LATENCY -> {
                    kafka.proxy(broker).latency(Duration.ofMillis(50 + random.nextInt(150)));
                    try {
                        TimeUnit.MILLISECONDS.sleep(millis);
                    } finally {
                        kafka.proxy(broker).heal();
                    }
                }
                case CUT_CONNECTIONS -> kafka.proxy(broker).cutConnections();
                case MOVE_LEADER -> moveLeader(admin, new org.apache.kafka.common.TopicPartition(IN, partition));
            }
            awaitFullIsr(admin, run);
            TimeUnit.MILLISECONDS.sleep(pause); // a quiet spell between faults, drawn from the seed
        }
    }

    /** Rotates the partition's replica list and elects its new preferred replica: leadership moves. */
    private static void moveLeader(Admin admin, org.apache.kafka.common.TopicPartition tp) throws Exception {
        List<Integer> replicas = admin.describeTopics(List.of(tp.topic())).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(tp.topic()).partitions().get(tp.partition()).replicas().stream().map(n -> n.id())
                .collect(Collectors.toCollection(ArrayList::new));
        Collections.rotate(replicas, -1);
        admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(replicas))))
                .all().get(30, TimeUnit.SECONDS);
        Await.until("the reassignment of " + tp + " done", Duration.ofSeconds(60),
                () -> admin.listPartitionReassignments().reassignments().get(10, TimeUnit.SECONDS).isEmpty());
        admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).partitions().get(30, TimeUnit.SECONDS);
    }

    private static void awaitFullIsr(Admin admin, String run) {
        Await.until("every replica in sync again (" + run + ")", Duration.ofSeconds(120),
                () -> admin.describeTopics(List.of(IN, OUT)).allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
                        .flatMap(t -> t.partitions().stream()).allMatch(p -> p.isr().size() == 3 && p.leader() != null));
    }

    /** A client thread that died fails the wait at once, with what killed it. */
    private static boolean noFailure(ConcurrentLinkedQueue<Throwable> failures, String run) {
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("a client failed under the faults (" + run + ")", failures.peek());
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
        return true;
    }

    /** The partitions of IN where {@code group}'s committed offset is short of the end: partition to how far. */
    private static Map<Integer, Long> lag(Admin admin, String group) {
        try {
            Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            var ends = admin.listOffsets(IntStream.range(0, PARTITIONS).boxed().collect(Collectors.toMap(
                    p -> new org.apache.kafka.common.TopicPartition(IN, p), p -> OffsetSpec.latest()))).all()
                    .get(10, TimeUnit.SECONDS);
            Map<Integer, Long> lag = new java.util.TreeMap<>();
            ends.forEach((tp, end) -> {
                OffsetAndMetadata c = committed.get(tp);
                long behind = end.offset() - (c == null ? 0 : c.offset());
                if (behind > 0) {
                    lag.put(tp.partition(), behind);
                }
            });
            return lag;
        } catch (Exception e) {
            return Map.of(-1, -1L); // not known now: not caught up either
        }
    }

    private static Thread member(KafkaCluster kafka, String member, String group, String protocol, Delivery delivery,
                                 DeliveryChecker checker, AtomicBoolean stop, ConcurrentLinkedQueue<Throwable> failures) {
        return new Thread(() -> {
            try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).groupId(group).groupProtocol(GroupProtocol.forName(protocol))
                    .delivery(delivery).offsetReset(OffsetReset.EARLIEST).requestTimeout(Duration.ofSeconds(10)).build()) {
                c.subscribe(List.of(IN), new RecordingListener(checker, member, () -> c.groupMetadata().generationId()));
                while (!stop.get()) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                        checker.received(member, c.groupMetadata().generationId(), r.topic(), r.partition(), r.offset(),
                                r.value());
                    }
                }
            } catch (Throwable e) {
                failures.add(new AssertionError("member " + member + " of " + group, e));
            }
        }, member);
    }

    /** The exactly-once copier: IN to OUT, partition for partition, in transactions. */
    private static Thread copier(KafkaCluster kafka, AtomicBoolean stop, ConcurrentLinkedQueue<Throwable> failures) {
        return new Thread(() -> {
            try (ExactlyOnceProcessor<String, String, String, String> copier = ExactlyOnceProcessor
                    .builder(Serdes.string().deserializer(), Serdes.string().deserializer(), Serdes.string().serializer(),
                            Serdes.string().serializer())
                    .bootstrapServers(kafka.bootstrapServers()).input(List.of(IN)).groupId("soak-eos")
                    .transactionalId("soak-eos").property("request.timeout.ms", 10_000).build()) {
                while (!stop.get()) {
                    copier.processOnce(Duration.ofMillis(100),
                            r -> List.of(new ProducerRecord<>(OUT, r.partition(), r.key(), r.value(), r.headers(), null)));
                }
            } catch (Throwable e) {
                failures.add(new AssertionError("the exactly-once copier", e));
            }
        }, "copier");
    }

    /** Each partition of OUT, read committed, holds exactly what the same partition of IN holds, in its order. */
    private static void assertCopiedExactlyOnce(KafkaCluster kafka, String run) {
        List<List<String>> copied = ExactlyOnceIT.readCommitted(kafka, OUT, PARTITIONS);
        List<List<String>> input = readAll(kafka);
        for (int p = 0; p < PARTITIONS; p++) {
            List<String> in = input.get(p);
            List<String> out = copied.get(p);
            int same = 0;
            while (same < Math.min(in.size(), out.size()) && in.get(same).equals(out.get(same))) {
                same++;
            }
            if (same != in.size() || same != out.size()) {
                Map<String, Long> counts = out.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
                long twice = counts.values().stream().filter(n -> n > 1).count();
                long missing = in.stream().filter(v -> !counts.containsKey(v)).count();
                throw new AssertionError(run + ": partition " + p + " of the copy differs from the input at index " + same
                        + " (input " + in.size() + " records, copy " + out.size() + "; " + missing + " missing, " + twice
                        + " copied twice; input there " + (same < in.size() ? in.get(same) : "-") + ", copy "
                        + (same < out.size() ? out.get(same) : "-") + ")");
            }
        }
        System.out.println("SoakIT: copier output equals its input, " + input.stream().mapToInt(List::size).sum() + " records");
    }

    /** Every partition of IN from the start to its end, in offset order. */
    private static List<List<String>> readAll(KafkaCluster kafka) {
        List<List<String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringDeserializer(), new StringDeserializer())) {
            for (int p = 0; p < PARTITIONS; p++) {
                org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(IN, p);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                long end = c.endOffsets(List.of(tp)).get(tp);
                List<String> values = new ArrayList<>();
                Await.until("partition " + p + " of " + IN + " read to its end", Duration.ofSeconds(60), () -> {
                    c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                    return c.position(tp) >= end;
                });
                out.add(values);
            }
        }
        return out;
    }
}
