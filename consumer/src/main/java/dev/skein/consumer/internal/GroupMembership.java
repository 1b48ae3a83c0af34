package dev.skein.consumer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.SkeinException;
import dev.skein.core.TimeoutException;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ConsumerProtocolAssignment;
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
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
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
 * Membership of a consumer group, classic protocol, eager rebalancing: JoinGroup (with the
 * member-id-required round trip), the leader's assignment, SyncGroup, Heartbeat on an event loop
 * independent of {@code poll()}, LeaveGroup on close.
 *
 * <p>Joining happens on the polling thread, inside {@code poll()} (that is where the rebalance
 * listener runs). Heartbeats run on an event loop; they only flip flags the polling thread reads.
 * Fields are guarded by {@code this}.
 */
final class GroupMembership {
    private static final Logger log = LoggerFactory.getLogger(GroupMembership.class);
    private static final short SUBSCRIPTION_VERSION = 3;
    private static final short ASSIGNMENT_VERSION = 3;

    private final ClusterClient client;
    private final ConsumerSettings settings;
    private final GroupOffsets offsets;
    private final List<Assignor> assignors = new ArrayList<>();
    private final EventLoop loop;
    private Set<String> topics = Set.of();
    private String memberId = "";
    private int generation = -1;
    private boolean rejoinNeeded = true;
    private boolean lost;
    private long lastPollNanos = System.nanoTime();
    private ScheduledFuture<?> heartbeat;
    private RuntimeException fatal;

    GroupMembership(ClusterClient client, ConsumerSettings settings, GroupOffsets offsets) {
        this.client = client;
        this.settings = settings;
        this.offsets = offsets;
        for (String name : settings.assignors()) {
            assignors.add(Assignor.forName(name));
        }
        this.loop = client.resources().eventLoops().next();
    }

    synchronized void subscribe(Set<String> newTopics) {
        if (!newTopics.equals(topics)) {
            topics = Set.copyOf(newTopics);
            rejoinNeeded = true;
        }
    }

    synchronized Set<String> topics() {
        return topics;
    }

    /** Generation and member id to commit with. */
    synchronized MemberIdentity identity() {
        return new MemberIdentity(generation, memberId);
    }

    synchronized void onPoll() {
        lastPollNanos = System.nanoTime();
    }

    synchronized boolean rejoinNeeded() {
        if (fatal != null) {
            throw fatal;
        }
        return rejoinNeeded;
    }

    /** True when this member knows its generation is gone (left after a poll timeout, fenced, unknown). */
    synchronized boolean isStale() {
        return generation < 0 || (rejoinNeeded && lost);
    }

    synchronized void requestRejoin() {
        rejoinNeeded = true;
    }

    /** True once when the partitions were lost (session or poll interval expired) rather than revoked. */
    synchronized boolean takeLost() {
        boolean l = lost;
        lost = false;
        return l;
    }

