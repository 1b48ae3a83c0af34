package dev.skein.consumer.internal;

import dev.skein.core.TopicPartition;
import dev.skein.core.message.JoinGroupResponse;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What a membership state machine ({@link ClassicGroupState}, {@link ConsumerProtocolState}) tells the
 * world after a step. Some events are for the polling thread (they travel through the membership's
 * event queue), the rest ask the driver on the event loop for something only it can do.
 */
sealed interface GroupEvent {
    /** For the polling thread: the member's new assignment, to apply (the listener runs there). */
    record Assigned(List<TopicPartition> partitions) implements GroupEvent {}

    /**
     * For the polling thread: the partitions are lost, not revoked (fenced, the session or the poll
     * interval expired); the listener's {@code onPartitionsLost}, and an assignment not yet applied is void.
     */
    record Lost() implements GroupEvent {}

    /** For the polling thread: an assignment handed out earlier and not yet applied is void (fenced while owning nothing). */
    record Unassigned() implements GroupEvent {}

    /** For the polling thread (classic): a rebalance started or the generation ended; the next poll() joins. */
    record RejoinNeeded() implements GroupEvent {}

    /**
     * For the polling thread: an error the next {@code poll()} raises. {@code mayRejoin} (classic join
     * failures): whether a later poll tries to join again; false when a newer instance fenced this one.
     */
    record Failed(RuntimeException error, boolean mayRejoin) implements GroupEvent {}

    /**
     * For the polling thread (classic leader): the partition counts its assignment was made for (0 for
     * a topic that did not exist) and the ids of the topics that did. When metadata later shows other
     * counts (partitions added, a topic created or deleted) or another id (a topic deleted and created
     * again), the leader asks for a rebalance, as Apache Kafka's consumer does.
     */
    record Led(Map<String, Integer> partitionCounts, Map<String, UUID> topicIds) implements GroupEvent {}

    /** For the polling thread: the broker refused the consumer protocol before the first join (auto falls back). */
    record Refused() implements GroupEvent {}

    /** For the driver: the coordinator moved or is gone; find it again before the next request. */
    record CoordinatorLost() implements GroupEvent {}

    /** For the driver: metadata must learn these topics (empty: refresh all) before the machine can go on. */
    record NeedMetadata(Set<String> topics) implements GroupEvent {}

    /**
     * For the driver (classic leader): find the partition counts of the members' topics and hand them to
     * {@link ClassicGroupState#lead}; the machine then sends SyncGroup with the plan.
     */
    record Lead(JoinGroupResponse joined, Set<String> topics) implements GroupEvent {}
}
