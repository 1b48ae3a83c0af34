package dev.skein.admin;

import java.util.Optional;

/**
 * Where a broker keeps one replica (KIP-113): the log directory of the replica it serves, and, while
 * {@link ClusterAdmin#alterReplicaLogDirs} moves it, the directory of the future replica that copies it
 * and replaces it once caught up. Both are empty when the broker holds no replica of the partition (or
 * only in an offline directory).
 *
 * @param current the replica the broker serves
 * @param future the copy being made in the directory the replica moves to
 */
public record ReplicaLogDir(Optional<Placement> current, Optional<Placement> future) {
    /**
     * A replica in one directory.
     *
     * @param path the directory's absolute path on the broker
     * @param sizeBytes the size of its log segments
     * @param offsetLag for the current replica, how far its log end is behind the partition's high
     *     watermark; for the future one, behind the current replica's log end
     */
    public record Placement(String path, long sizeBytes, long offsetLag) {}
}
