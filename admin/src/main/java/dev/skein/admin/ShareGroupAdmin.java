package dev.skein.admin;

import dev.skein.core.TopicPartition;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Share groups (KIP-932, Apache Kafka 4.1 and later): list, describe, their start offsets, delete.
 *
 * <p>The members of a share group read the same partitions together and acknowledge each record on its
 * own; there are no committed offsets. What the group keeps per partition is its <em>start offset</em>:
 * records before it are done for the group. An administrator may move it (alter, reset) or forget it
 * (delete) only while the group has no active members; otherwise the broker refuses with
 * {@code NON_EMPTY_GROUP}, which fails the call with a {@link dev.skein.core.errors.GroupException}.
 *
 * <p>A share group's behaviour is set by its group configs, through {@link Admin#configs()} on
 * {@link ConfigResource#group(String)} (the name may be a group that does not exist yet):
 * {@code share.auto.offset.reset} ({@code latest}, the default, or {@code earliest}, or
 * {@code by_duration:<ISO-8601 duration>}: where the group starts a partition it has no start offset
 * for), {@code share.record.lock.duration.ms} (how long a member holds an acquired record),
 * {@code share.isolation.level} ({@code read_uncommitted} or {@code read_committed}) and
 * {@code share.delivery.count.limit} (deliveries before a record is archived). The broker bounds the
 * values by its {@code group.share.*} settings and refuses the others with a config error naming the key.
 *
 * <p>Share groups and consumer groups share one namespace: a call here on a consumer group fails as
 * {@code GROUP_ID_NOT_FOUND} ("no share group X"), and {@link GroupAdmin#list()} lists share groups
 * too (type {@link GroupType#SHARE}). Asynchronous and thread-safe, as every {@link Admin} call; an
 * unknown group fails naming it, and a cluster without share groups fails with an
 * {@link dev.skein.core.errors.UnsupportedVersionException} naming the API.
 */
public interface ShareGroupAdmin {
    /** The share groups on every broker, with their state ({@code Empty}, {@code Stable}, ...). */
    CompletableFuture<List<GroupListing>> list();

    /** State, epochs, assignor, coordinator and each member with what it is assigned. */
    Results<String, ShareGroupDescription> describe(Collection<String> groupIds);

    /**
     * The group's start offset of each partition it has started (partitions it has not are absent; a
     * group that does not exist has none, as the broker answers).
     */
    CompletableFuture<Map<TopicPartition, ShareGroupOffset>> offsets(String groupId);

    /**
     * Sets the group's start offsets (offsets at or above 0; the group must have no active members); one
     * future per partition. A member that joins next starts each partition there. The group is created
     * if it does not exist yet.
     */
    Results<TopicPartition, Void> alterOffsets(String groupId, Map<TopicPartition, Long> startOffsets);

    /**
     * Moves the group's start offsets to what {@link RecordAdmin#listOffsets} finds for each partition
     * (earliest, latest, a timestamp; a timestamp later than every record means the end), then alters
     * them as {@link #alterOffsets}; each future yields the start offset set.
     */
    Results<TopicPartition, Long> resetOffsets(String groupId, Map<TopicPartition, OffsetSpec> targets);

    /**
     * Forgets the group's state of these topics (start offsets and in-flight records; the group must
     * have no active members); a member that later subscribes to one starts it as
     * {@code share.auto.offset.reset} says. One future per topic.
     */
    Results<String, Void> deleteOffsets(String groupId, Collection<String> topics);

    /**
     * Deletes share groups that have no members, with their state. A group with members fails with
     * {@code NON_EMPTY_GROUP}, a consumer group is left alone and fails as not a share group.
     */
    Results<String, Void> delete(Collection<String> groupIds);
}
