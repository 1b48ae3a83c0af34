package dev.skein.consumer.internal;

import dev.skein.consumer.CommitFailedException;
import dev.skein.consumer.ConsumerOptions;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.GroupProtocol;
import dev.skein.consumer.IsolationLevel;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.consumer.OffsetCommitCallback;
import dev.skein.consumer.RebalanceListener;
import dev.skein.consumer.SubscriptionPattern;
import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.AuthorizationException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.Retry;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.internal.net.BrokerVersions;
import dev.skein.core.internal.net.KafkaReleases;
import dev.skein.core.message.ApiKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The polling thread's side of a consumer group: subscriptions, applying rebalances (the listener
 * runs here), and the commits each delivery mode promises. The wire work is in {@link GroupMembership}
 * (join, heartbeats) and {@link GroupOffsets} (commit, fetch committed offsets).
 *
 * <p>Eager rebalancing revokes everything before joining. Cooperative rebalancing (every offered
 * assignor cooperative) keeps reading its partitions while the group rebalances, revokes only what
 * the new assignment moves away, and then rejoins so the moved partitions reach their new owner.
 */
final class ConsumerGroup {
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroup.class);

    private final ConsumerOptions settings;
    private final ClusterClient client;
    private final SubscriptionState subscriptions;
    private final GroupOffsets offsets;
    private final Runnable onChange;
    private Membership membership;
    /** True until the protocol is settled ({@code auto} decides at the first subscribe). */
    private boolean protocolOpen;
    private final ConsumerMetrics metrics;
    private final Consumer<Collection<TopicPartition>> dropFetched;
    private final Runnable fetchNow;
    private final ConcurrentLinkedQueue<Runnable> callbacks = new ConcurrentLinkedQueue<>();
    /** Asynchronous commits not yet answered: close() waits for them so their callbacks run (as Kafka's does). */
    private final Set<CompletableFuture<?>> asyncCommits = ConcurrentHashMap.newKeySet();
    private RebalanceListener listener;
    private Pattern pattern;
    /** A broker-matched (RE2/J) subscription, under the consumer protocol; null otherwise. */
    private String regex;
    private CompletableFuture<List<TopicPartition>> join;
    /**
     * The identity the current assignment was applied under: what {@link #metadata} reports once the
     * generation has ended, until the next assignment (Apache Kafka's consumer updates its group metadata
     * only when a join completes), so that a zombie's transactional offset commit is fenced (KIP-447).
     */
    private MemberIdentity appliedUnder;
    /** The first exception a rebalance listener threw since the last raise ({@link #listen}). */
    private RuntimeException listenerFailure;
    private long rebalanceStart;
    private long lastAutoCommitNanos = System.nanoTime();
    /** Told of each successful commit on the polling thread (the interceptors' onCommit), or null. */
    private Consumer<Map<TopicPartition, OffsetAndMetadata>> committedHook;

    ConsumerGroup(ConsumerOptions settings, ClusterClient client, SubscriptionState subscriptions, ConsumerMetrics metrics,
                  Consumer<Collection<TopicPartition>> dropFetched, Runnable fetchNow, Runnable onChange) {
        this.settings = settings;
        this.client = client;
        this.subscriptions = subscriptions;
        this.metrics = metrics;
        this.dropFetched = dropFetched;
        this.fetchNow = fetchNow;
        this.offsets = new GroupOffsets(client, settings);
        this.onChange = onChange;
        this.membership = settings.groupProtocol() == GroupProtocol.CONSUMER
                ? new ConsumerProtocolMembership(client, settings, offsets, onChange, false)
                : new GroupMembership(client, settings, offsets, onChange);
        this.protocolOpen = settings.groupProtocol() == GroupProtocol.AUTO;
        offsets.memberSupplier(() -> membership.identity());
        offsets.incarnations(subscriptions::topicIds);
    }

    /** Tells {@code hook} of every commit that succeeds, always on the polling thread. */
    void onCommitted(Consumer<Map<TopicPartition, OffsetAndMetadata>> hook) {
        this.committedHook = hook;
    }

    /** A synchronous commit succeeded: tell the hook now, on the polling thread. */
    private void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (committedHook != null) {
            committedHook.accept(offsets);
        }
    }

    /**
     * An asynchronous commit succeeded, on a network thread: the hook is told from the next
     * {@code poll()}, with the commit callbacks, so user code never runs on an event loop.
     */
    private void committedLater(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (committedHook != null) {
            callbacks.add(() -> committedHook.accept(offsets));
        }
    }

    /**
     * {@code group.protocol=auto}: the consumer protocol where the cluster runs it, else classic. Decided
     * once, at the first subscribe, and said in one log line.
     *
     * <p>Listing ConsumerGroupHeartbeat in ApiVersions is not enough: Kafka 3.7-3.9 brokers list it
     * while the protocol is off and answer UNSUPPORTED_VERSION. As Apache Kafka's own client does,
     * the cluster must also have finalized the feature {@code group.version} at 1 or more (KIP-848 GA,
     * the default from 4.0). Should the first heartbeat still be refused, the group falls back to
     * classic ({@link #fallBackToClassic}).
     */
    private void settleProtocol() {
        if (!protocolOpen) {
            return;
        }
        protocolOpen = false;
        boolean offered;
        try {
            Cluster c = Blocking.await(client.awaitReady(settings.defaultApiTimeout()),
                    System.nanoTime() + settings.defaultApiTimeout().toNanos(), "cluster metadata");
            int any = c.brokers().keySet().iterator().next();
            BrokerVersions versions = Blocking.await(client.versions(any),
                    System.nanoTime() + settings.defaultApiTimeout().toNanos(), "the API versions of broker " + any);
            offered = versions.supports(ApiKey.CONSUMER_GROUP_HEARTBEAT) && versions.finalizedFeature("group.version") >= 1;
        } catch (RuntimeException e) {
            log.warn("group {}: could not ask the brokers which group protocols they offer ({}); using classic",
                    settings.groupId(), e.getMessage());
            offered = false;
        }
        if (offered) {
            membership = new ConsumerProtocolMembership(client, settings, offsets, onChange, true);
        }
        if (offered && !settings.classicOnlyOptions().isEmpty()) {
            log.info("group {}: using the consumer (KIP-848) group protocol (group.protocol=auto); {} apply to the"
                    + " classic protocol only, the broker's group configs rule here", settings.groupId(),
                    settings.classicOnlyOptions());
        } else {
            log.info("group {}: using the {} group protocol (group.protocol=auto)", settings.groupId(),
                    offered ? "consumer (KIP-848)" : "classic");
        }
    }

    /**
     * {@code group.protocol=auto} on a cluster that advertised the consumer protocol but refused the
     * first heartbeat: the member never joined, so it starts over with the classic protocol and the
     * same subscription. A broker-matched {@code SubscriptionPattern} has no classic equivalent.
     */
    private void fallBackToClassic() {
        Set<String> topics = membership.topics();
        membership = new GroupMembership(client, settings, offsets, onChange);
        log.info("group {}: the cluster refused the consumer (KIP-848) group protocol; using the classic protocol"
                + " (group.protocol=auto)", settings.groupId());
        if (regex != null) {
            regex = null;
            throw new UnsupportedVersionException("subscribing to a SubscriptionPattern needs the consumer group"
                    + " protocol (KIP-848), which this cluster does not run (it needs Apache Kafka "
                    + KafkaReleases.CONSUMER_GROUP_PROTOCOL + " or newer): subscribe with a java.util.regex.Pattern"
                    + " to match on the client", ErrorCode.UNSUPPORTED_VERSION);
        }
        membership.subscribe(topics);
    }

    /**
     * The topics of the subscription (those a pattern matches now), for metadata; empty when not
     * subscribed. The same set until the subscription changes.
     */
    Set<String> subscribedTopics() {
        return membership.subscribed() ? membership.topics() : Set.of();
    }

    /** True while subscribed (the group assigns); false for a consumer that assigns itself. */
    boolean subscribed() {
        return membership.subscribed() || pattern != null;
    }

    void subscribe(Collection<String> topics, RebalanceListener l) {
        settleProtocol();
        listener = l;
        pattern = null;
        regex = null;
        client.metadata().allTopics(false);
        membership.subscribe(Set.copyOf(topics)); // metadata follows: SkeinConsumer.followTopics
    }

    void subscribe(Pattern topicPattern, RebalanceListener l) {
        settleProtocol();
        listener = l;
        pattern = topicPattern;
        regex = null;
        client.metadata().allTopics(true);
        Cluster c = Blocking.await(client.refreshMetadata(), System.nanoTime() + settings.defaultApiTimeout().toNanos(),
                "metadata of all topics");
        membership.subscribe(matching(c));
    }

    /**
     * A broker-matched subscription (consumer protocol). Metadata then covers every topic, so the
     * assignment's topic ids can be named and their leaders found.
     */
    void subscribe(SubscriptionPattern p, RebalanceListener l) {
        settleProtocol();
        membership.subscribeRegex(p.regex()); // throws under classic, before anything changes
        listener = l;
        pattern = null;
        regex = p.regex();
        client.metadata().allTopics(true);
        client.refreshMetadata();
    }

    /** The non-internal topics whose whole name matches the pattern subscription. */
    private Set<String> matching(Cluster c) {
        Set<String> out = new TreeSet<>();
        for (Cluster.TopicInfo t : c.topics().values()) {
            if (!t.internal() && t.error() == ErrorCode.NONE && pattern.matcher(t.name()).matches()) {
                out.add(t.name());
            }
        }
        return out;
    }

    void unsubscribe() {
        if (membership.subscribed()) {
            revoke(subscriptions.assignment(), false);
            membership.subscribe(Set.of());
            membership.leave("the consumer unsubscribed");
        }
        join = null;
        appliedUnder = null;
        pattern = null;
        regex = null;
        client.metadata().allTopics(false);
        raiseListenerFailure();
    }

    void enforceRebalance() {
        if (subscribed()) {
            membership.requestRejoin();
        }
    }

    ConsumerGroupMetadata metadata() {
        MemberIdentity m = membership.identity();
        if (m.generation() < 0 && appliedUnder != null) {
            // The generation ended (classic: the poll interval ran out, a heartbeat was told UNKNOWN_MEMBER_ID)
            // and none replaced it yet. Reported as "no generation" (-1, ""), a TxnOffsetCommit is accepted in
            // any state of the group; the generation the records were read under gets it refused.
            m = appliedUnder;
        }
        return new ConsumerGroupMetadata(settings.groupId(), m.generation(), m.memberId(), settings.groupInstanceId());
    }

    /**
     * Called at the start of every {@code poll()} and while it waits: starts a rebalance when one is
     * needed and applies one that finished. Never blocks on the group; a rebalance in flight simply
     * leaves the assignment as it is (empty under eager rebalancing).
     */
    void maintain() {
        if (pattern != null) {
            membership.subscribe(matching(client.cluster())); // rejoins when the matching topics changed
        }
        if (membership.refusedByBroker()) {
            fallBackToClassic();
        }
        if (!membership.subscribed()) {
            return;
        }
        membership.onPoll(); // a poll that raises below still counts: the member is not stuck
        if (pattern == null) { // a pattern matches only topics metadata describes; a list may name a denied one
            AuthorizationException denied = AbstractMembership.deniedTopics(client.cluster(), membership.topics(), false);
            if (denied != null) {
                client.refreshMetadata(); // so that a fixed ACL is seen by the time poll() asks again
                throw denied;
            }
        }
        if (join == null && membership.rejoinNeeded()) {
            startRebalance();
        }
        if (join != null && join.isDone()) {
            CompletableFuture<List<TopicPartition>> done = join;
            join = null;
            List<TopicPartition> assigned;
            try {
                assigned = done.join();
            } catch (CompletionException e) {
                throw Retry.cause(e) instanceof RuntimeException re ? re : e;
            }
            if (membership.assignmentLive()) {
                apply(assigned);
            } else {
                log.info("group {}: the generation ended before poll() could apply its assignment {}; joining again",
                        settings.groupId(), assigned);
                membership.requestRejoin();
            }
        }
        raiseListenerFailure();
    }

    private void startRebalance() {
        rebalanceStart = System.nanoTime();
        Set<TopicPartition> owned = subscriptions.assignment();
        if (membership.takeLost()) {
            lose(owned);
        } else if (!membership.cooperative()) {
            revoke(owned, false);
        } else if (regex == null) {
            // Partitions of topics no longer subscribed go now; the rest are kept while the group rebalances.
            Set<TopicPartition> unsubscribed = new LinkedHashSet<>();
            owned.forEach(tp -> {
                if (!membership.topics().contains(tp.topic())) {
                    unsubscribed.add(tp);
                }
            });
            revoke(unsubscribed, false);
        }
        join = membership.join(subscriptions.assignment());
    }

    private void apply(List<TopicPartition> assigned) {
        Set<TopicPartition> owned = subscriptions.assignment();
        Set<TopicPartition> added = new LinkedHashSet<>(assigned);
        added.removeAll(owned);
        if (membership.cooperative()) {
            Set<TopicPartition> revoked = new LinkedHashSet<>(owned);
            revoked.removeAll(assigned);
            if (!revoked.isEmpty()) {
                revoke(revoked, false);
                membership.requestRejoin(); // so the new owners get them in the next round
            }
        }
        subscriptions.assign(assigned);
        appliedUnder = membership.identity();
        metrics.assigned(assigned, tp -> subscriptions.lag(tp, settings.isolation() == IsolationLevel.READ_COMMITTED));
        if (listener != null) {
            Collection<TopicPartition> given = membership.cooperative() ? added : assigned;
            listen(() -> listener.onPartitionsAssigned(given));
        }
        membership.applied(assigned);
        metrics.rebalanced(System.nanoTime() - rebalanceStart);
        fetchNow.run();
    }

    /**
     * Whether giving partitions up (a revocation, {@code unsubscribe()}, {@code close()}) first commits
     * what {@code poll()} returned for them: at-least-once, and auto-commit, which as Apache Kafka's
     * commits synchronously before a rebalance takes partitions away and on close, whatever its interval.
     */
    private boolean commitsOnHandOver() {
        return settings.delivery() == Delivery.AT_LEAST_ONCE
                || (settings.delivery() == Delivery.MANUAL && settings.autoCommit());
    }

    /** Gives partitions up: at-least-once and auto-commit commit what was returned for them first, then the listener. */
    private void revoke(Collection<TopicPartition> parts, boolean lost) {
        if (parts.isEmpty()) {
            return;
        }
        if (lost) {
            lose(parts);
            return;
        }
        if (commitsOnHandOver() && !membership.isStale()) {
            Map<TopicPartition, OffsetAndMetadata> moved = new LinkedHashMap<>(subscriptions.uncommittedPositions());
            moved.keySet().retainAll(parts);
            try {
                commitSync(moved);
            } catch (RuntimeException e) {
                log.warn("commit before revoking {} failed: {}", parts, e.getMessage());
            }
        }
        if (listener != null) {
            Set<TopicPartition> revoked = Set.copyOf(parts);
            listen(() -> listener.onPartitionsRevoked(revoked));
        }
        remove(parts);
    }

    /**
     * Calls the rebalance listener. What it throws does not stop the rebalance half-way (the assignment
     * applied, the partitions removed, the cooperative protocol's rejoin asked for): as Apache Kafka's
     * consumer documents, a callback's exception does not affect the assignment; the first one is kept and
     * raised out of {@code poll()} (or {@code unsubscribe()}) once the rebalance step is done.
     */
    private void listen(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("group {}: the rebalance listener threw; the rebalance goes on and poll() raises it: {}",
                    settings.groupId(), e.toString());
            if (listenerFailure == null) {
                listenerFailure = e;
            }
        }
    }

    private void raiseListenerFailure() {
        RuntimeException e = listenerFailure;
        if (e != null) {
            listenerFailure = null;
            throw e;
        }
    }

    /**
     * Partitions this member holds whose topic was deleted and created again (a new topic id), which the
     * group itself need not move (the classic protocol assigns names, and the same names come back). To
     * the listener the old log's partitions are lost, then {@code renew} moves the positions to the new
     * log, and what it reset is assigned: state a listener keeps per partition (finished offsets, a cache
     * by offset) describes records the new log does not have. A callback's exception is raised once both
     * ran, as in a rebalance.
     */
    void reborn(Collection<TopicPartition> parts, Supplier<? extends Collection<TopicPartition>> renew) {
        if (listener == null) {
            renew.get();
            return;
        }
        Set<TopicPartition> lost = Set.copyOf(parts);
        listen(() -> listener.onPartitionsLost(lost));
        Set<TopicPartition> assigned = Set.copyOf(renew.get());
        if (!assigned.isEmpty()) {
            listen(() -> listener.onPartitionsAssigned(assigned));
        }
        raiseListenerFailure();
    }

    private void lose(Collection<TopicPartition> parts) {
        if (parts.isEmpty()) {
            return;
        }
        if (listener != null) {
            Set<TopicPartition> lost = Set.copyOf(parts);
            listen(() -> listener.onPartitionsLost(lost));
        }
        remove(parts);
    }

    private void remove(Collection<TopicPartition> parts) {
        dropFetched.accept(parts);
        Set<TopicPartition> keep = new LinkedHashSet<>(subscriptions.assignment());
        keep.removeAll(parts);
        subscriptions.assign(keep);
        metrics.retainLag(keep);
    }

    // ---- commits ----

    /** At the start of poll(): completed commit callbacks, then the delivery mode's commit of the last batch. */
    void beforePoll() {
        for (Runnable r; (r = callbacks.poll()) != null; ) {
            r.run();
        }
        boolean due = settings.delivery() == Delivery.AT_LEAST_ONCE || (settings.delivery() == Delivery.MANUAL
                && settings.autoCommit() && System.nanoTime() - lastAutoCommitNanos >= settings.autoCommitInterval().toNanos());
        if (due && !(subscribed() && membership.isStale())) {
            lastAutoCommitNanos = System.nanoTime();
            commitPositionsAsync();
        }
    }

    private void commitPositionsAsync() {
        Map<TopicPartition, OffsetAndMetadata> moved = subscriptions.uncommittedPositions();
        if (moved.isEmpty()) {
            return;
        }
        offsets.commit(moved, 3).whenComplete((v, e) -> {
            if (e == null) {
                moved.forEach((tp, om) -> subscriptions.markCommitted(tp, om.offset()));
                committedLater(moved);
            } else {
                log.debug("commit of {} failed; it is retried on the next poll: {}", moved.keySet(), e.getMessage());
            }
        });
    }

    /**
     * At-most-once: the offsets of what poll() is about to return are committed first. Returns false
     * when they could not be yet because the group is rebalancing: poll() then returns nothing.
     */
    boolean beforeReturning(ConsumerRecords<?, ?> records) {
        if (settings.delivery() != Delivery.AT_MOST_ONCE) {
            return true;
        }
        Map<TopicPartition, OffsetAndMetadata> positions = new LinkedHashMap<>(subscriptions.positions());
        positions.keySet().retainAll(records.partitions());
        try {
            commitSync(positions);
        } catch (RuntimeException e) {
            // Never hand out records whose offsets are not committed: rewind so they are fetched again.
            for (TopicPartition tp : records.partitions()) {
                var first = records.records(tp).get(0);
                subscriptions.seek(tp, first.offset(), first.leaderEpoch());
            }
            if (rebalancing(e)) {
                log.debug("at-most-once commit deferred: the group is rebalancing");
                return false; // a cooperative member reads on during a rebalance; the next poll() retries
            }
            throw e;
        }
        return true;
    }

    private static boolean rebalancing(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SkeinException s && s.errorCode() == ErrorCode.REBALANCE_IN_PROGRESS) {
                return true;
            }
        }
        return false;
    }

    /** A member that knows it has no live generation must not commit: the partitions may have moved on. */
    private void requireCurrentGeneration(Map<TopicPartition, OffsetAndMetadata> toCommit) {
        if (subscribed() && membership.isStale() && !toCommit.isEmpty()) {
            throw new CommitFailedException("commit of " + toCommit.keySet() + " refused: this member is not in"
                    + " group " + settings.groupId() + " (it has not joined yet, poll() was not called within"
                    + " max.poll.interval.ms, or it was fenced); the partitions may belong to another member."
                    + " The next poll() rejoins.");
        }
    }

    void commitSync(Map<TopicPartition, OffsetAndMetadata> toCommit) {
        requireCurrentGeneration(toCommit);
        if (toCommit.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + settings.defaultApiTimeout().toNanos();
        try {
            Blocking.await(offsets.commitUntil(toCommit, 5, deadline), deadline, "commit of " + toCommit.keySet());
        } catch (CommitFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CommitFailedException("commit of " + toCommit.keySet() + " failed: " + e.getMessage(), e);
        }
        toCommit.forEach((tp, om) -> subscriptions.markCommitted(tp, om.offset()));
        committed(toCommit);
    }

    void commitAsync(Map<TopicPartition, OffsetAndMetadata> toCommit, OffsetCommitCallback callback) {
        requireCurrentGeneration(toCommit);
        CompletableFuture<?> answered = offsets.commit(toCommit, 3).whenComplete((v, e) -> {
            if (e == null) {
                toCommit.forEach((tp, om) -> subscriptions.markCommitted(tp, om.offset()));
                committedLater(toCommit); // queued before the callback, which it therefore precedes
            }
            if (callback != null) {
                Throwable cause = e == null ? null : Retry.cause(e);
                Exception ex = cause == null ? null : cause instanceof Exception c ? c : new SkeinException(cause.toString(), cause);
                callbacks.add(() -> callback.onComplete(toCommit, ex));
            }
        });
        asyncCommits.add(answered);
        answered.whenComplete((v, e) -> asyncCommits.remove(answered));
    }

    /**
     * close(): waits, within the deadline, for the asynchronous commits still unanswered, then runs every
     * completed commit's callback on the closing thread; a callback that throws is logged, the rest run.
     */
    private void finishAsyncCommits(long deadlineNanos) {
        try {
            Blocking.await(CompletableFuture.allOf(asyncCommits.toArray(CompletableFuture[]::new)), deadlineNanos,
                    "the asynchronous commits in flight");
        } catch (RuntimeException e) {
            log.warn("closing before every asynchronous commit was answered: {}", e.getMessage());
        }
        for (Runnable r; (r = callbacks.poll()) != null; ) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.warn("a commit callback failed on close: {}", e.toString());
            }
        }
    }

    /** The committed offsets, retrying what clears on its own (unstable offsets too) until {@code deadlineNanos}. */
    CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> committed(Set<TopicPartition> partitions, long deadlineNanos) {
        return offsets.fetch(partitions, deadlineNanos);
    }

    /** close(): the final at-least-once or auto-commit commit, the listener's revocation, and leaving the group. */
    void close(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (commitsOnHandOver() && !(subscribed() && membership.isStale())) {
                Map<TopicPartition, OffsetAndMetadata> moved = subscriptions.uncommittedPositions();
                if (!moved.isEmpty()) {
                    Blocking.await(offsets.commitUntil(moved, 3, deadline), deadline,
                            "the final commit");
                    committed(moved);
                }
            }
        } catch (RuntimeException e) {
            log.warn("final commit on close failed: {}", e.getMessage());
        } finally {
            finishAsyncCommits(deadline);
            if (membership.subscribed()) {
                try {
                    if (listener != null && !subscriptions.assignment().isEmpty()) {
                        if (membership.isStale()) {
                            listener.onPartitionsLost(subscriptions.assignment());
                        } else {
                            listener.onPartitionsRevoked(subscriptions.assignment());
                        }
                    }
                } catch (RuntimeException e) {
                    log.warn("the rebalance listener failed on close: {}", e.toString());
                }
                // Wait (bounded) for the coordinator to take the leave, so the group rebalances now rather
                // than after the session timeout; the connections close right after this.
                try {
                    Blocking.await(membership.leave("the consumer is being closed"),
                            System.nanoTime() + Math.min(timeout.toNanos(), settings.client().requestTimeout().toNanos()),
                            "LeaveGroup of group " + settings.groupId());
                } catch (RuntimeException e) {
                    log.debug("leaving group {} on close: {}", settings.groupId(), e.toString());
                }
            }
        }
    }
}
