package dev.skein.consumer.internal;

import dev.skein.consumer.ClassicAssignor;
import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.internal.Backoff;
import dev.skein.core.internal.ConsumerProtocol;
import dev.skein.core.internal.Retry;
import dev.skein.core.message.ApiMessage;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.DoubleSupplier;

/**
 * A member of a consumer group under the classic protocol, as a state machine that does no I/O,
 * starts no thread and reads no clock: JoinGroup (with the member-id-required round trip), the
 * leader's assignment, SyncGroup, Heartbeat independent of {@code poll()}, LeaveGroup.
 *
 * <p>The driver ({@link GroupMembership}) calls, on one thread: {@link #poll} for the request to send
 * now, {@link #onResponse} with each answer, {@link #lead} with the partition counts a leader asked
 * for ({@link GroupEvent.Lead}), {@link #nextWakeNanos} and {@link #takeEvents}. Commands ({@link #join},
 * {@link #leave}) come from the polling thread, which decides when to rebalance: it starts a join
 * when a {@link GroupEvent.RejoinNeeded} (or its own subscription change) asks for one.
 *
 * <p>The rules, as Apache Kafka's consumer documents them: {@code MEMBER_ID_REQUIRED} and
 * {@code UNKNOWN_MEMBER_ID} join again at once (with the given id, or none); {@code REBALANCE_IN_PROGRESS}
 * and {@code ILLEGAL_GENERATION} at SyncGroup join again at once; coordinator errors find the
 * coordinator again and join after a backoff; {@code FENCED_INSTANCE_ID} is final. Heartbeats run at
 * {@code heartbeat.interval.ms} while the member has a generation and no join is under way (a pending
 * JoinGroup keeps it alive): {@code REBALANCE_IN_PROGRESS} asks for a rejoin, keeping the partitions;
 * {@code ILLEGAL_GENERATION} and {@code UNKNOWN_MEMBER_ID} end the generation and the partitions are
 * lost. No successful heartbeat within {@code session.timeout.ms} means the coordinator is presumed
 * gone and is looked up again. {@code poll()} not called within {@code max.poll.interval.ms}: the
 * member leaves (a static member just stops: its session ends it) and its partitions are lost.
 */
final class ClassicGroupState implements MembershipState {
    private static final Logger log = LoggerFactory.getLogger(ClassicGroupState.class);
    private static final short SUBSCRIPTION_VERSION = ConsumerProtocol.SUBSCRIPTION_VERSION;

    enum Phase {
        /** No join under way; heartbeating while the member has a generation. */
        IDLE,
        /** A JoinGroup is due at {@code joinAtNanos} (at once, or after a backoff). */
        JOIN_DUE,
        JOIN_SENT,
        /** The leader waits for the partition counts its assignor needs. */
        ASSIGNING,
        SYNC_DUE,
        SYNC_SENT
    }

    private final GroupConfig config;
    private final List<Assignor> assignors = new ArrayList<>();
    private final boolean cooperative;
    private final DoubleSupplier jitter;
    private final ArrayList<GroupEvent> events = new ArrayList<>();

    private String memberId = "";
    private int generation = -1;
    private Phase phase = Phase.IDLE;
    private long joinAtNanos;
    private int joinFailures;
    private Set<String> joinTopics = Set.of();
    private List<TopicPartition> joinOwned = List.of();
    /** The JoinGroup or SyncGroup awaiting its answer. */
    private ApiMessage inFlight;
    private JoinGroupResponse joined;
    private SyncGroupRequest pendingSync;
    /** What the last rebalance gave this member: the eager sticky assignor's memory. */
    private List<TopicPartition> lastAssignment = List.of();
    private HeartbeatRequest heartbeatInFlight;
    private long heartbeatAtNanos = NEVER;
    private long lastHeartbeatOkNanos;
    /** When the last rebalance ended: a long rebalance does not count against the poll interval. */
    private long joinedAtNanos;

