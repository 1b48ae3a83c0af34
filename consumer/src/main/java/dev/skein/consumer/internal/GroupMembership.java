package dev.skein.consumer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.SkeinException;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.ConsumerProtocol;
import dev.skein.core.internal.Retry;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ConsumerProtocolSubscription;
import dev.skein.core.message.HeartbeatRequest;
import dev.skein.core.message.HeartbeatResponse;
import dev.skein.core.message.JoinGroupRequest;
import dev.skein.core.message.JoinGroupResponse;
import dev.skein.core.message.LeaveGroupRequest;
import dev.skein.core.message.SyncGroupRequest;
import dev.skein.core.message.SyncGroupResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Membership of a consumer group, classic protocol: JoinGroup (with the member-id-required round
 * trip), the leader's assignment, SyncGroup, Heartbeat independent of {@code poll()}, LeaveGroup.
 *
 * <p>Everything on the wire runs on an event loop. {@link #join} starts a rebalance and returns at once;
 * its future completes with this member's new assignment, and the polling thread applies it (that is
 * where the rebalance listener runs). Heartbeats only flip flags the polling thread reads. Fields are
 * guarded by {@code this}.
 */
final class GroupMembership extends AbstractMembership {
    private static final Logger log = LoggerFactory.getLogger(GroupMembership.class);
    private static final short SUBSCRIPTION_VERSION = ConsumerProtocol.SUBSCRIPTION_VERSION;

    private final List<Assignor> assignors = new ArrayList<>();
    private final boolean cooperative;
    private int generation = -1;
    private boolean rejoinNeeded = true;
    private boolean joining;
    /** Bumped by every join and by leaving: a join whose attempt number is stale gives up. */
    private int attempt;
    /** What the last rebalance gave this member: the eager sticky assignor's memory. */
    private List<TopicPartition> lastAssignment = List.of();
    private ScheduledFuture<?> heartbeat;

    GroupMembership(ClusterClient client, ConsumerSettings settings, GroupOffsets offsets, Runnable onChange) {
        super(client, settings, offsets, onChange, "");
        for (String name : settings.assignors()) {
            assignors.add(Assignor.forName(name));
        }
        // Like Apache Kafka's consumer: cooperative only when every offered assignor is, because the
        // group may pick any of them.
        this.cooperative = assignors.stream().allMatch(Assignor::cooperative);
    }

    @Override
    public boolean cooperative() {
        return cooperative;
    }

    @Override
    public synchronized void subscribe(Set<String> newTopics) {
        if (!newTopics.equals(topics)) {
            topics = Set.copyOf(newTopics);
            rejoinNeeded = true;
        }
    }

    /** Generation and member id to commit with. */
    @Override
    public synchronized MemberIdentity identity() {
        return new MemberIdentity(generation, memberId);
    }

    /** True when a rebalance should start (the last one is finished and something asked for another). */
    @Override
    public synchronized boolean rejoinNeeded() {
        raiseFatal();
        return rejoinNeeded && !joining;
    }

    /** True when this member has no live generation: never joined, left after a poll timeout, or fenced. */
    @Override
    public synchronized boolean isStale() {
        return generation < 0;
    }

    @Override
    public synchronized void requestRejoin() {
        rejoinNeeded = true;
    }

    /**
     * Starts a rebalance (JoinGroup, then SyncGroup) on an event loop and returns at once. The future
     * completes with this member's assignment; retriable errors (coordinator moves, rebalances in
     * progress, an unknown member id) are retried inside, fatal ones (fenced static member,
     * authorization, an inconsistent protocol) fail it.
     *
     * @param owned what this member owns now (cooperative: it keeps reading them meanwhile)
     */
    @Override
    public CompletableFuture<List<TopicPartition>> join(Collection<TopicPartition> owned) {
        CompletableFuture<List<TopicPartition>> result = new CompletableFuture<>();
        int mine;
        synchronized (this) {
            joining = true;
            rejoinNeeded = false;
            mine = ++attempt;
        }
        List<TopicPartition> ownedNow = List.copyOf(owned);
        loop.execute(() -> tryJoin(result, ownedNow, mine));
        return result;
    }

