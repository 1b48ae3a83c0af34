package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.skein.consumer.ConsumerGroupIT.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The KIP-848 consumer group protocol (group.protocol=consumer) against a real broker. */
@ExtendWith(KafkaClusterExtension.class)
class ConsumerProtocolIT {

    /** A member polling on its own thread with the consumer protocol. */
    static final class Member implements AutoCloseable {
        final Consumer<String, String> consumer;
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        final List<String> values = new CopyOnWriteArrayList<>();
        final List<String> events = new CopyOnWriteArrayList<>();
        final Thread thread;
        volatile boolean running = true;

        Member(KafkaCluster kafka, String group, String topic) {
            consumer = Consumer.builder(Serdes.string(), Serdes.string()).bootstrapServers(kafka.bootstrapServers())
                    .groupId(group).groupProtocol("consumer").offsetReset(OffsetReset.EARLIEST).build();
            consumer.subscribe(List.of(topic), new RebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    owned.removeAll(partitions);
                    events.add("revoked " + partitions.size());
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    owned.addAll(partitions);
                    events.add("assigned " + partitions.size());
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    owned.removeAll(partitions);
                    events.add("lost " + partitions.size());
                }
            });
            thread = new Thread(() -> {
                while (running) {
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(r.value()));
                }
                consumer.close();
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
    void membersShareThePartitionsAndALeaveHandsThemOver(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "kip848", 6);
        ConsumerIT.produce(kafka, topic, 600, "none");
        String group = "kip848-" + UUID.randomUUID();
        List<Member> members = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                members.add(new Member(kafka, group, topic));
                List<Member> now = List.copyOf(members);
                assertTrue(waitFor(() -> exactlyOnce(now, 6) && now.stream().allMatch(m -> !m.owned.isEmpty()),
                        Duration.ofSeconds(60)), "after join " + (i + 1) + ": " + events(now));
            }
            assertTrue(waitFor(() -> members.stream().mapToInt(m -> m.values.size()).sum() >= 600, Duration.ofSeconds(30)));
            Member leaving = members.remove(0);
            leaving.close();
            assertTrue(waitFor(() -> exactlyOnce(members, 6), Duration.ofSeconds(60)), "after a leave: " + events(members));
            assertTrue(members.stream().allMatch(m -> m.events.stream().noneMatch(e -> e.startsWith("lost"))));
        } finally {
            for (Member m : members) {
                m.close();
            }
        }
    }

    static boolean exactlyOnce(List<Member> members, int partitions) {
        Set<TopicPartition> all = new java.util.HashSet<>();
        int total = 0;
        for (Member m : members) {
            all.addAll(m.owned);
            total += m.owned.size();
        }
        return all.size() == partitions && total == partitions;
    }

    static String events(List<Member> members) {
        StringBuilder b = new StringBuilder();
        for (Member m : members) {
            b.append(m.events).append(' ');
        }
        return b.toString();
    }
}
