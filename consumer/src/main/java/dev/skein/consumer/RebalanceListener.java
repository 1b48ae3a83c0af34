package dev.skein.consumer;

import dev.skein.core.TopicPartition;

import java.util.Collection;

/**
 * Told when group membership moves partitions. Called on the thread that calls {@code poll()}, inside
 * that call. {@link #onPartitionsLost} means the partitions may already belong to another member:
 * do not commit for them.
 */
public interface RebalanceListener {
    default void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

    default void onPartitionsAssigned(Collection<TopicPartition> partitions) {}

    default void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }
}
