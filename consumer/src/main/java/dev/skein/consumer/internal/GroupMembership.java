package dev.skein.consumer.internal;

import dev.skein.consumer.ConsumerOptions;
import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.HeartbeatRequest;
import dev.skein.core.message.JoinGroupRequest;
import dev.skein.core.message.LeaveGroupRequest;
import dev.skein.core.message.SyncGroupRequest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Membership of a consumer group, classic protocol: drives a {@link ClassicGroupState} on an event
 * loop. {@link #join} starts a rebalance and returns at once; its future completes with this member's
 * new assignment, and the polling thread applies it (that is where the rebalance listener runs).
 * Heartbeats only send events the polling thread reads.
 */
final class GroupMembership extends AbstractMembership {
    private static final Logger log = LoggerFactory.getLogger(GroupMembership.class);
    /** Touched on {@link #loop} only. */
    private final ClassicGroupState state;
    /** The join under way; completed on the loop, read by the polling thread. */
    private final AtomicReference<CompletableFuture<List<TopicPartition>>> pendingJoin = new AtomicReference<>();

    // The polling thread's side.
    private boolean rejoin = true;
    /** As the leader: the partition counts and topic ids the current assignment was made for; null otherwise. */
    private GroupEvent.Led ledFor;
    /**
     * The key under which a leader keeps the group's topics (every member's subscription) in metadata,
     * from its plan until the next join or leave: it watches their partition counts and ids
     * ({@link #topicsChanged}), and a topic metadata stopped describing would read as deleted.
     */
    private final Object leading = new Object();

    GroupMembership(ClusterClient client, ConsumerOptions settings, GroupOffsets offsets, Runnable onChange) {
        super(client, settings, offsets, onChange);
        this.state = new ClassicGroupState(config, () -> ThreadLocalRandom.current().nextDouble());
        this.identity = state.identity();
    }

    // ---- the polling thread ----

    @Override
    public boolean cooperative() {
        return state.cooperative(); // fixed at construction
    }

    @Override
    public void subscribe(Set<String> newTopics) {
        if (!newTopics.equals(topics)) {
            topics = Set.copyOf(newTopics);
            rejoin = true;
        }
    }

    /** True when a rebalance should start (the last one is finished and something asked for another). */
    @Override
    public boolean rejoinNeeded() {
        raiseFatal();
        if (ledFor != null && topicsChanged(ledFor, client.cluster()::topic)) {
            log.info("group {}: the subscribed topics changed (partitions added, a topic created or deleted)"
                    + " since this leader assigned them; rebalancing", settings.groupId());
            ledFor = null;
            rejoin = true;
        }
        CompletableFuture<List<TopicPartition>> j = pendingJoin.get();
        return rejoin && (j == null || j.isDone());
    }

    /**
     * True when metadata shows a topic of {@code led} with another partition count or another topic id
     * than the assignment was made for. As in Apache Kafka's {@code ConsumerCoordinator}, whose metadata
     * snapshot leaves out a topic that does not exist, a topic metadata does not list or reports as
     * unknown (deleted) counts 0 partitions, so a deletion moves its partitions away; a topic deleted and
     * created again with as many partitions shows a new id. A topic with another error (LEADER_NOT_AVAILABLE
     * while it is being created, a refused describe) tells nothing and is passed over.
     */
    static boolean topicsChanged(GroupEvent.Led led, Function<String, Cluster.TopicInfo> metadata) {
        for (Map.Entry<String, Integer> e : led.partitionCounts().entrySet()) {
            Cluster.TopicInfo info = metadata.apply(e.getKey());
            int count;
            if (info == null || info.error() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
                    || info.error() == ErrorCode.UNKNOWN_TOPIC_ID) {
                count = 0;
            } else if (info.error() == ErrorCode.NONE) {
                count = info.partitionCount();
            } else {
                continue;
            }
            if (count != e.getValue()) {
                return true;
            }
            UUID was = led.topicIds().get(e.getKey());
            if (count > 0 && identified(was) && identified(info.id()) && !was.equals(info.id())) {
                return true;
            }
        }
        return false;
    }

    /** A real topic id: brokers before KIP-516 and error answers give the zero id. */
    private static boolean identified(UUID id) {
        return id != null && (id.getMostSignificantBits() | id.getLeastSignificantBits()) != 0;
    }

    /** True when this member has no live generation: never joined, left after a poll timeout, or fenced. */
    @Override
    public boolean isStale() {
        return identity.generation() < 0;
    }

    /**
     * Only a new JoinGroup, which the polling thread starts, gives a new generation: so the assignment
     * of the join that finished is live while the member has a generation at all. As Apache Kafka's
     * consumer, an assignment whose generation a heartbeat or the poll interval ended meanwhile is not
     * applied; the member joins again.
     */
    @Override
    public boolean assignmentLive() {
        drain();
        return !isStale();
    }

    @Override
    public void requestRejoin() {
        rejoin = true;
    }

    /**
     * Starts a rebalance (JoinGroup, then SyncGroup) and returns at once. The future completes with
     * this member's assignment; retriable errors are retried inside, final ones fail it.
     *
     * @param owned what this member owns now (cooperative: it keeps reading them meanwhile)
     */
    @Override
    public CompletableFuture<List<TopicPartition>> join(Collection<TopicPartition> owned) {
        rejoin = false;
        ledFor = null;
        CompletableFuture<List<TopicPartition>> f = new CompletableFuture<>();
        abandon(pendingJoin.getAndSet(f));
        Set<String> t = topics;
        List<TopicPartition> o = List.copyOf(owned);
        command(() -> {
            client.setTopics(leading, Set.of()); // a leader again only if this join's answer says so
            state.join(t, o, System.nanoTime());
        });
        return f;
    }

    private void abandon(CompletableFuture<List<TopicPartition>> join) {
        if (join != null) {
            join.completeExceptionally(new SkeinException("the join of group " + settings.groupId()
                    + " was abandoned (the consumer left the group)"));
        }
    }

    @Override
    void received(GroupEvent e) {
        if (e instanceof GroupEvent.RejoinNeeded) {
            rejoin = true;
        } else if (e instanceof GroupEvent.Led l) {
            ledFor = l;
        }
    }

    @Override
    public void applied(Collection<TopicPartition> assignment) {
        // classic: the SyncGroup answer was the assignment; nothing to acknowledge
    }

    /**
     * Leaves the group (unsubscribe, close): stops heartbeats, abandons a join, sends LeaveGroup. The
     * future completes when the coordinator answered (or failed), so close() can wait for it.
     */
    @Override
    public CompletableFuture<Void> leave(String reason) {
        rejoin = true;
        abandon(pendingJoin.getAndSet(null));
        CompletableFuture<Void> answered = new CompletableFuture<>();
        command(() -> {
            client.setTopics(leading, Set.of());
            LeaveGroupRequest r = state.leave(reason);
            if (r == null) {
                answered.complete(null);
                return;
            }
            completeWhenAnswered(sendRequest(r), answered);
        });
        return answered;
    }

    // ---- the loop ----

    @Override
    void sendDue(long now) {
        for (ApiMessage r; (r = state.poll(now, lastPollNanos)) != null; ) {
            sendRequest(r);
        }
    }

    private CompletableFuture<ApiMessage> sendRequest(ApiMessage r) {
        Answer<ApiMessage> answer = (resp, e, now) -> state.onResponse(r, resp, e, now);
        Duration rebalance = settings.maxPollInterval().plusSeconds(5); // the broker holds these for a rebalance
        Duration request = settings.client().requestTimeout();
        if (r instanceof JoinGroupRequest) {
            return send(ApiKey.JOIN_GROUP, v -> r, rebalance, answer);
        } else if (r instanceof SyncGroupRequest) {
            return send(ApiKey.SYNC_GROUP, v -> r, rebalance, answer);
        } else if (r instanceof HeartbeatRequest) {
            return send(ApiKey.HEARTBEAT, v -> r, request, answer);
        } else if (r instanceof LeaveGroupRequest l) {
            return send(ApiKey.LEAVE_GROUP, v -> forVersion(l, v), request, answer);
        }
        throw new IllegalStateException("not a group request: " + r);
    }

    /** LeaveGroup as version {@code v} has it: one member id before v3, a reason from v5. */
    private static LeaveGroupRequest forVersion(LeaveGroupRequest l, int v) {
        LeaveGroupRequest.MemberIdentity m = l.members().get(0);
        if (v < 3) {
            return new LeaveGroupRequest().setGroupId(l.groupId()).setMemberId(m.memberId());
        }
        return new LeaveGroupRequest().setGroupId(l.groupId()).setMembers(List.of(
                new LeaveGroupRequest.MemberIdentity().setMemberId(m.memberId()).setReason(v >= 5 ? m.reason() : null)));
    }

    @Override
    MembershipState state() {
        return state;
    }

    @Override
    boolean handle(GroupEvent e) {
        if (e instanceof GroupEvent.Assigned a) {
            CompletableFuture<List<TopicPartition>> j = pendingJoin.get();
            if (j != null) {
                j.complete(a.partitions());
            }
            onChange.run();
            return true;
        }
        if (e instanceof GroupEvent.Failed f) {
            CompletableFuture<List<TopicPartition>> j = pendingJoin.get();
            if (j == null || j.isDone()) {
                return false; // not a join's: the next poll() raises it
            }
            if (f.mayRejoin()) {
                tell(new GroupEvent.RejoinNeeded()); // the next poll() tries again (an ACL fixed, say)
            }
            j.completeExceptionally(f.error());
            onChange.run();
            return true;
        }
        if (e instanceof GroupEvent.Lead l) {
            client.setTopics(leading, l.topics()).whenComplete((cluster, err) -> loop.execute(() -> {
                if (err != null) {
                    state.leadFailed(l.joined(), err, System.nanoTime());
                } else {
                    state.lead(l.joined(), partitionCounts(cluster, l.topics()), topicIds(cluster, l.topics()),
                            System.nanoTime());
                }
                step();
            }));
            return true;
        }
        return false;
    }

    private static Map<String, Integer> partitionCounts(Cluster cluster, Set<String> topics) {
        Map<String, Integer> counts = new HashMap<>();
        for (String t : topics) {
            Cluster.TopicInfo info = cluster.topic(t);
            if (info != null && info.error() == ErrorCode.NONE) {
                counts.put(t, info.partitionCount());
            }
        }
        return counts;
    }

    private static Map<String, UUID> topicIds(Cluster cluster, Set<String> topics) {
        Map<String, UUID> ids = new HashMap<>();
        for (String t : topics) {
            Cluster.TopicInfo info = cluster.topic(t);
            if (info != null && info.error() == ErrorCode.NONE && info.id() != null) {
                ids.put(t, info.id());
            }
        }
        return ids;
    }
}
