package dev.skein.consumer.internal;

import dev.skein.consumer.ClassicAssignor;
import dev.skein.core.TopicPartition;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A classic-protocol assignor, run by the group leader: from each member's subscription (topics, and
 * for the sticky ones what it owns now), who reads what. Names and wire formats match Apache Kafka's
 * assignors, so Skein and reference members can share a group; range and roundrobin also give the same
 * results.
 */
abstract class Assignor {
    /** One member as the leader sees it: subscribed topics, the partitions it owns, and its generation then. */
    record Member(Set<String> topics, List<TopicPartition> owned, int generation) {
        static Member of(Set<String> topics) {
            return new Member(topics, List.of(), -1);
        }
    }

    abstract String name();

    /** True when members keep what they own through a rebalance and revoke only what moves. */
    boolean cooperative() {
        return false;
    }

    abstract Map<String, List<TopicPartition>> assign(Map<String, Member> members, Map<String, Integer> partitionsPerTopic);

    static Assignor of(ClassicAssignor assignor) {
        return switch (assignor) {
            case RANGE -> new Range();
            case ROUND_ROBIN -> new RoundRobin();
            case STICKY -> new Sticky(false);
            case COOPERATIVE_STICKY -> new Sticky(true);
        };
    }

    /** By a {@code partition.assignment.strategy} name (short or Apache Kafka's class name). */
    static Assignor forName(String name) {
        return of(ClassicAssignor.forName(name));
    }

    static Map<String, List<TopicPartition>> empty(Map<String, Member> members) {
        Map<String, List<TopicPartition>> out = new TreeMap<>();
        members.keySet().forEach(m -> out.put(m, new ArrayList<>()));
        return out;
    }

    /** Per topic, consecutive ranges: the first (partitions mod members) members, in member-id order, get one more. */
    static final class Range extends Assignor {
        @Override
        String name() {
            return "range";
        }

