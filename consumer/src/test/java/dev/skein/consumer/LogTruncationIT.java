package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * KIP-320 against real brokers: an unclean leader election truncates records a consumer has read, and
 * the consumer moves to where the logs diverge: no record read twice, none of the new leader's skipped.
 */
@ExtendWith(KafkaClusterExtension.class)
class LogTruncationIT {

    /**
     * Topic on replicas A (leader) and B of three nodes (three, not two: each node is also a KRaft
     * controller, and the quorum must outlive a node down). Replication from A is cut (its replication
     * listener's proxy holds every byte, nodes stay up); B drops out of the ISR; A takes v10..v19 alone
     * and consumers read and commit them; A dies; B is elected uncleanly, its log ending at 10, and
     * takes w10..w14; A comes back and truncates to follow B.
     */
    @Test
    void afterAnUncleanElectionConsumersGoOnFromTheDivergencePoint(@OwnCluster(brokers = 3, replicationProxy = true,
            config = {"replica.lag.time.max.ms=2000", "broker.session.timeout.ms=4000", "broker.heartbeat.interval.ms=500"})
            KafkaCluster kafka) throws Exception {
        List<Integer> ids = kafka.brokerIds().stream().sorted().toList();
        int a = ids.get(0);
        int b = ids.get(1);
        String topic = "truncated";
        org.apache.kafka.common.TopicPartition ktp = new org.apache.kafka.common.TopicPartition(topic, 0);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "default.api.timeout.ms", 20_000, "request.timeout.ms", 5_000))) {
            String group = groupNotCoordinatedBy(admin, a); // A's followers will copy nothing, its offsets included
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(a, b)))
                    .configs(Map.of("min.insync.replicas", "1")))).all().get(60, TimeUnit.SECONDS);
            await(admin, topic, p -> p.leader() != null && p.leader().id() == a && p.isr().size() == 2, "A leads, B in sync");
            produce(kafka, topic, "v", 0, 10, "all");

            kafka.replicationProxy(a).blackHole(true).cutConnections();
            produce(kafka, topic, "v", 10, 20, "1"); // B falls behind: a follower at the end stays in the ISR
            await(admin, topic, p -> p.isr().size() == 1, "B out of the ISR");

            List<String> live = new ArrayList<>();
            try (Consumer<String, String> reader = consumer(kafka, group, OffsetReset.EARLIEST)) {
                reader.assign(List.of(tp));
                ConsumerIT.pollUntil(reader, 20, Duration.ofSeconds(30)).forEach(r -> live.add(r.value()));
                assertEquals(20, live.size(), "read v0..v19 from A");
                reader.commitSync();
                assertTrue(reader.committed(Set.of(tp)).get(tp).leaderEpoch() >= 0, "the commit carries the leader epoch");

                kafka.kill(a); // with v10..v19, which nobody copied
                await(admin, topic, p -> p.leader() == null, "A fenced");
                electUncleanly(kafka, ktp, b);
                await(admin, topic, p -> p.leader() != null && p.leader().id() == b, "B elected uncleanly");
                produce(kafka, topic, "w", 10, 15, "1");
                kafka.replicationProxy(a).blackHole(false);
                kafka.restart(a);

                List<String> after = new ArrayList<>();
                ConsumerIT.pollUntil(reader, 5, Duration.ofSeconds(60)).forEach(r -> after.add(r.value()));
                reader.poll(Duration.ofSeconds(1)).forEach(r -> after.add(r.value()));
                assertEquals(List.of("w10", "w11", "w12", "w13", "w14"), after,
                        "the live consumer goes on at the divergence point (10): nothing again, nothing skipped");
            }

            // A consumer resuming from the commit (20, of the old epoch) is moved to 10 as well ...
            try (Consumer<String, String> resumed = consumer(kafka, group, OffsetReset.EARLIEST)) {
                resumed.assign(List.of(tp));
                List<String> values = new ArrayList<>();
                ConsumerIT.pollUntil(resumed, 5, Duration.ofSeconds(30)).forEach(r -> values.add(r.value()));
                resumed.poll(Duration.ofSeconds(1)).forEach(r -> values.add(r.value()));
                assertEquals(List.of("w10", "w11", "w12", "w13", "w14"), values, "resumed from the commit");
            }

            // ... and under auto.offset.reset=none it is told where, and goes on from there when it seeks.
            try (Consumer<String, String> strict = consumer(kafka, group, OffsetReset.NONE)) {
                strict.assign(List.of(tp));
                LogTruncationException e = assertThrows(LogTruncationException.class, () -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (System.nanoTime() < deadline) {
                        assertEquals(0, strict.poll(Duration.ofMillis(200)).count(), "nothing past the truncation");
                    }
                });
                assertEquals(Map.of(tp, 20L), e.positions());
                assertEquals(10, e.divergentOffsets().get(tp).offset(), e.getMessage());
                assertTrue(e.getMessage().contains(topic + "-0"), e.getMessage());
                strict.seek(tp, e.divergentOffsets().get(tp));
                List<String> values = new ArrayList<>();
                ConsumerIT.pollUntil(strict, 5, Duration.ofSeconds(30)).forEach(r -> values.add(r.value()));
                assertEquals(List.of("w10", "w11", "w12", "w13", "w14"), values, "after seeking to the divergence point");
            }
        }
    }

    private static Consumer<String, String> consumer(KafkaCluster kafka, String group, OffsetReset reset) {
        return Consumer.builder(Serdes.string(), Serdes.string()).bootstrapServers(kafka.bootstrapServers()).groupId(group)
                .delivery(Delivery.MANUAL).offsetReset(reset).requestTimeout(Duration.ofSeconds(5)).build();
    }

    private static void produce(KafkaCluster kafka, String topic, String prefix, int from, int to, String acks)
            throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "acks", acks, "enable.idempotence", false, "max.in.flight.requests.per.connection", 1,
                "request.timeout.ms", 5_000, "delivery.timeout.ms", 60_000), new StringSerializer(), new StringSerializer())) {
            for (int i = from; i < to; i++) {
                p.send(new ProducerRecord<>(topic, 0, null, prefix + i)).get(60, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * A group whose coordinator is not {@code node}: the coordinator leads the offsets partition
     * {@code abs(groupId.hashCode()) % partitions} of {@code __consumer_offsets}.
     */
    private static String groupNotCoordinatedBy(Admin admin, int node) throws Exception {
        List<List<TopicPartitionInfo>> found = new ArrayList<>();
        Await.until("the offsets topic described", Duration.ofSeconds(60), () -> {
            try {
                found.add(admin.describeTopics(List.of("__consumer_offsets")).allTopicNames()
                        .get(30, TimeUnit.SECONDS).get("__consumer_offsets").partitions());
                return true;
            } catch (java.util.concurrent.ExecutionException e) {
                try { // the first FindCoordinator creates the offsets topic
                    admin.describeConsumerGroups(List.of("any")).all().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException ignored) {
                    // the group does not exist: asking was the point
                }
                throw e;
            }
        });
        List<TopicPartitionInfo> offsets = found.get(0);
        for (int i = 0; ; i++) {
            String group = "truncation-group-" + i;
            int hash = group.hashCode();
            TopicPartitionInfo p = offsets.get((hash == Integer.MIN_VALUE ? 0 : Math.abs(hash)) % offsets.size());
            if (p.leader() != null && p.leader().id() != node) {
                return group;
            }
            if (i > 1_000) {
                throw new AssertionError("no offsets partition without node " + node + ": " + offsets);
            }
        }
    }

    /** Asks for an unclean election until B leads (the controller may not see B back at first). */
    private static void electUncleanly(KafkaCluster kafka, org.apache.kafka.common.TopicPartition tp, int b) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers(b),
                "default.api.timeout.ms", 30_000, "request.timeout.ms", 30_000))) {
            Await.until("the unclean election of " + tp + " succeeded", Duration.ofSeconds(90), () -> {
                admin.electLeaders(ElectionType.UNCLEAN, Set.of(tp)).all().get(30, TimeUnit.SECONDS);
                return true;
            });
        }
    }

    private static void await(Admin admin, String topic, Predicate<TopicPartitionInfo> condition, String what) {
        TopicPartitionInfo[] last = new TopicPartitionInfo[1];
        try {
            Await.until(what, Duration.ofSeconds(60), () -> { // a describe that fails (a broker is down) is asked again
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
                last[0] = d.partitions().get(0);
                return condition.test(last[0]);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + " (last seen " + last[0] + ")", e);
        }
    }
}
