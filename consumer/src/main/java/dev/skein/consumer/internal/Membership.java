package dev.skein.consumer.internal;

import dev.skein.core.TopicPartition;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One member's side of a consumer group, whichever protocol: {@link GroupMembership} (classic:
 * JoinGroup/SyncGroup, client-side assignors) or {@link ConsumerProtocolMembership} (KIP-848:
 * ConsumerGroupHeartbeat, the broker assigns). {@link ConsumerGroup} drives either from the polling
 * thread; the wire work runs on an event loop.
 */
interface Membership {
    /** True when a rebalance keeps what stays (cooperative); false when everything is revoked first. */
    boolean cooperative();

    /** Subscribes to these topics (replacing any regex); an empty set ends the subscription. */
    void subscribe(Set<String> topics);

    /**
     * Subscribes to the topics the broker matches with {@code regex} (RE2/J), replacing any topic list.
     *
     * @throws IllegalStateException when the protocol has no broker-side matching (classic)
     */
    default void subscribeRegex(String regex) {
        throw new IllegalStateException("a SubscriptionPattern is matched by the broker, which needs the consumer"
                + " group protocol (group.protocol=consumer, or auto on a broker that offers it); this group uses the"
                + " classic protocol: subscribe with a java.util.regex.Pattern to match on the client");
    }

    /** The subscribed topic names (empty under a regex subscription, whose topics the broker resolves). */
    Set<String> topics();

    /** True while subscribed, by topic list or regex. */
    default boolean subscribed() {
        return !topics().isEmpty();
    }

    /** What commits carry: generation (classic) or member epoch (consumer protocol), and the member id. */
    MemberIdentity identity();

    void onPoll();

    /** True when {@link #join} has work: a rebalance to start (classic) or a new assignment to apply. */
    boolean rejoinNeeded();

    /** True when this member has no live generation or epoch (not joined, left, or fenced). */
    boolean isStale();

    void requestRejoin();

    /** True once after the partitions were lost (fenced, session or poll interval expired). */
    boolean takeLost();

    /** The next assignment: after a rebalance (classic) or at once (consumer protocol). */
    CompletableFuture<List<TopicPartition>> join(Collection<TopicPartition> owned);

    /**
     * True when the assignment a finished {@link #join} gave may still be applied; false when the
     * generation it belongs to ended before the polling thread got to it (classic: a heartbeat's
     * ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID, or {@code max.poll.interval.ms} ran out after SyncGroup
     * answered). The consumer protocol's machine judges that itself ({@link ConsumerProtocolState#applied}).
     */
    default boolean assignmentLive() {
        return true;
    }

    /** The polling thread finished reconciling to {@code assignment} (the consumer protocol acknowledges it). */
    void applied(Collection<TopicPartition> assignment);

    /**
     * True when the broker refused this protocol before the member ever joined ({@code group.protocol=auto}
     * then falls back to classic). Only the consumer protocol can be refused that way.
     */
    default boolean refusedByBroker() {
        return false;
    }

    /** Leaves the group; completes when the coordinator answered. */
    CompletableFuture<Void> leave(String reason);
}
