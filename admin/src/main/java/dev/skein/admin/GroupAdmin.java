package dev.skein.admin;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Consumer groups (classic and KIP-848 consumer groups) and their committed offsets. Listing and
 * deleting take groups of every type; share groups have their own calls in {@link ShareGroupAdmin}.
 */
public interface GroupAdmin {
    /** Every group on every broker (share and streams groups too), with its type and state. */
    CompletableFuture<List<GroupListing>> list();

    /**
     * The groups of these types (all of them when {@code types} is empty), asked of every broker with
     * ListGroups' types filter.
     *
     * @throws IllegalArgumentException for {@link GroupType#UNKNOWN}
     */
    CompletableFuture<List<GroupListing>> list(Set<GroupType> types);

    /** Members, assignments, coordinator and state of each group; an unknown group fails with its name. */
    Results<String, GroupDescription> describe(Collection<String> groupIds);

    /** Deletes empty groups (a group with members fails with {@code NON_EMPTY_GROUP}). */
    Results<String, Void> delete(Collection<String> groupIds);

    /**
     * The group's committed offsets, every partition it has one for. Offsets an open transaction has
     * sent for the group (KIP-447) are not among them until it commits, and do not hold the answer back
     * (Apache Kafka's admin client's default, {@code requireStable} false).
     */
    CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> offsets(String groupId);

    /**
     * Sets the group's committed offsets (the group must have no active members); one future per
     * partition. A consumer of the group then resumes from them.
     */
    Results<TopicPartition, Void> alterOffsets(String groupId, Map<TopicPartition, OffsetAndMetadata> offsets);

    /** Forgets the group's committed offsets of these partitions (not while it consumes their topics). */
    Results<TopicPartition, Void> deleteOffsets(String groupId, Collection<TopicPartition> partitions);

    /** Removes static members by {@code group.instance.id} without waiting for their session to expire. */
    Results<String, Void> removeStaticMembers(String groupId, Collection<String> groupInstanceIds);

    /** For each partition the group has an offset for: the log end offset minus the committed offset. */
    CompletableFuture<Map<TopicPartition, Long>> lag(String groupId);
}
