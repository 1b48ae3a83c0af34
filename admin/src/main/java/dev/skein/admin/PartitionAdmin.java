package dev.skein.admin;

import dev.skein.core.TopicPartition;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Leader election and replica reassignment. */
public interface PartitionAdmin {
    /**
     * Elects leaders; a partition already led by its preferred replica succeeds (nothing to do).
     */
    Results<TopicPartition, Void> electLeaders(ElectionType type, Collection<TopicPartition> partitions);

    /** Moves each partition's replicas to the given brokers (the first the preferred leader). */
    Results<TopicPartition, Void> reassign(Map<TopicPartition, List<Integer>> targets);

    /** Cancels reassignments in progress; a partition with none fails with {@code NO_REASSIGNMENT_IN_PROGRESS}. */
    Results<TopicPartition, Void> cancelReassignments(Collection<TopicPartition> partitions);

    /** The reassignments in progress. */
    CompletableFuture<Map<TopicPartition, Reassignment>> listReassignments();
}
