package dev.skein.consumer.internal;

import dev.skein.core.TopicPartition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A classic-protocol assignor, run by the group leader: from each member's subscribed topics and the
 * partition counts, who reads what. The names and the results match Apache Kafka's assignors of the
 * same name, so Skein and reference members can share a group.
 */
abstract class Assignor {
    abstract String name();

    abstract Map<String, List<TopicPartition>> assign(Map<String, Set<String>> subscriptions,
                                                      Map<String, Integer> partitionsPerTopic);

    static Assignor forName(String name) {
        return switch (name) {
            case "range", "org.apache.kafka.clients.consumer.RangeAssignor" -> new Range();
            case "roundrobin", "org.apache.kafka.clients.consumer.RoundRobinAssignor" -> new RoundRobin();
            default -> null;
        };
    }

    static Map<String, List<TopicPartition>> empty(Map<String, Set<String>> subscriptions) {
        Map<String, List<TopicPartition>> out = new TreeMap<>();
        subscriptions.keySet().forEach(m -> out.put(m, new ArrayList<>()));
        return out;
    }

    /** Per topic, consecutive ranges: the first (partitions mod members) members, in member-id order, get one more. */
    static final class Range extends Assignor {
        @Override
        String name() {
            return "range";
        }

        @Override
        Map<String, List<TopicPartition>> assign(Map<String, Set<String>> subscriptions, Map<String, Integer> partitionsPerTopic) {
            Map<String, List<TopicPartition>> out = empty(subscriptions);
            Map<String, List<String>> membersByTopic = new TreeMap<>();
            subscriptions.forEach((member, topics) -> topics.forEach(t ->
                    membersByTopic.computeIfAbsent(t, k -> new ArrayList<>()).add(member)));
            membersByTopic.forEach((topic, members) -> {
                Integer n = partitionsPerTopic.get(topic);
                if (n == null) {
                    return;
                }
                members.sort(null);
                int per = n / members.size();
                int extra = n % members.size();
                int next = 0;
                for (int i = 0; i < members.size(); i++) {
                    int count = per + (i < extra ? 1 : 0);
                    for (int p = next; p < next + count; p++) {
                        out.get(members.get(i)).add(new TopicPartition(topic, p));
                    }
                    next += count;
                }
            });
            return out;
        }
    }

    /** All partitions in (topic, partition) order dealt to members in id order, skipping those not subscribed. */
    static final class RoundRobin extends Assignor {
        @Override
        String name() {
            return "roundrobin";
        }

        @Override
        Map<String, List<TopicPartition>> assign(Map<String, Set<String>> subscriptions, Map<String, Integer> partitionsPerTopic) {
            Map<String, List<TopicPartition>> out = empty(subscriptions);
            List<String> members = new ArrayList<>(new TreeMap<>(subscriptions).keySet());
            if (members.isEmpty()) {
                return out;
            }
            Map<String, Integer> sorted = new TreeMap<>(partitionsPerTopic);
            int cursor = 0;
            for (Map.Entry<String, Integer> e : sorted.entrySet()) {
                for (int p = 0; p < e.getValue(); p++) {
                    for (int tries = 0; tries < members.size(); tries++) {
                        String m = members.get(cursor % members.size());
                        cursor++;
                        if (subscriptions.get(m).contains(e.getKey())) {
                            out.get(m).add(new TopicPartition(e.getKey(), p));
                            break;
                        }
                    }
                }
            }
            return out;
        }
    }

}
