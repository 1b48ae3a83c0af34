package dev.skein.admin;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Streams groups (KIP-1071, the Streams rebalance protocol; Apache Kafka 4.2 and later): list,
 * describe, their committed offsets, delete.
 *
 * <p>A streams group is what a Kafka Streams application with {@code group.protocol=streams} joins: the
 * broker keeps its topology (subtopologies and the topics each reads and writes) and assigns tasks
 * (a subtopology and a partition) to the members. Its members commit offsets of the topics they read as
 * consumer groups do, and these are read, altered and deleted here as {@link GroupAdmin} does (the
 * changes need a group without active members: stop the application first). Groups of all types share one namespace: a call here on
 * a consumer or share group fails as {@code GROUP_ID_NOT_FOUND} ("no streams group X"), and
 * {@link GroupAdmin#list()} lists streams groups too (type {@link GroupType#STREAMS}). Asynchronous and
 * thread-safe, as every {@link Admin} call; a cluster without streams groups fails with an
 * {@link dev.skein.core.errors.UnsupportedVersionException} naming the API.
 */
public interface StreamsGroupAdmin {
    /** The streams groups on every broker, with their state ({@code Empty}, {@code Stable}, ...). */
    CompletableFuture<List<GroupListing>> list();

    /**
     * State, epochs, the topology as the broker holds it, and each member with its current and target
     * tasks; one future per group.
     */
    Results<String, StreamsGroupDescription> describe(Collection<String> groupIds);

    /**
     * The group's committed offsets, every partition it has one for (offsets an open transaction holds
     * are not shown, as {@link GroupAdmin#offsets} answers).
     */
    CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> offsets(String groupId);

    /**
     * Sets the group's committed offsets (the group must have no active members); one future per
     * partition. The application resumes each partition there.
     */
    Results<TopicPartition, Void> alterOffsets(String groupId, Map<TopicPartition, OffsetAndMetadata> offsets);

    /** Forgets the group's committed offsets of these partitions (not while it reads their topics). */
    Results<TopicPartition, Void> deleteOffsets(String groupId, Collection<TopicPartition> partitions);

    /**
     * Deletes streams groups that have no members, with their committed offsets (not their internal
     * topics). A group with members fails with {@code NON_EMPTY_GROUP}.
     */
    Results<String, Void> delete(Collection<String> groupIds);
}