    /** Tells {@link #tryJoin} to go again: now, or after the retry backoff. */
    private static final class Rejoin extends RuntimeException {
        final boolean now;

        Rejoin(String why, boolean now) {
            super(why, null, false, false);
            this.now = now;
        }
    }

    private void tryJoin(CompletableFuture<List<TopicPartition>> result, List<TopicPartition> owned, int mine) {
        synchronized (this) {
            if (mine != attempt) {
                result.completeExceptionally(new SkeinException("the join of group " + settings.groupId()
                        + " was abandoned (the consumer left the group)"));
                return;
            }
        }
        offsets.coordinator()
                .thenCompose(node -> client.<JoinGroupResponse>send(node, ApiKey.JOIN_GROUP, v -> joinRequest(owned),
                                settings.maxPollInterval().plusSeconds(5))
                        .thenCompose(joined -> afterJoin(node, joined, mine)))
                .whenComplete((assigned, err) -> {
                    if (err == null) {
                        synchronized (this) {
                            if (mine != attempt) {
                                // The consumer left meanwhile: the group it joined is not one it is in.
                                result.completeExceptionally(new SkeinException("the join of group "
                                        + settings.groupId() + " was abandoned (the consumer left the group)"));
                                return;
                            }
                            joining = false;
                            lastPollNanos = System.nanoTime();
                            lastAssignment = List.copyOf(assigned);
                        }
                        startHeartbeats();
                        result.complete(assigned);
                        onChange.run();
                        return;
                    }
                    Throwable cause = Retry.cause(err);
                    if (cause instanceof Rejoin r) {
                        log.debug("group {}: joining again: {}", settings.groupId(), r.getMessage());
                        if (r.now) {
                            loop.execute(() -> tryJoin(result, owned, mine));
                            return;
                        }
                    } else if (cause instanceof SkeinException s && !s.isRetriable() && s.errorCode() != null) {
                        synchronized (this) {
                            joining = false;
                            // The next poll() tries again (an ACL fixed, say), except when fenced by a newer instance.
                            rejoinNeeded = s.errorCode() != ErrorCode.FENCED_INSTANCE_ID;
                        }
                        result.completeExceptionally(s);
                        onChange.run();
                        return;
                    } else {
                        // The coordinator unreachable or moving, a request timed out: find it again.
                        log.debug("group {}: join failed, retrying: {}", settings.groupId(), cause.toString());
                        offsets.forgetCoordinator();
                    }
                    loop.schedule(() -> tryJoin(result, owned, mine), settings.client().retryBackoff().toMillis(),
                            TimeUnit.MILLISECONDS);
                });
    }

