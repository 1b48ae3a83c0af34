package dev.skein.admin;

import dev.skein.core.Node;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * A topic's partitions with their leader, replicas and in-sync replicas, and the operations the
 * caller may perform on it (empty when the broker did not say).
 */
public record TopicDescription(String name, UUID topicId, boolean internal, List<Partition> partitions,
                               Set<AclOperation> authorizedOperations) {
    /** One partition; {@code leader} is null while it has none. */
    public record Partition(int partition, Node leader, int leaderEpoch, List<Node> replicas, List<Node> isr,
                            List<Node> offlineReplicas) {}
}
