package dev.skein.consumer.internal;

import dev.skein.core.TopicPartition;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Our assignors give every member what Apache Kafka's assignor of the same name gives it. */
class AssignorTest {

    @ParameterizedTest
    @ValueSource(strings = {"range", "roundrobin"})
    void sameAssignmentAsTheReferenceOnRandomGroups(String name) {
        Random random = new Random(name.hashCode());
        for (int round = 0; round < 200; round++) {
            int topicCount = 1 + random.nextInt(4);
            Map<String, Integer> partitions = new TreeMap<>();
            for (int t = 0; t < topicCount; t++) {
                partitions.put("t" + t, 1 + random.nextInt(12));
            }
            Map<String, Set<String>> subscriptions = new TreeMap<>();
            int members = 1 + random.nextInt(6);
            for (int m = 0; m < members; m++) {
                Set<String> topics = new HashSet<>();
                for (String t : partitions.keySet()) {
                    if (random.nextInt(3) > 0 || topics.isEmpty()) {
                        topics.add(t);
                    }
                }
                subscriptions.put("member-" + random.nextInt(1000) + "-" + m, topics);
            }
            Map<String, Assignor.Member> group = new TreeMap<>();
            subscriptions.forEach((m, topics) -> group.put(m, Assignor.Member.of(topics)));
            Map<String, List<TopicPartition>> ours = Assignor.forName(name).assign(group, partitions);
            assertEquals(reference(name, subscriptions, partitions), normalize(ours), name + " round " + round);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sticky", "cooperative-sticky"})
    void stickyAssignmentsAreCompleteBalancedAndKeepWhatTheyCan(String name) {
        Assignor assignor = Assignor.forName(name);
        Random random = new Random(name.hashCode());
        for (int round = 0; round < 300; round++) {
            Map<String, Integer> partitions = new TreeMap<>();
            int topicCount = 1 + random.nextInt(3);
            for (int t = 0; t < topicCount; t++) {
                partitions.put("t" + t, 1 + random.nextInt(20));
            }
            int total = partitions.values().stream().mapToInt(Integer::intValue).sum();
            // A group evolves: members join and leave; each keeps what it was given.
            Map<String, List<TopicPartition>> owned = new TreeMap<>();
            int generation = 0;
            for (int step = 0; step < 6; step++) {
                if (owned.size() < 2 || random.nextInt(3) > 0) {
                    owned.put("m" + random.nextInt(1000) + "-" + step, new ArrayList<>());
                } else {
                    owned.remove(owned.keySet().iterator().next());
                }
                generation++;
                Map<String, List<TopicPartition>> result = settle(assignor, owned, partitions, generation, name + " " + round);
                Set<TopicPartition> seen = new HashSet<>();
                int min = Integer.MAX_VALUE;
                int max = 0;
                for (Map.Entry<String, List<TopicPartition>> e : result.entrySet()) {
                    for (TopicPartition tp : e.getValue()) {
                        assertTrue(seen.add(tp), tp + " given twice in round " + round);
                    }
                    List<TopicPartition> before = owned.get(e.getKey());
                    long kept = e.getValue().stream().filter(before::contains).count();
                    assertEquals(Math.min(before.size(), e.getValue().size()), kept,
                            "a member keeps as much of what it owned as balance allows, round " + round);
                    min = Math.min(min, e.getValue().size());
                    max = Math.max(max, e.getValue().size());
                }
                assertEquals(total, seen.size(), "every partition is assigned, round " + round);
                assertTrue(max - min <= 1, "balanced within one: " + min + ".." + max + ", round " + round);
                owned = new TreeMap<>(result);
            }
        }
    }

    /**
     * One rebalance as a group lives it: for the cooperative assignor, the members revoke what they were
     * not given and a second round hands it over; between rounds no partition has two owners.
     */
    private static Map<String, List<TopicPartition>> settle(Assignor assignor, Map<String, List<TopicPartition>> owned,
                                                            Map<String, Integer> partitions, int generation, String what) {
        Map<String, List<TopicPartition>> current = owned;
        for (int rounds = 0; rounds < 2; rounds++) {
            Map<String, Assignor.Member> members = new TreeMap<>();
            int gen = generation;
            current.forEach((m, tps) -> members.put(m, new Assignor.Member(partitions.keySet(), tps, gen)));
            Map<String, List<TopicPartition>> next = assignor.assign(members, partitions);
            boolean revoked = false;
            for (Map.Entry<String, List<TopicPartition>> e : next.entrySet()) {
                if (!e.getValue().containsAll(current.get(e.getKey()))) {
                    revoked = true;
                }
                for (Map.Entry<String, List<TopicPartition>> other : current.entrySet()) {
                    if (!other.getKey().equals(e.getKey())) {
                        for (TopicPartition tp : e.getValue()) {
                            assertTrue(!assignor.cooperative() || !other.getValue().contains(tp),
                                    tp + " given to " + e.getKey() + " while " + other.getKey() + " still owns it: " + what);
                        }
                    }
                }
            }
            if (!assignor.cooperative()) {
                return next;
            }
            current = next;
            if (!revoked) {
                return current;
            }
        }
        return current;
    }

    private static Map<String, Set<TopicPartition>> normalize(Map<String, List<TopicPartition>> m) {
        Map<String, Set<TopicPartition>> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, new HashSet<>(v)));
        return out;
    }

    private static Map<String, Set<TopicPartition>> reference(String name, Map<String, Set<String>> subscriptions,
                                                               Map<String, Integer> partitions) {
        ConsumerPartitionAssignor assignor = name.equals("range") ? new RangeAssignor() : new RoundRobinAssignor();
        List<PartitionInfo> infos = new ArrayList<>();
        Node node = new Node(1, "h", 1);
        partitions.forEach((t, n) -> {
            for (int p = 0; p < n; p++) {
                infos.add(new PartitionInfo(t, p, node, new Node[] {node}, new Node[] {node}));
            }
        });
        Cluster cluster = new Cluster("c", List.of(node), infos, Set.of(), Set.of());
        Map<String, ConsumerPartitionAssignor.Subscription> subs = new HashMap<>();
        subscriptions.forEach((m, topics) -> subs.put(m, new ConsumerPartitionAssignor.Subscription(new ArrayList<>(topics))));
        Map<String, Set<TopicPartition>> out = new TreeMap<>();
        assignor.assign(cluster, new ConsumerPartitionAssignor.GroupSubscription(subs)).groupAssignment()
                .forEach((m, a) -> {
                    Set<TopicPartition> set = new HashSet<>();
                    a.partitions().forEach(tp -> set.add(new TopicPartition(tp.topic(), tp.partition())));
                    out.put(m, set);
                });
        return out;
    }
}
