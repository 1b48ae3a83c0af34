package dev.skein.consumer;

import dev.skein.core.TopicPartition;

import java.util.Collection;

/**
 * Told when group membership moves partitions. Called on the thread that calls {@code poll()}, inside
 * that call. {@link #onPartitionsLost} means the partitions may already belong to another member:
 * do not commit for them.
 *
 * <p>A topic deleted and created again under the same name is a new log: if the group does not move its
 * partitions itself, the listener hears them lost (the old log's) and then assigned (the new log's),
 * though the assignment did not change.
 *
 * <p>An exception a callback throws does not change the rebalance: the partitions are revoked, lost or
 * assigned all the same, the rest of the rebalance step runs (the other callbacks included), and the
 * first such exception is then thrown out of the {@code poll()} (or {@code unsubscribe()}) that ran it,
 * once. This is what Apache Kafka's consumer documents; a {@code close()} logs it instead.
 */
public interface RebalanceListener {
    default void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

    default void onPartitionsAssigned(Collection<TopicPartition> partitions) {}

    default void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }
}
