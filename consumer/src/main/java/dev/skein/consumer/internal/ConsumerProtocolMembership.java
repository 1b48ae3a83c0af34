package dev.skein.consumer.internal;

import dev.skein.consumer.ConsumerOptions;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.AuthorizationException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ConsumerGroupHeartbeatRequest;
import dev.skein.core.message.ConsumerGroupHeartbeatResponse;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Membership under the consumer group protocol (KIP-848): drives a {@link ConsumerProtocolState} on an
 * event loop. A new assignment reaches the polling thread ({@link #join}), which revokes what left it
 * (committing first under at-least-once), takes what is new, and calls {@link #applied}; the next
 * heartbeat carries the owned partitions so the broker can move on.
 */
final class ConsumerProtocolMembership extends AbstractMembership {
    /** Touched on {@link #loop} only. */
    private final ConsumerProtocolState state;

    // The polling thread's side.
    private String regex;
    private List<TopicPartition> target;
    private boolean refused;
    /** Lost partitions were dropped ({@link #takeLost}) since the last {@link #join}. */
    private boolean droppedLost;
    /** The assignment being applied was taken after lost partitions were dropped. */
    private boolean applyingAfterLoss;

    ConsumerProtocolMembership(ClusterClient client, ConsumerOptions settings, GroupOffsets offsets, Runnable onChange,
                               boolean mayFallBack) {
        super(client, settings, offsets, onChange);
        this.state = new ConsumerProtocolState(config, topicIds(client), mayFallBack,
                () -> ThreadLocalRandom.current().nextDouble());
        this.identity = state.identity();
    }

    // ---- the polling thread ----

    @Override
    public boolean refusedByBroker() {
        drain();
        return refused;
    }

    @Override
    public boolean cooperative() {
        return true;
    }

    @Override
    public void subscribe(Set<String> newTopics) {
        if (regex == null && newTopics.equals(topics)) {
            return;
        }
        Set<String> t = Set.copyOf(newTopics);
        topics = t;
        regex = null;
        forgetDenial();
        command(() -> state.subscribe(t, System.nanoTime()));
    }

    @Override
    public void subscribeRegex(String newRegex) {
        if (newRegex.equals(regex)) {
            return;
        }
        regex = newRegex;
        topics = Set.of();
        forgetDenial();
        command(() -> state.subscribeRegex(newRegex, System.nanoTime()));
    }

    /** A refusal not yet raised was for the old subscription; if it holds for the new one, the broker says so again. */
    private void forgetDenial() {
        drain();
        if (fatal instanceof AuthorizationException) {
            fatal = null;
        }
    }

    @Override
    public boolean subscribed() {
        return regex != null || !topics.isEmpty();
    }

    @Override
    public boolean rejoinNeeded() {
        raiseFatal();
        return target != null || lost;
    }

    @Override
    public void requestRejoin() {
        // The broker decides when assignments change; a member has nothing to ask for.
    }

    @Override
    public boolean takeLost() {
        boolean l = super.takeLost();
        droppedLost |= l; // the caller drops the partitions now, before it joins
        return l;
    }

    @Override
    public CompletableFuture<List<TopicPartition>> join(Collection<TopicPartition> current) {
        drain();
        List<TopicPartition> t = target != null ? target : List.of();
        target = null;
        applyingAfterLoss = droppedLost;
        droppedLost = false;
        return CompletableFuture.completedFuture(t);
    }

    /**
     * Acknowledges {@code assignment}, saying whether it was taken after lost partitions were dropped: a
     * loss reported after the join means the machine discards it ({@link ConsumerProtocolState#applied}).
     */
    @Override
    public void applied(Collection<TopicPartition> assignment) {
        List<TopicPartition> a = List.copyOf(assignment);
        boolean afterLoss = applyingAfterLoss;
        command(() -> state.applied(a, afterLoss, System.nanoTime()));
    }

    @Override
    void received(GroupEvent e) {
        if (e instanceof GroupEvent.Assigned a) {
            target = a.partitions();
        } else if (e instanceof GroupEvent.Lost || e instanceof GroupEvent.Unassigned) {
            target = null;
        } else if (e instanceof GroupEvent.Refused) {
            refused = true;
        }
    }

    @Override
    public CompletableFuture<Void> leave(String reason) {
        target = null;
        CompletableFuture<Void> answered = new CompletableFuture<>();
        command(() -> {
            cancelWake();
            ConsumerGroupHeartbeatRequest r = state.leave(reason);
            if (r == null) {
                answered.complete(null);
                return;
            }
            completeWhenAnswered(heartbeat(r), answered);
        });
        return answered;
    }

    // ---- the loop ----

    @Override
    void sendDue(long now) {
        ConsumerGroupHeartbeatRequest r = state.poll(now, lastPollNanos);
        if (r != null) {
            heartbeat(r);
        }
    }

    private CompletableFuture<ConsumerGroupHeartbeatResponse> heartbeat(ConsumerGroupHeartbeatRequest r) {
        return send(ApiKey.CONSUMER_GROUP_HEARTBEAT, v -> r, settings.client().requestTimeout(),
                (ConsumerGroupHeartbeatResponse resp, Throwable e, long now) -> state.onResponse(r, resp, e, now));
    }

    @Override
    MembershipState state() {
        return state;
    }

    @Override
    boolean handle(GroupEvent e) {
        return false;
    }
}