    /**
     * Joins (or rejoins) the group and returns this member's assignment. Blocks the polling thread
     * until done or {@code deadline}.
     *
     * @throws TimeoutException when the group did not settle in time (the next poll continues)
     */
    List<TopicPartition> join(long deadlineNanos) {
        while (true) {
            if (System.nanoTime() > deadlineNanos) {
                throw new TimeoutException("joining group " + settings.groupId() + " did not finish in time", null, true);
            }
            int node;
            try {
                node = Blocking.await(offsets.coordinator(), deadlineNanos, "the coordinator of group " + settings.groupId());
            } catch (TimeoutException e) {
                throw e;
            } catch (SkeinException e) {
                if (!e.isRetriable()) {
                    throw e;
                }
                // COORDINATOR_NOT_AVAILABLE while the offsets topic is created, a coordinator moving: retry.
                offsets.forgetCoordinator();
                sleep();
                continue;
            }
            JoinGroupResponse joined;
            try {
                joined = Blocking.await(client.<JoinGroupResponse>send(node, ApiKey.JOIN_GROUP, v -> joinRequest(),
                        settings.maxPollInterval().plusSeconds(5)), deadlineNanos + settings.maxPollInterval().toNanos(),
                        "JoinGroup of group " + settings.groupId());
            } catch (TimeoutException e) {
                throw e;
            } catch (RuntimeException e) {
                offsets.forgetCoordinator();
                sleep();
                continue;
            }
            ErrorCode code = ErrorCode.forCode(joined.errorCode());
            if (code == ErrorCode.MEMBER_ID_REQUIRED) {
                synchronized (this) {
                    memberId = joined.memberId();
                }
                continue;
            }
            if (code == ErrorCode.UNKNOWN_MEMBER_ID) {
                synchronized (this) {
                    memberId = "";
                }
                continue;
            }
            if (code != ErrorCode.NONE) {
                if (code == ErrorCode.FENCED_INSTANCE_ID || code == ErrorCode.GROUP_AUTHORIZATION_FAILED
                        || code == ErrorCode.INCONSISTENT_GROUP_PROTOCOL || code == ErrorCode.INVALID_SESSION_TIMEOUT) {
                    throw code.exception("JoinGroup of group " + settings.groupId());
                }
                offsets.forgetCoordinator();
                sleep();
                continue;
            }
            synchronized (this) {
                memberId = joined.memberId();
                generation = joined.generationId();
            }
            Map<String, List<TopicPartition>> plan = joined.leader().equals(joined.memberId())
                    ? lead(joined, deadlineNanos) : Map.of();
            SyncGroupResponse synced;
            try {
                synced = Blocking.await(client.<SyncGroupResponse>send(node, ApiKey.SYNC_GROUP,
                        v -> syncRequest(joined, plan), settings.maxPollInterval().plusSeconds(5)),
                        deadlineNanos + settings.maxPollInterval().toNanos(), "SyncGroup of group " + settings.groupId());
            } catch (TimeoutException e) {
                throw e;
            } catch (RuntimeException e) {
                offsets.forgetCoordinator();
                continue;
            }
            ErrorCode sc = ErrorCode.forCode(synced.errorCode());
            if (sc != ErrorCode.NONE) {
                if (sc == ErrorCode.UNKNOWN_MEMBER_ID) {
                    synchronized (this) {
                        memberId = "";
                    }
                }
                continue;
            }
            List<TopicPartition> assigned = decodeAssignment(synced.assignment());
            synchronized (this) {
                rejoinNeeded = false;
                lastPollNanos = System.nanoTime();
            }
            startHeartbeats();
            log.info("joined group {} generation {} as {} with {}", settings.groupId(), joined.generationId(),
                    joined.memberId(), assigned);
            return assigned;
        }
    }

    private JoinGroupRequest joinRequest() {
        List<JoinGroupRequest.JoinGroupRequestProtocol> protocols = new ArrayList<>();
        byte[] metadata = encodeSubscription();
        for (Assignor a : assignors) {
            protocols.add(new JoinGroupRequest.JoinGroupRequestProtocol().setName(a.name()).setMetadata(metadata));
        }
        synchronized (this) {
            return new JoinGroupRequest().setGroupId(settings.groupId())
                    .setSessionTimeoutMs((int) settings.sessionTimeout().toMillis())
                    .setRebalanceTimeoutMs((int) settings.maxPollInterval().toMillis())
                    .setMemberId(memberId).setGroupInstanceId(settings.groupInstanceId())
                    .setProtocolType("consumer").setProtocols(protocols);
        }
    }

    private byte[] encodeSubscription() {
        ConsumerProtocolSubscription s = new ConsumerProtocolSubscription()
                .setTopics(new ArrayList<>(new TreeSet<>(topics()))).setUserData(null).setRackId(settings.rack());
        ByteBuf buf = Unpooled.buffer();
        buf.writeShort(SUBSCRIPTION_VERSION);
        s.write(buf, SUBSCRIPTION_VERSION);
        return ByteBufUtil.getBytes(buf);
    }

    /** The leader's part: decode every member's subscription and run the chosen assignor. */
    private Map<String, List<TopicPartition>> lead(JoinGroupResponse joined, long deadlineNanos) {
        Map<String, Set<String>> subscriptions = new LinkedHashMap<>();
        Set<String> allTopics = new LinkedHashSet<>();
        for (JoinGroupResponse.JoinGroupResponseMember m : joined.members()) {
            ByteBuf buf = Unpooled.wrappedBuffer(m.metadata());
            short version = (short) Math.min(buf.readShort(), SUBSCRIPTION_VERSION);
            ConsumerProtocolSubscription s = ConsumerProtocolSubscription.read(buf, version);
            subscriptions.put(m.memberId(), new LinkedHashSet<>(s.topics()));
            allTopics.addAll(s.topics());
        }
        Cluster cluster = Blocking.await(client.addTopics(allTopics), deadlineNanos, "metadata for " + allTopics);
        Map<String, Integer> counts = new HashMap<>();
        for (String t : allTopics) {
            Cluster.TopicInfo info = cluster.topic(t);
            if (info != null && info.error() == ErrorCode.NONE) {
                counts.put(t, info.partitionCount());
            }
        }
        Assignor assignor = assignors.stream().filter(a -> a.name().equals(joined.protocolName())).findFirst()
                .orElseThrow(() -> new SkeinException("the group chose assignor " + joined.protocolName()
                        + ", which this member does not offer"));
        return assignor.assign(subscriptions, counts);
    }

