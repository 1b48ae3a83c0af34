package dev.skein.producer;

/**
 * Chooses the partition of a keyed record that names none. Records without a key never reach a
 * partitioner: they use uniform sticky partitioning. Must be thread-safe and fast; it runs on the
 * thread that calls {@code send()}.
 */
@FunctionalInterface
public interface Partitioner {
    /**
     * @param keyBytes the serialized key, never null
     * @param numPartitions at least 1
     * @return a partition in {@code [0, numPartitions)}
     */
    int partition(String topic, byte[] keyBytes, int numPartitions);
}