    ClassicGroupState(GroupConfig config, DoubleSupplier jitter) {
        this.config = config;
        this.jitter = jitter;
        for (ClassicAssignor a : config.assignors()) {
            assignors.add(Assignor.of(a));
        }
        // Like Apache Kafka's consumer: cooperative only when every offered assignor is, because the
        // group may pick any of them.
        this.cooperative = assignors.stream().allMatch(Assignor::cooperative);
    }

    boolean cooperative() {
        return cooperative;
    }

    Phase phase() {
        return phase;
    }

    /** Generation and member id to commit with. */
    @Override
    public MemberIdentity identity() {
        return new MemberIdentity(generation, memberId);
    }

    // ---- commands ----

    /**
     * Starts a rebalance: JoinGroup for {@code topics}, telling the assignors what this member owns
     * now (cooperative: it keeps reading them meanwhile). Abandons a join under way.
     */
    void join(Set<String> topics, Collection<TopicPartition> owned, long now) {
        joinTopics = Set.copyOf(topics);
        joinOwned = List.copyOf(owned);
        joinFailures = 0;
        inFlight = null;
        pendingSync = null;
        joined = null;
        phase = Phase.JOIN_DUE;
        joinAtNanos = now;
    }

    /**
     * Leaves the group (unsubscribe, close): stops heartbeats, abandons a join. Returns the LeaveGroup
     * to send, or null: a static member's leave is its session timing out.
     */
    LeaveGroupRequest leave(String reason) {
        lastAssignment = List.of();
        return endGeneration(reason);
    }

    private LeaveGroupRequest endGeneration(String reason) {
        String member = memberId;
        generation = -1;
        phase = Phase.IDLE;
        inFlight = null;
        pendingSync = null;
        joined = null;
        heartbeatInFlight = null;
        heartbeatAtNanos = NEVER;
        if (config.instanceId() != null) {
            return null;
        }
        memberId = "";
        if (member.isEmpty()) {
            return null;
        }
        log.debug("group {}: member {} leaves ({})", config.groupId(), member, reason);
        return new LeaveGroupRequest().setGroupId(config.groupId()).setMembers(List.of(
                new LeaveGroupRequest.MemberIdentity().setMemberId(member).setReason(reason)));
    }

    // ---- the driver's side ----

    /** The request to send now (JoinGroup, SyncGroup, Heartbeat or LeaveGroup), or null. Call until null. */
    ApiMessage poll(long now, long lastPollNanos) {
        switch (phase) {
            case JOIN_DUE -> {
                if (now - joinAtNanos < 0) {
                    return null;
                }
                phase = Phase.JOIN_SENT;
                inFlight = joinRequest();
                return inFlight;
            }
            case SYNC_DUE -> {
                phase = Phase.SYNC_SENT;
                inFlight = pendingSync;
                pendingSync = null;
                return inFlight;
            }
            case IDLE -> {
                if (generation < 0 || heartbeatInFlight != null || now - heartbeatAtNanos < 0) {
                    return null;
                }
                if (now - Math.max(lastPollNanos, joinedAtNanos) > config.maxPollInterval().toNanos()) {
                    log.warn("poll() was not called within max.poll.interval.ms ({}); leaving group {}: the next"
                            + " poll() rejoins and the partitions count as lost", config.maxPollInterval(), config.groupId());
                    events.add(new GroupEvent.Lost());
                    events.add(new GroupEvent.RejoinNeeded());
                    return endGeneration("consumer poll timeout has expired");
                }
                if (now - lastHeartbeatOkNanos > config.sessionTimeout().toNanos()) {
                    log.debug("group {}: no heartbeat answered within session.timeout.ms; finding the coordinator again",
                            config.groupId());
                    events.add(new GroupEvent.CoordinatorLost());
                    lastHeartbeatOkNanos = now; // once per session timeout
                }
                heartbeatAtNanos = now + config.heartbeatInterval().toNanos();
                heartbeatInFlight = new HeartbeatRequest().setGroupId(config.groupId()).setGenerationId(generation)
                        .setMemberId(memberId).setGroupInstanceId(config.instanceId());
                return heartbeatInFlight;
            }
            default -> {
                return null;
            }
        }
    }

