package dev.skein.consumer;

import dev.skein.core.TopicPartition;
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
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every broker of a 3-node cluster (RF 3, min.insync.replicas 2) restarted cleanly, one after the
 * other, while an idempotent producer writes and a 3-member group reads: the bounces move leaders and
 * the group coordinator, but cause no rebalance, lose nothing and read nothing twice, as the
 * {@link DeliveryChecker} judges the whole history.
 */
@ExtendWith(KafkaClusterExtension.class)
@Execution(ExecutionMode.CONCURRENT) // the fault lane, beside the other ITs: see this module's pom.xml
class RollingRestartIT {
    private static final int PARTITIONS = 6;

    // Two rounds under the consumer protocol (the default where offered): every broker, and so the group
    // coordinator, bounced twice. A classic-protocol round ran here too, and a third round, until the
    // suite's time mattered (each bounce takes about 13 s); the classic group meets broker bounces in
    // ConsumerFailoverIT and in SoakIT's at-most-once group.
    @ParameterizedTest(name = "group.protocol={0}, {1} round(s)")
    @CsvSource({"consumer, 2"})
    void aRollingRestartCausesNoRebalanceNoLossAndNoDuplicate(String protocol, int rounds,
                                                              @OwnCluster(brokers = 3) KafkaCluster kafka) throws Exception {
        String topic = "rolling-" + protocol;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 3))).all().get(60, TimeUnit.SECONDS);
            DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.AT_LEAST_ONCE);
            AtomicBoolean stable = new AtomicBoolean();
            AtomicInteger rebalancesAfterStable = new AtomicInteger();
            AtomicBoolean stopConsumers = new AtomicBoolean();
            AtomicReference<Throwable> consumerFailure = new AtomicReference<>();
            Map<String, Integer> owned = new ConcurrentHashMap<>();
            List<Thread> members = new ArrayList<>();
            for (int m = 0; m < 3; m++) {
                String member = "member-" + m;
                Thread t = new Thread(() -> consume(kafka, topic, protocol, member, checker, owned, stable,
                        rebalancesAfterStable, stopConsumers, consumerFailure), member);
                t.start();
                members.add(t);
            }
            // Evenly, so the group has settled: with the consumer protocol partitions move one revocation
            // at a time, and an uneven split on the way would count what is left of it as a rebalance.
            Await.until("three members sharing the partitions evenly", Duration.ofSeconds(60),
                    () -> owned.size() == 3 && owned.values().stream().allMatch(n -> n == PARTITIONS / 3));
            stable.set(true);

            try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).property("linger.ms", 5).build();
                 PacedProducer paced = PacedProducer.start(p, checker, i -> ProducerRecord.of(topic, PacedProducer.value(i)))) {
                Await.until("records flowing", Duration.ofSeconds(60), () -> checker.counts().get("distinct_read") > 500);
                for (int round = 1; round <= rounds; round++) {
                    for (int id : kafka.brokerIds().stream().sorted().toList()) {
                        kafka.restart(id); // SIGTERM (a controlled shutdown moves leadership away first), then start
                        awaitFullIsr(admin, List.of(topic, "__consumer_offsets"));
                        long readBefore = checker.counts().get("distinct_read");
                        Await.until("records flowing after broker " + id + " came back (round " + round + ")",
                                Duration.ofSeconds(60), () -> checker.counts().get("distinct_read") > readBefore + 200);
                    }
                }
            } // every send answered
            Await.until("every acknowledged record read", Duration.ofSeconds(60),
                    () -> checker.counts().get("distinct_read") >= checker.counts().get("acknowledged"));
            int rebalances = rebalancesAfterStable.get(); // closing revokes: not a rebalance
            stable.set(false);
            stopConsumers.set(true);
            for (Thread t : members) {
                t.join(TimeUnit.SECONDS.toMillis(60));
            }
            if (consumerFailure.get() != null) {
                throw new AssertionError("a member failed", consumerFailure.get());
            }
            DeliveryChecker.Report report = checker.check();
            assertTrue(report.violations().isEmpty(), "no loss, no duplicate, nothing out of order: " + report);
            assertEquals(0, report.counts().get("failed") + report.counts().get("unknown"), report.toString());
            assertEquals(0, rebalances, "the bounces caused no rebalance");
        }
    }

    private static void consume(KafkaCluster kafka, String topic, String protocol, String member, DeliveryChecker checker,
                                Map<String, Integer> owned, AtomicBoolean stable, AtomicInteger rebalances,
                                AtomicBoolean stop, AtomicReference<Throwable> failure) {
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId("rolling-" + protocol)
                .property("group.protocol", protocol).offsetReset(OffsetReset.EARLIEST)
                .delivery(Delivery.AT_LEAST_ONCE).build()) {
            c.subscribe(List.of(topic), new RecordingListener(checker, member, () -> c.groupMetadata().generationId()) {
                @Override
                protected void changed(Collection<TopicPartition> partitions, boolean assigned) {
                    if (stable.get() && !partitions.isEmpty()) {
                        rebalances.incrementAndGet();
                    }
                    owned.put(member, c.assignment().size() - (assigned ? 0 : partitions.size()));
                }
            });
            while (!stop.get()) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                    checker.received(member, c.groupMetadata().generationId(), r.topic(), r.partition(), r.offset(), r.value());
                }
            }
        } catch (Throwable e) {
            failure.compareAndSet(null, e);
        }
    }

    /** Waits until every partition of {@code topics} has all three replicas in sync again. */
    private static void awaitFullIsr(Admin admin, List<String> topics) {
        Await.until("all replicas of " + topics + " in sync", Duration.ofSeconds(90), () -> {
            Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
            return d.values().stream().flatMap(t -> t.partitions().stream()).allMatch(p -> p.isr().size() == 3);
        });
    }
}
