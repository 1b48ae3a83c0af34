package dev.skein.admin;

import dev.skein.core.TopicPartition;

import java.util.Objects;

/**
 * One replica of a partition: the partition and the broker that holds it (what
 * {@link ClusterAdmin#alterReplicaLogDirs} moves and {@link ClusterAdmin#describeReplicaLogDirs} describes).
 */
public record TopicPartitionReplica(String topic, int partition, int brokerId) {
    public TopicPartitionReplica {
        Objects.requireNonNull(topic, "topic");
        if (partition < 0) {
            throw new IllegalArgumentException("partition " + partition + " of " + topic + " is negative");
        }
    }

    /** The replica of {@code partition} on broker {@code brokerId}. */
    public static TopicPartitionReplica of(TopicPartition partition, int brokerId) {
        return new TopicPartitionReplica(partition.topic(), partition.partition(), brokerId);
    }

    /** The partition, without the broker. */
    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    @Override
    public String toString() {
        return topic + "-" + partition + " on broker " + brokerId;
    }
}