    /** When {@link #poll} next has something to do; {@link #NEVER} when only a command or an answer can start it. */
    @Override
    public long nextWakeNanos() {
        return switch (phase) {
            case JOIN_DUE -> joinAtNanos;
            case SYNC_DUE -> Long.MIN_VALUE;
            case IDLE -> generation >= 0 && heartbeatInFlight == null ? heartbeatAtNanos : NEVER;
            default -> NEVER;
        };
    }

    @Override
    public List<GroupEvent> takeEvents() {
        return MembershipState.drain(events);
    }

    /** The answer to {@code sent}: a response, or the failure to get one ({@code error}). */
    void onResponse(ApiMessage sent, ApiMessage response, Throwable error, long now) {
        if (sent instanceof HeartbeatRequest h) {
            if (h == heartbeatInFlight) {
                heartbeatInFlight = null;
                onHeartbeat(h, (HeartbeatResponse) response, error, now);
            }
            return;
        }
        if (sent != inFlight) {
            return; // a leave, or an abandoned join
        }
        inFlight = null;
        if (error != null) {
            Throwable cause = Retry.cause(error);
            if (cause instanceof SkeinException s && !s.isRetriable() && s.errorCode() != null) {
                joinFailed(s); // the principal may not use the group, say
            } else {
                // The coordinator unreachable or moving, a request timed out: find it again.
                log.debug("group {}: join failed, retrying: {}", config.groupId(), cause.toString());
                events.add(new GroupEvent.CoordinatorLost());
                joinLater(now);
            }
        } else if (sent instanceof JoinGroupRequest) {
            onJoin((JoinGroupResponse) response, now);
        } else {
            onSync((SyncGroupResponse) response, now);
        }
    }