        @Override
        Map<String, List<TopicPartition>> assign(Map<String, Member> members, Map<String, Integer> partitionsPerTopic) {
            Map<String, List<TopicPartition>> out = empty(members);
            Map<String, List<String>> membersByTopic = new TreeMap<>();
            members.forEach((member, m) -> m.topics().forEach(t ->
                    membersByTopic.computeIfAbsent(t, k -> new ArrayList<>()).add(member)));
            membersByTopic.forEach((topic, subscribed) -> {
                Integer n = partitionsPerTopic.get(topic);
                if (n == null) {
                    return;
                }
                subscribed.sort(null);
                int per = n / subscribed.size();
                int extra = n % subscribed.size();
                int next = 0;
                for (int i = 0; i < subscribed.size(); i++) {
                    int count = per + (i < extra ? 1 : 0);
                    for (int p = next; p < next + count; p++) {
                        out.get(subscribed.get(i)).add(new TopicPartition(topic, p));
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
        Map<String, List<TopicPartition>> assign(Map<String, Member> members, Map<String, Integer> partitionsPerTopic) {
            Map<String, List<TopicPartition>> out = empty(members);
            List<String> ids = new ArrayList<>(new TreeMap<>(members).keySet());
            if (ids.isEmpty()) {
                return out;
            }
            Map<String, Integer> sorted = new TreeMap<>(partitionsPerTopic);
            int cursor = 0;
            for (Map.Entry<String, Integer> e : sorted.entrySet()) {
                for (int p = 0; p < e.getValue(); p++) {
                    for (int tries = 0; tries < ids.size(); tries++) {
                        String m = ids.get(cursor % ids.size());
                        cursor++;
                        if (members.get(m).topics().contains(e.getKey())) {
                            out.get(m).add(new TopicPartition(e.getKey(), p));
                            break;
                        }
                    }
                }
            }
            return out;
        }
    }

    /**
     * Balanced and sticky: every member keeps what it owns (when the claim is valid), the rest goes to
     * the least loaded subscribed member, then partitions move one at a time from the most to a less
     * loaded member until no two eligible members differ by more than one.
     *
     * <p>Cooperative: a partition that moves is withheld from its new owner in this round. Its old owner
     * revokes it and rejoins at once, and the next round hands it over, so no partition ever has two
     * owners.
     */
    static final class Sticky extends Assignor {
        private final boolean cooperative;

        Sticky(boolean cooperative) {
            this.cooperative = cooperative;
        }

        @Override
        String name() {
            return cooperative ? "cooperative-sticky" : "sticky";
        }

        @Override
        boolean cooperative() {
            return cooperative;
        }

        @Override
        Map<String, List<TopicPartition>> assign(Map<String, Member> members, Map<String, Integer> partitionsPerTopic) {
            Map<String, LinkedHashSet<TopicPartition>> load = new TreeMap<>();
            members.keySet().forEach(m -> load.put(m, new LinkedHashSet<>()));
            Map<TopicPartition, String> previousOwner = claims(members, partitionsPerTopic);
            previousOwner.forEach((tp, m) -> load.get(m).add(tp));

            Comparator<String> byLoad = Comparator.<String>comparingInt(m -> load.get(m).size()).thenComparing(m -> m);
            for (TopicPartition tp : allPartitions(members, partitionsPerTopic)) {
                if (previousOwner.containsKey(tp)) {
                    continue;
                }
                load.keySet().stream().filter(m -> members.get(m).topics().contains(tp.topic())).min(byLoad)
                        .ifPresent(m -> load.get(m).add(tp));
            }
            balance(members, load);

            Map<String, List<TopicPartition>> out = new TreeMap<>();
            load.forEach((m, tps) -> {
                List<TopicPartition> list = new ArrayList<>();
                for (TopicPartition tp : tps) {
                    String before = previousOwner.get(tp);
                    if (!cooperative || before == null || before.equals(m)) {
                        list.add(tp);
                    }
                }
                list.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
                out.put(m, list);
            });
            return out;
        }

        /** Valid ownership claims: the partition exists, its owner still subscribes, the newest generation wins. */
        private static Map<TopicPartition, String> claims(Map<String, Member> members, Map<String, Integer> counts) {
            List<String> order = new ArrayList<>(members.keySet());
            order.sort(Comparator.<String>comparingInt(m -> members.get(m).generation()).reversed()
                    .thenComparing(m -> m));
            Map<TopicPartition, String> owner = new HashMap<>();
            for (String m : order) {
                Member member = members.get(m);
                for (TopicPartition tp : member.owned()) {
                    Integer n = counts.get(tp.topic());
                    if (n != null && tp.partition() < n && member.topics().contains(tp.topic())) {
                        owner.putIfAbsent(tp, m);
                    }
                }
            }
            return owner;
        }

        private static List<TopicPartition> allPartitions(Map<String, Member> members, Map<String, Integer> counts) {
            Set<String> topics = new TreeSet<>();
            members.values().forEach(m -> topics.addAll(m.topics()));
            List<TopicPartition> out = new ArrayList<>();
            for (String t : topics) {
                Integer n = counts.get(t);
                for (int p = 0; n != null && p < n; p++) {
                    out.add(new TopicPartition(t, p));
                }
            }
            return out;
        }

        /**
         * Moves one partition at a time from a member to an eligible one holding at least two fewer.
         * Each move lowers the sum of squared loads, so this ends.
         */
        private static void balance(Map<String, Member> members, Map<String, LinkedHashSet<TopicPartition>> load) {
            List<String> ids = new ArrayList<>(load.keySet());
            boolean moved = true;
            while (moved) {
                moved = false;
                ids.sort(Comparator.<String>comparingInt(m -> load.get(m).size()).reversed().thenComparing(m -> m));
                outer:
                for (String donor : ids) {
                    List<TopicPartition> candidates = new ArrayList<>(load.get(donor));
                    for (int i = candidates.size() - 1; i >= 0; i--) {
                        TopicPartition tp = candidates.get(i);
                        String best = null;
                        for (String r : ids) {
                            if (load.get(r).size() <= load.get(donor).size() - 2
                                    && members.get(r).topics().contains(tp.topic())
                                    && (best == null || load.get(r).size() < load.get(best).size())) {
                                best = r;
                            }
                        }
                        if (best != null) {
                            load.get(donor).remove(tp);
                            load.get(best).add(tp);
                            moved = true;
                            break outer;
                        }
                    }
                }
            }
        }
    }
}
