package dev.skein.admin;

import dev.skein.core.TopicPartition;
import dev.skein.core.errors.SkeinException;

import java.util.Map;
import java.util.OptionalLong;

/**
 * One log directory of a broker (DescribeLogDirs, KIP-113): its error, the space of its volume, and the
 * replicas it holds.
 *
 * @param path the directory's absolute path on the broker
 * @param error null for a healthy directory; else what the broker reports (an offline directory:
 *     {@code KAFKA_STORAGE_ERROR}), and then {@code replicas} is empty
 * @param totalBytes the volume's size, where the broker reports it (DescribeLogDirs v4, Kafka 3.3+);
 *     remote storage is not counted
 * @param usableBytes the volume's free space usable by the broker, as {@code totalBytes}
 * @param replicas each replica in the directory
 */
public record LogDirDescription(String path, SkeinException error, OptionalLong totalBytes, OptionalLong usableBytes,
                                Map<TopicPartition, Replica> replicas) {
    /**
     * One replica in a log directory.
     *
     * @param sizeBytes the size of its log segments
     * @param offsetLag how far its log end is behind the partition's high watermark; for a future replica,
     *     behind the current replica's log end
     * @param future true for a replica being moved into this directory (AlterReplicaLogDirs) that will
     *     replace the current one once caught up
     */
    public record Replica(long sizeBytes, long offsetLag, boolean future) {}
}
