package dev.skein.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A topic to create: a partition count and replication factor (or -1 for the broker's defaults), or
 * an explicit replica assignment, and topic configs.
 *
 * <pre>{@code
 * NewTopic.of("orders", 12, 3).withConfig("retention.ms", "86400000")
 * NewTopic.withAssignment("pinned", Map.of(0, List.of(1, 2), 1, List.of(2, 3)))
 * }</pre>
 */
public record NewTopic(String name, int partitions, short replicationFactor, Map<Integer, List<Integer>> assignment,
                       Map<String, String> configs) {
    public NewTopic {
        Objects.requireNonNull(name, "name");
        assignment = assignment == null ? Map.of() : Map.copyOf(assignment);
        configs = configs == null ? Map.of() : Map.copyOf(configs);
        if (!assignment.isEmpty() && (partitions != -1 || replicationFactor != -1)) {
            throw new IllegalArgumentException("topic " + name + ": give a replica assignment or partitions and"
                    + " replication factor, not both");
        }
    }

    /** {@code partitions} and {@code replicationFactor} may be -1 for the broker's defaults. */
    public static NewTopic of(String name, int partitions, int replicationFactor) {
        return new NewTopic(name, partitions, (short) replicationFactor, Map.of(), Map.of());
    }

    /** Both from the broker's defaults ({@code num.partitions}, {@code default.replication.factor}). */
    public static NewTopic of(String name) {
        return of(name, -1, -1);
    }

    /** Partition index to the broker ids of its replicas, the first being the preferred leader. */
    public static NewTopic withAssignment(String name, Map<Integer, List<Integer>> assignment) {
        return new NewTopic(name, -1, (short) -1, assignment, Map.of());
    }

    public NewTopic withConfig(String key, String value) {
        Map<String, String> c = new LinkedHashMap<>(configs);
        c.put(key, value);
        return new NewTopic(name, partitions, replicationFactor, assignment, c);
    }
}
