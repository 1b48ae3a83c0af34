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
            Map<String, List<TopicPartition>> ours = Assignor.forName(name).assign(subscriptions, partitions);
            assertEquals(reference(name, subscriptions, partitions), normalize(ours), name + " round " + round);
        }
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