    private SyncGroupRequest syncRequest(JoinGroupResponse joined, Map<String, List<TopicPartition>> plan) {
        List<SyncGroupRequest.SyncGroupRequestAssignment> assignments = new ArrayList<>();
        plan.forEach((member, tps) -> assignments.add(new SyncGroupRequest.SyncGroupRequestAssignment()
                .setMemberId(member).setAssignment(encodeAssignment(tps))));
        return new SyncGroupRequest().setGroupId(settings.groupId()).setGenerationId(joined.generationId())
                .setMemberId(joined.memberId()).setGroupInstanceId(settings.groupInstanceId())
                .setProtocolType("consumer").setProtocolName(joined.protocolName()).setAssignments(assignments);
    }

    private static byte[] encodeAssignment(List<TopicPartition> tps) {
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        tps.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        List<ConsumerProtocolAssignment.TopicPartition> parts = new ArrayList<>();
        byTopic.forEach((t, ps) -> parts.add(new ConsumerProtocolAssignment.TopicPartition().setTopic(t).setPartitions(ps)));
        ByteBuf buf = Unpooled.buffer();
        buf.writeShort(ASSIGNMENT_VERSION);
        new ConsumerProtocolAssignment().setAssignedPartitions(parts).setUserData(null).write(buf, ASSIGNMENT_VERSION);
        return ByteBufUtil.getBytes(buf);
    }

    private static List<TopicPartition> decodeAssignment(byte[] bytes) {
        List<TopicPartition> out = new ArrayList<>();
        if (bytes == null || bytes.length == 0) {
            return out;
        }
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        short version = (short) Math.min(buf.readShort(), ASSIGNMENT_VERSION);
        for (ConsumerProtocolAssignment.TopicPartition tp : ConsumerProtocolAssignment.read(buf, version).assignedPartitions()) {
            tp.partitions().forEach(p -> out.add(new TopicPartition(tp.topic(), p)));
        }
        return out;
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
            if (rejoinNeeded || generation < 0) {
                return;
            }
            if (System.nanoTime() - lastPollNanos > settings.maxPollInterval().toNanos()) {
                log.warn("poll() was not called within max.poll.interval.ms ({}); leaving group {}: the next poll()"
                        + " rejoins and the partitions count as lost", settings.maxPollInterval(), settings.groupId());
                rejoinNeeded = true;
                lost = true;
                leaveAsync("consumer poll timeout has expired");
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

    private synchronized void onHeartbeat(ErrorCode code, int gen) {
        if (gen != generation) {
            return;
        }
        switch (code) {
            case NONE -> { }
            case REBALANCE_IN_PROGRESS -> rejoinNeeded = true;
            case ILLEGAL_GENERATION -> {
                rejoinNeeded = true;
                lost = true;
            }
            case UNKNOWN_MEMBER_ID -> {
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
            }
        }
    }

    private void leaveAsync(String reason) {
        String member;
        synchronized (this) {
            member = memberId;
            generation = -1;
            if (settings.groupInstanceId() == null) {
                memberId = "";
            }
        }
        if (member.isEmpty() || settings.groupInstanceId() != null) {
            return; // a static member's leave is its session timing out
        }
        offsets.coordinator().thenCompose(node -> client.send(node, ApiKey.LEAVE_GROUP, v -> v >= 3
                ? new LeaveGroupRequest().setGroupId(settings.groupId()).setMembers(List.of(
                        new LeaveGroupRequest.MemberIdentity().setMemberId(member).setReason(v >= 5 ? reason : null)))
                : new LeaveGroupRequest().setGroupId(settings.groupId()).setMemberId(member)));
    }

    /** Leaves the group (close), waiting at most {@code timeout}. */
    void leave(Duration timeout) {
        ScheduledFuture<?> h;
        synchronized (this) {
            h = heartbeat;
            heartbeat = null;
        }
        if (h != null) {
            h.cancel(false);
        }
        leaveAsync("the consumer is being closed");
    }

    private void sleep() {
        try {
            Thread.sleep(settings.client().retryBackoff().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