    private CompletableFuture<List<TopicPartition>> afterJoin(int node, JoinGroupResponse joined, int mine) {
        ErrorCode code = ErrorCode.forCode(joined.errorCode());
        switch (code) {
            case NONE -> { }
            case MEMBER_ID_REQUIRED -> {
                synchronized (this) {
                    memberId = joined.memberId();
                }
                throw new Rejoin("the coordinator gave member id " + joined.memberId(), true);
            }
            case UNKNOWN_MEMBER_ID -> {
                synchronized (this) {
                    memberId = "";
                }
                throw new Rejoin("member id unknown to the coordinator", true);
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE -> {
                offsets.forgetCoordinator();
                throw new Rejoin(code.name(), false);
            }
            case FENCED_INSTANCE_ID -> throw code.exception("JoinGroup of group " + settings.groupId()
                    + ": another consumer with group.instance.id " + settings.groupInstanceId() + " has taken over");
            default -> {
                if (code.isRetriable() || code == ErrorCode.REBALANCE_IN_PROGRESS) {
                    throw new Rejoin(code.name(), false);
                }
                throw code.exception("JoinGroup of group " + settings.groupId());
            }
        }
        synchronized (this) {
            if (mine != attempt) {
                throw new SkeinException("the join of group " + settings.groupId() + " was abandoned (the consumer left)");
            }
            memberId = joined.memberId();
            generation = joined.generationId();
        }
        CompletableFuture<Map<String, List<TopicPartition>>> plan = joined.leader().equals(joined.memberId())
                ? lead(joined) : CompletableFuture.completedFuture(Map.of());
        return plan.thenCompose(p -> client.<SyncGroupResponse>send(node, ApiKey.SYNC_GROUP, v -> syncRequest(joined, p),
                settings.maxPollInterval().plusSeconds(5))).thenApply(synced -> {
                    ErrorCode sc = ErrorCode.forCode(synced.errorCode());
                    switch (sc) {
                        case NONE -> { }
                        case REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION -> throw new Rejoin("SyncGroup: " + sc, true);
                        case UNKNOWN_MEMBER_ID -> {
                            synchronized (this) {
                                memberId = "";
                            }
                            throw new Rejoin("SyncGroup: " + sc, true);
                        }
                        case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE -> {
                            offsets.forgetCoordinator();
                            throw new Rejoin(sc.name(), false);
                        }
                        default -> {
                            if (sc.isRetriable()) {
                                throw new Rejoin(sc.name(), false);
                            }
                            throw sc.exception("SyncGroup of group " + settings.groupId());
                        }
                    }
                    List<TopicPartition> assigned = ConsumerProtocol.decodeAssignment(synced.assignment());
                    log.info("joined group {} generation {} as {} ({}) with {}", settings.groupId(), joined.generationId(),
                            joined.memberId(), joined.protocolName(), assigned);
                    return assigned;
                });
    }

    private JoinGroupRequest joinRequest(List<TopicPartition> owned) {
        List<JoinGroupRequest.JoinGroupRequestProtocol> protocols = new ArrayList<>();
        for (Assignor a : assignors) {
            protocols.add(new JoinGroupRequest.JoinGroupRequestProtocol().setName(a.name())
                    .setMetadata(encodeSubscription(a, owned)));
        }
        synchronized (this) {
            return new JoinGroupRequest().setGroupId(settings.groupId())
                    .setSessionTimeoutMs((int) settings.sessionTimeout().toMillis())
                    .setRebalanceTimeoutMs((int) settings.maxPollInterval().toMillis())
                    .setMemberId(memberId).setGroupInstanceId(settings.groupInstanceId())
                    .setProtocolType("consumer").setProtocols(protocols);
        }
    }

    /**
     * Subscription v3: topics, owned partitions and generation (what the sticky assignors need), rack.
     * The user data is what each of Apache Kafka's assignors expects there, so an older reference
     * leader reads it too: the eager sticky assignor's last assignment and generation, the
     * cooperative one's generation.
     */
    private byte[] encodeSubscription(Assignor assignor, List<TopicPartition> owned) {
        int gen;
        List<TopicPartition> previous;
        synchronized (this) {
            gen = generation;
            previous = lastAssignment;
        }
        byte[] userData = switch (assignor.name()) {
            case "sticky" -> StickyUserData.encode(previous, gen);
            case "cooperative-sticky" -> java.nio.ByteBuffer.allocate(4).putInt(gen).array();
            default -> null;
        };
        ConsumerProtocolSubscription s = new ConsumerProtocolSubscription()
                .setTopics(new ArrayList<>(new TreeSet<>(topics()))).setUserData(userData)
                .setOwnedPartitions(toWire(owned)).setGenerationId(gen).setRackId(settings.rack());
        ByteBuf buf = Unpooled.buffer();
        buf.writeShort(SUBSCRIPTION_VERSION);
        s.write(buf, SUBSCRIPTION_VERSION);
        return ByteBufUtil.getBytes(buf);
    }

    private static List<ConsumerProtocolSubscription.TopicPartition> toWire(List<TopicPartition> tps) {
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        tps.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        List<ConsumerProtocolSubscription.TopicPartition> out = new ArrayList<>();
        byTopic.forEach((t, ps) -> out.add(new ConsumerProtocolSubscription.TopicPartition().setTopic(t).setPartitions(ps)));
        return out;
    }

    /** The leader's part: decode every member's subscription and run the chosen assignor. */
    private CompletableFuture<Map<String, List<TopicPartition>>> lead(JoinGroupResponse joined) {
        Assignor assignor = assignors.stream().filter(a -> a.name().equals(joined.protocolName())).findFirst()
                .orElseThrow(() -> new SkeinException("the group chose assignor " + joined.protocolName()
                        + ", which this member does not offer"));
        Map<String, Assignor.Member> members = new LinkedHashMap<>();
        Set<String> allTopics = new LinkedHashSet<>();
        for (JoinGroupResponse.JoinGroupResponseMember m : joined.members()) {
            Assignor.Member member = decodeSubscription(m.metadata(), assignor.name());
            members.put(m.memberId(), member);
            allTopics.addAll(member.topics());
        }
        return client.addTopics(allTopics).thenApply(cluster -> {
            Map<String, Integer> counts = new HashMap<>();
            for (String t : allTopics) {
                Cluster.TopicInfo info = cluster.topic(t);
                if (info != null && info.error() == ErrorCode.NONE) {
                    counts.put(t, info.partitionCount());
                }
            }
            return assignor.assign(members, counts);
        });
    }

    /** A member's subscription, as the assignor {@code protocol} reads it (user data differs by assignor). */
    static Assignor.Member decodeSubscription(byte[] metadata, String protocol) {
        short version = ConsumerProtocol.subscriptionVersion(metadata);
        ConsumerProtocolSubscription s = ConsumerProtocol.decodeSubscription(metadata);
        List<TopicPartition> owned = new ArrayList<>();
        for (ConsumerProtocolSubscription.TopicPartition tp : s.ownedPartitions() == null
                ? List.<ConsumerProtocolSubscription.TopicPartition>of() : s.ownedPartitions()) {
            tp.partitions().forEach(p -> owned.add(new TopicPartition(tp.topic(), p)));
        }
        int gen = version >= 2 ? s.generationId() : -1;
        byte[] userData = s.userData();
        if (owned.isEmpty() && userData != null && protocol.equals("sticky")) {
            StickyUserData previous = StickyUserData.decode(userData); // an eager sticky member's memory
            owned.addAll(previous.partitions());
            gen = Math.max(gen, previous.generation());
        } else if (gen < 0 && userData != null && userData.length == 4 && protocol.equals("cooperative-sticky")) {
            gen = Unpooled.wrappedBuffer(userData).readInt();
        }
        return new Assignor.Member(new LinkedHashSet<>(s.topics()), owned, gen);
    }

    /** The user data of the eager sticky assignor: [topic, [partition]] then the generation (absent in v0). */
    record StickyUserData(List<TopicPartition> partitions, int generation) {
        static byte[] encode(List<TopicPartition> tps, int generation) {
            Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
            tps.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
            ByteBuf buf = Unpooled.buffer();
            buf.writeInt(byTopic.size());
            byTopic.forEach((t, ps) -> {
                byte[] name = t.getBytes(StandardCharsets.UTF_8);
                buf.writeShort(name.length).writeBytes(name).writeInt(ps.size());
                ps.forEach(buf::writeInt);
            });
            buf.writeInt(generation);
            return ByteBufUtil.getBytes(buf);
        }

        static StickyUserData decode(byte[] bytes) {
            ByteBuf buf = Unpooled.wrappedBuffer(bytes);
            List<TopicPartition> out = new ArrayList<>();
            try {
                int topics = buf.readInt();
                for (int i = 0; i < topics; i++) {
                    String t = buf.readCharSequence(buf.readShort(), StandardCharsets.UTF_8).toString();
                    int n = buf.readInt();
                    for (int j = 0; j < n; j++) {
                        out.add(new TopicPartition(t, buf.readInt()));
                    }
                }
                return new StickyUserData(out, buf.readableBytes() >= 4 ? buf.readInt() : -1);
            } catch (IndexOutOfBoundsException e) {
                return new StickyUserData(List.of(), -1); // not sticky user data: nothing to keep
            }
        }
    }

    private SyncGroupRequest syncRequest(JoinGroupResponse joined, Map<String, List<TopicPartition>> plan) {
        List<SyncGroupRequest.SyncGroupRequestAssignment> assignments = new ArrayList<>();
        plan.forEach((member, tps) -> assignments.add(new SyncGroupRequest.SyncGroupRequestAssignment()
                .setMemberId(member).setAssignment(ConsumerProtocol.encodeAssignment(tps))));
        return new SyncGroupRequest().setGroupId(settings.groupId()).setGenerationId(joined.generationId())
                .setMemberId(joined.memberId()).setGroupInstanceId(settings.groupInstanceId())
                .setProtocolType("consumer").setProtocolName(joined.protocolName()).setAssignments(assignments);
    }

    // ---- heartbeats (event loop) ----

    private synchronized void startHeartbeats() {
        if (heartbeat == null) {
            long ms = settings.heartbeatInterval().toMillis();
            heartbeat = loop.scheduleAtFixedRate(this::beat, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    private void beat() {
        int gen;
        String member;
        synchronized (this) {
            if (joining || generation < 0) {
                return; // a pending JoinGroup keeps the member alive; SyncGroup follows at once
            }
            if (pollIntervalExpired()) {
                rejoinNeeded = true;
                leaveAsync("consumer poll timeout has expired");
                onChange.run();
                return;
            }
            gen = generation;
            member = memberId;
        }
        offsets.coordinator().thenCompose(node -> client.<HeartbeatResponse>send(node, ApiKey.HEARTBEAT,
                v -> new HeartbeatRequest().setGroupId(settings.groupId()).setGenerationId(gen).setMemberId(member)
                        .setGroupInstanceId(settings.groupInstanceId()))).whenComplete((r, e) -> {
                            if (e != null) {
                                log.debug("heartbeat failed: {}", e.toString());
                                offsets.forgetCoordinator();
                                return;
                            }
                            log.debug("heartbeat generation {}: {}", gen, ErrorCode.forCode(r.errorCode()));
                            onHeartbeat(ErrorCode.forCode(r.errorCode()), gen);
                        });
    }

    private void onHeartbeat(ErrorCode code, int gen) {
        synchronized (this) {
            if (gen != generation || joining) {
                return;
            }
            switch (code) {
                case NONE -> {
                    return;
                }
                case REBALANCE_IN_PROGRESS -> rejoinNeeded = true;
                case ILLEGAL_GENERATION -> {
                    generation = -1;
                    rejoinNeeded = true;
                    lost = true;
                }
                case UNKNOWN_MEMBER_ID -> {
                    generation = -1;
                    memberId = "";
                    rejoinNeeded = true;
                    lost = true;
                }
                case FENCED_INSTANCE_ID -> fatal = code.exception("group " + settings.groupId()
                        + ": another consumer with group.instance.id " + settings.groupInstanceId() + " has taken over");
                default -> {
                    if (code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE) {
                        offsets.forgetCoordinator();
                    }
                    return;
                }
            }
        }
        onChange.run();
    }

    /** Sends LeaveGroup (not for a static member: its leave is its session timing out); completes when answered. */
    private CompletableFuture<Void> leaveAsync(String reason) {
        String member;
        synchronized (this) {
            member = memberId;
            generation = -1;
            attempt++;
            joining = false;
            if (settings.groupInstanceId() == null) {
                memberId = "";
            }
        }
        if (member.isEmpty() || settings.groupInstanceId() != null) {
            return CompletableFuture.completedFuture(null);
        }
        return offsets.coordinator().thenCompose(node -> client.send(node, ApiKey.LEAVE_GROUP, v -> v >= 3
                ? new LeaveGroupRequest().setGroupId(settings.groupId()).setMembers(List.of(
                        new LeaveGroupRequest.MemberIdentity().setMemberId(member).setReason(v >= 5 ? reason : null)))
                : new LeaveGroupRequest().setGroupId(settings.groupId()).setMemberId(member)))
                .<Void>thenApply(r -> null);
    }

    /**
     * Leaves the group (unsubscribe, close): stops heartbeats, abandons a join, sends LeaveGroup. The
     * future completes when the coordinator answered (or failed), so close() can wait for it.
     */
    @Override
    public void applied(Collection<TopicPartition> assignment) {
        // classic: the SyncGroup answer was the assignment; nothing to acknowledge
    }

    @Override
    public CompletableFuture<Void> leave(String reason) {
        ScheduledFuture<?> h;
        synchronized (this) {
            h = heartbeat;
            heartbeat = null;
            rejoinNeeded = true;
            lastAssignment = List.of();
        }
        if (h != null) {
            h.cancel(false);
        }
        return leaveAsync(reason);
    }
}
