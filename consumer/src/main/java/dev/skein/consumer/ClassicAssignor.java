package dev.skein.consumer;

import dev.skein.core.errors.ConfigException;

/**
 * The assignors a classic-protocol group can use ({@code partition.assignment.strategy}); the group's
 * leader runs the first one every member offers. Under the consumer protocol the broker assigns
 * instead ({@link ConsumerBuilder#remoteAssignor}).
 */
public enum ClassicAssignor {
    /** Per topic, consecutive partitions to members in order (eager). */
    RANGE("range", "org.apache.kafka.clients.consumer.RangeAssignor"),
    /** All partitions dealt round the members in turn (eager). */
    ROUND_ROBIN("roundrobin", "org.apache.kafka.clients.consumer.RoundRobinAssignor"),
    /** Balanced, keeping what members owned (eager). */
    STICKY("sticky", "org.apache.kafka.clients.consumer.StickyAssignor"),
    /** As sticky, and only moving partitions are revoked: the others keep consuming (cooperative). */
    COOPERATIVE_STICKY("cooperative-sticky", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");

    private final String configName;
    private final String kafkaClassName;

    ClassicAssignor(String configName, String kafkaClassName) {
        this.configName = configName;
        this.kafkaClassName = kafkaClassName;
    }

    /** Its name in {@code partition.assignment.strategy} and on the wire. */
    public String configName() {
        return configName;
    }

    /**
     * The assignor a {@code partition.assignment.strategy} entry names: its short name or Apache
     * Kafka's class name for it.
     *
     * @throws ConfigException naming the key when it names none Skein has
     */
    public static ClassicAssignor forName(String name) {
        for (ClassicAssignor a : values()) {
            if (a.configName.equalsIgnoreCase(name) || a.kafkaClassName.equals(name)) {
                return a;
            }
        }
        throw new ConfigException("partition.assignment.strategy", "'" + name + "' is not an assignor Skein has;"
                + " accepted: range, roundrobin, sticky, cooperative-sticky");
    }
}