    private void onJoin(JoinGroupResponse r, long now) {
        ErrorCode code = ErrorCode.forCode(r.errorCode());
        switch (code) {
            case NONE -> { }
            case MEMBER_ID_REQUIRED -> {
                memberId = r.memberId();
                joinNow(now, "the coordinator gave member id " + r.memberId());
                return;
            }
            case UNKNOWN_MEMBER_ID -> {
                memberId = "";
                joinNow(now, "member id unknown to the coordinator");
                return;
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE -> {
                events.add(new GroupEvent.CoordinatorLost());
                joinLater(now);
                return;
            }
            case FENCED_INSTANCE_ID -> {
                joinFailed(code.exception("JoinGroup of group " + config.groupId()
                        + ": another consumer with group.instance.id " + config.instanceId() + " has taken over"));
                return;
            }
            default -> {
                if (code.isRetriable() || code == ErrorCode.REBALANCE_IN_PROGRESS) {
                    joinLater(now);
                } else {
                    joinFailed(code.exception("JoinGroup of group " + config.groupId()));
                }
                return;
            }
        }
        memberId = r.memberId();
        generation = r.generationId();
        if (r.leader().equals(r.memberId())) {
            Set<String> topics = new LinkedHashSet<>();
            for (JoinGroupResponse.JoinGroupResponseMember m : r.members()) {
                topics.addAll(ConsumerProtocol.decodeSubscription(m.metadata()).topics());
            }
            joined = r;
            phase = Phase.ASSIGNING;
            events.add(new GroupEvent.Lead(r, topics));
        } else {
            pendingSync = syncRequest(r, Map.of());
            phase = Phase.SYNC_DUE;
        }
    }

    /**
     * The leader's part: run the chosen assignor over every member's subscription, with the
     * partition counts of their topics ({@code partitionCounts}: topics metadata knows, without error;
     * {@code topicIds}: their ids, reported back with the counts in {@link GroupEvent.Led}).
     */
    void lead(JoinGroupResponse forJoin, Map<String, Integer> partitionCounts, Map<String, UUID> topicIds, long now) {
        if (phase != Phase.ASSIGNING || forJoin != joined) {
            return; // abandoned meanwhile
        }
        Assignor assignor = assignors.stream().filter(a -> a.name().equals(forJoin.protocolName())).findFirst().orElse(null);
        if (assignor == null) {
            joinFailed(new SkeinException("the group chose assignor " + forJoin.protocolName()
                    + ", which this member does not offer"));
            return;
        }
        Map<String, Assignor.Member> members = new LinkedHashMap<>();
        for (JoinGroupResponse.JoinGroupResponseMember m : forJoin.members()) {
            members.put(m.memberId(), decodeSubscription(m.metadata(), assignor.name()));
        }
        pendingSync = syncRequest(forJoin, assignor.assign(members, partitionCounts));
        Map<String, Integer> snapshot = new TreeMap<>();
        members.values().forEach(m -> m.topics().forEach(t -> snapshot.put(t, partitionCounts.getOrDefault(t, 0))));
        Map<String, UUID> ids = new TreeMap<>();
        snapshot.keySet().forEach(t -> {
            if (topicIds.containsKey(t)) {
                ids.put(t, topicIds.get(t));
            }
        });
        events.add(new GroupEvent.Led(Map.copyOf(snapshot), Map.copyOf(ids)));
        joined = null;
        phase = Phase.SYNC_DUE;
    }

    /** The leader could not learn the partition counts: join again after a backoff. */
    void leadFailed(JoinGroupResponse forJoin, Throwable error, long now) {
        if (phase == Phase.ASSIGNING && forJoin == joined) {
            log.debug("group {}: the leader could not read the topics' metadata, joining again: {}", config.groupId(), error.toString());
            joined = null;
            joinLater(now);
        }
    }

    private void onSync(SyncGroupResponse r, long now) {
        ErrorCode code = ErrorCode.forCode(r.errorCode());
        switch (code) {
            case NONE -> {
                List<TopicPartition> assigned = ConsumerProtocol.decodeAssignment(r.assignment());
                log.info("joined group {} generation {} as {} ({}) with {}", config.groupId(), generation, memberId,
                        r.protocolName(), assigned);
                phase = Phase.IDLE;
                joinFailures = 0;
                lastAssignment = List.copyOf(assigned);
                joinedAtNanos = now;
                lastHeartbeatOkNanos = now;
                heartbeatAtNanos = now + config.heartbeatInterval().toNanos();
                events.add(new GroupEvent.Assigned(lastAssignment));
            }
            case REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION -> joinNow(now, "SyncGroup: " + code);
            case UNKNOWN_MEMBER_ID -> {
                memberId = "";
                joinNow(now, "SyncGroup: " + code);
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE -> {
                events.add(new GroupEvent.CoordinatorLost());
                joinLater(now);
            }
            default -> {
                if (code.isRetriable()) {
                    joinLater(now);
                } else {
                    joinFailed(code.exception("SyncGroup of group " + config.groupId()));
                }
            }
        }
    }

    private void joinNow(long now, String why) {
        log.debug("group {}: joining again: {}", config.groupId(), why);
        phase = Phase.JOIN_DUE;
        joinAtNanos = now;
    }

    private void joinLater(long now) {
        joinFailures++;
        phase = Phase.JOIN_DUE;
        joinAtNanos = now + Backoff.nanos(joinFailures, config.retryBackoff().toNanos(),
                config.retryBackoffMax().toNanos(), jitter.getAsDouble());
    }

    /** A final error: the next poll() raises it; it may try again unless a newer instance fenced this one. */
    private void joinFailed(SkeinException e) {
        phase = Phase.IDLE;
        joined = null;
        events.add(new GroupEvent.Failed(e, e.errorCode() != ErrorCode.FENCED_INSTANCE_ID));
    }

    private void onHeartbeat(HeartbeatRequest sent, HeartbeatResponse r, Throwable error, long now) {
        if (error != null) {
            log.debug("group {}: heartbeat failed: {}", config.groupId(), error.toString());
            events.add(new GroupEvent.CoordinatorLost());
            return;
        }
        if (sent.generationId() != generation || phase != Phase.IDLE) {
            return; // a join started meanwhile: its answer speaks for the member
        }
        ErrorCode code = ErrorCode.forCode(r.errorCode());
        log.debug("group {}: heartbeat generation {}: {}", config.groupId(), generation, code);
        switch (code) {
            case NONE -> lastHeartbeatOkNanos = now;
            case REBALANCE_IN_PROGRESS -> {
                lastHeartbeatOkNanos = now;
                events.add(new GroupEvent.RejoinNeeded());
            }
            case ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID -> {
                generation = -1;
                if (code == ErrorCode.UNKNOWN_MEMBER_ID) {
                    memberId = "";
                }
                heartbeatAtNanos = NEVER;
                events.add(new GroupEvent.Lost());
                events.add(new GroupEvent.RejoinNeeded());
            }
            case FENCED_INSTANCE_ID -> events.add(new GroupEvent.Failed(code.exception("group " + config.groupId()
                    + ": another consumer with group.instance.id " + config.instanceId() + " has taken over"), false));
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE -> events.add(new GroupEvent.CoordinatorLost());
            default -> { }
        }
    }

    // ---- the messages ----

    private JoinGroupRequest joinRequest() {
        List<JoinGroupRequest.JoinGroupRequestProtocol> protocols = new ArrayList<>();
        for (Assignor a : assignors) {
            protocols.add(new JoinGroupRequest.JoinGroupRequestProtocol().setName(a.name())
                    .setMetadata(encodeSubscription(a)));
        }
        return new JoinGroupRequest().setGroupId(config.groupId())
                .setSessionTimeoutMs((int) config.sessionTimeout().toMillis())
                .setRebalanceTimeoutMs((int) config.maxPollInterval().toMillis())
                .setMemberId(memberId).setGroupInstanceId(config.instanceId())
                .setProtocolType("consumer").setProtocols(protocols);
    }

    /**
     * Subscription v3: topics, owned partitions and generation (what the sticky assignors need), rack.
     * The user data is what each of Apache Kafka's assignors expects there, so an older reference
     * leader reads it too: the eager sticky assignor's last assignment and generation, the
     * cooperative one's generation.
     */
    private byte[] encodeSubscription(Assignor assignor) {
        byte[] userData = switch (assignor.name()) {
            case "sticky" -> StickyUserData.encode(lastAssignment, generation);
            case "cooperative-sticky" -> ByteBuffer.allocate(4).putInt(generation).array();
            default -> null;
        };
        ConsumerProtocolSubscription s = new ConsumerProtocolSubscription()
                .setTopics(new ArrayList<>(new TreeSet<>(joinTopics))).setUserData(userData)
                .setOwnedPartitions(toWire(joinOwned)).setGenerationId(generation).setRackId(config.rack());
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

    private SyncGroupRequest syncRequest(JoinGroupResponse r, Map<String, List<TopicPartition>> plan) {
        List<SyncGroupRequest.SyncGroupRequestAssignment> assignments = new ArrayList<>();
        plan.forEach((member, tps) -> assignments.add(new SyncGroupRequest.SyncGroupRequestAssignment()
                .setMemberId(member).setAssignment(ConsumerProtocol.encodeAssignment(tps))));
        return new SyncGroupRequest().setGroupId(config.groupId()).setGenerationId(r.generationId())
                .setMemberId(r.memberId()).setGroupInstanceId(config.instanceId())
                .setProtocolType("consumer").setProtocolName(r.protocolName()).setAssignments(assignments);
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
}
