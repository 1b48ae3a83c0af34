package dev.skein.consumer.internal;

import dev.skein.core.AuthorizationException;
import dev.skein.core.ErrorCode;
import dev.skein.core.SkeinException;
import dev.skein.core.TopicPartition;
import dev.skein.core.UnsupportedVersionException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.internal.net.KafkaReleases;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ConsumerGroupHeartbeatRequest;
import dev.skein.core.message.ConsumerGroupHeartbeatResponse;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Membership under the consumer group protocol (KIP-848): one request, ConsumerGroupHeartbeat, joins,
 * heartbeats, receives the assignment the broker computed, acknowledges it, and leaves. No member
 * waits for the others: each reconciles on its own, partitions moving one member at a time.
 *
 * <p>The heartbeat runs on an event loop at the interval the broker gives. A new assignment is handed
 * to the polling thread ({@link #join}), which revokes what left it (committing first under
 * at-least-once), takes what is new, and calls {@link #applied}; the next heartbeat carries the owned
 * partitions so the broker can move on. Fenced ({@code FENCED_MEMBER_EPOCH}, {@code UNKNOWN_MEMBER_ID}):
 * the partitions count as lost, commits are refused, and once {@code poll()} has dropped them the member
 * rejoins with epoch 0. Fields are guarded by {@code this}.
 */
final class ConsumerProtocolMembership extends AbstractMembership {
    private static final Logger log = LoggerFactory.getLogger(ConsumerProtocolMembership.class);
    static final int LEAVE_EPOCH = -1;
    static final int STATIC_LEAVE_EPOCH = -2;

    /** The broker-matched subscription (RE2/J), or null for a topic list. */
    private String regex;
    private int epoch;
    private int intervalMs = 3000;
    private boolean subscriptionChanged = true;
    private List<TopicPartition> target;
    /** An assignment whose topic ids metadata did not know yet: the broker sends it once, so it is kept. */
    private ConsumerGroupHeartbeatResponse.Assignment undecoded;
    private List<TopicPartition> owned = List.of();
    private boolean ownedChanged = true;
    private boolean leaving;
    private boolean inFlight;
    private ScheduledFuture<?> next;
    /** {@code group.protocol=auto}: a refusal before the first join hands the group to the classic protocol. */
    private final boolean mayFallBack;
    /** True once the broker answered a heartbeat without refusing the protocol. */
    private boolean accepted;
    private boolean refused;

    ConsumerProtocolMembership(ClusterClient client, ConsumerSettings settings, GroupOffsets offsets, Runnable onChange,
                               boolean mayFallBack) {
        super(client, settings, offsets, onChange, UUID.randomUUID().toString()); // KIP-1082: the client names itself
        this.mayFallBack = mayFallBack;
    }

    @Override
    public synchronized boolean refusedByBroker() {
        return refused;
    }

    @Override
    public boolean cooperative() {
        return true;
    }

    @Override
    public void subscribe(Set<String> newTopics) {
        synchronized (this) {
            if (regex == null && newTopics.equals(topics)) {
                return;
            }
            topics = Set.copyOf(newTopics);
            regex = null;
            subscriptionChanged = true;
            leaving = false;
            forgetDenial();
        }
        beatSoon();
    }

    @Override
    public void subscribeRegex(String newRegex) {
        synchronized (this) {
            if (newRegex.equals(regex)) {
                return;
            }
            regex = newRegex;
            topics = Set.of();
            subscriptionChanged = true;
            leaving = false;
            forgetDenial();
        }
        beatSoon();
    }

    /** A refusal not yet raised was for the old subscription; if it holds for the new one, the broker says so again. */
    private void forgetDenial() {
        if (fatal instanceof AuthorizationException) {
            fatal = null;
        }
    }

    @Override
    public synchronized boolean subscribed() {
        return regex != null || !topics.isEmpty();
    }

    @Override
    public synchronized MemberIdentity identity() {
        return new MemberIdentity(epoch, memberId);
    }

    @Override
    public synchronized boolean rejoinNeeded() {
        raiseFatal();
        return target != null || lost;
    }

    @Override
    public synchronized boolean isStale() {
        return epoch <= 0;
    }

    @Override
    public void requestRejoin() {
        // The broker decides when assignments change; a member has nothing to ask for.
    }

    @Override
    public synchronized CompletableFuture<List<TopicPartition>> join(Collection<TopicPartition> current) {
        List<TopicPartition> t = target != null ? target : List.of();
        target = null;
        return CompletableFuture.completedFuture(t);
    }

    @Override
    public void applied(Collection<TopicPartition> assignment) {
        synchronized (this) {
            owned = List.copyOf(assignment);
            ownedChanged = true;
        }
        beatSoon(); // acknowledge now: the broker hands revoked partitions on once we confirm
    }

    // ---- the heartbeat (event loop) ----

    private void beatSoon() {
        loop.execute(this::beat);
    }

    private void schedule(long delayMs) {
        synchronized (this) {
            if (next != null) {
                next.cancel(false);
            }
            next = loop.schedule(this::beat, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    private void beat() {
        ConsumerGroupHeartbeatRequest request;
        synchronized (this) {
            if (inFlight || leaving || refused || (regex == null && topics.isEmpty())) {
                return;
            }
            if (epoch > 0 && pollIntervalExpired()) {
                target = null;
                sendLeave("poll timeout");
                epoch = 0;
                onChange.run();
                return;
            }
            request = request();
            inFlight = true;
        }
        offsets.coordinator().thenCompose(node -> client.<ConsumerGroupHeartbeatResponse>send(node,
                ApiKey.CONSUMER_GROUP_HEARTBEAT, v -> request)).whenComplete((r, e) -> loop.execute(() -> onResponse(request, r, e)));
    }

    /** The next heartbeat: full (epoch 0, or after a change) or just the epoch. */
    private ConsumerGroupHeartbeatRequest request() {
        boolean full = epoch == 0 || subscriptionChanged;
        ConsumerGroupHeartbeatRequest r = new ConsumerGroupHeartbeatRequest().setGroupId(settings.groupId())
                .setMemberId(memberId).setMemberEpoch(epoch).setInstanceId(settings.groupInstanceId())
                .setRackId(full ? settings.rack() : null)
                .setRebalanceTimeoutMs(full ? (int) settings.maxPollInterval().toMillis() : -1)
                .setSubscribedTopicNames(full && regex == null ? new ArrayList<>(new TreeSet<>(topics)) : null)
                .setSubscribedTopicRegex(full ? regex : null)
                .setServerAssignor(full ? settings.remoteAssignor() : null);
        if (epoch == 0 || ownedChanged) {
            r.setTopicPartitions(toWire(owned));
        } else {
            r.setTopicPartitions(null);
        }
        return r;
    }

    private List<ConsumerGroupHeartbeatRequest.TopicPartitions> toWire(List<TopicPartition> tps) {
        Cluster cluster = client.cluster();
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        tps.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        List<ConsumerGroupHeartbeatRequest.TopicPartitions> out = new ArrayList<>();
        byTopic.forEach((t, ps) -> {
            Cluster.TopicInfo info = cluster.topic(t);
            if (info != null && info.id() != null) {
                out.add(new ConsumerGroupHeartbeatRequest.TopicPartitions().setTopicId(info.id()).setPartitions(ps));
            }
        });
        return out;
    }

    private void onResponse(ConsumerGroupHeartbeatRequest sent, ConsumerGroupHeartbeatResponse r, Throwable e) {
        boolean changed = false;
        long delay;
        synchronized (this) {
            inFlight = false;
            if (leaving) {
                return;
            }
            RuntimeException unsupported = causeOf(e, UnsupportedVersionException.class);
            RuntimeException denied = causeOf(e, AuthorizationException.class); // FindCoordinator: GROUP_AUTHORIZATION_FAILED
            if (!accepted && ((unsupported != null && regex == null)
                    || (e == null && ErrorCode.forCode(r.errorCode()) == ErrorCode.UNSUPPORTED_VERSION))) {
                // The broker lacks the protocol, or lists the API without running it (3.7-3.9 unless enabled).
                // (With a regex, an UnsupportedVersionException may be the regex's own need of v1: raised below.)
                changed = true;
                delay = -1;
                if (mayFallBack) {
                    refused = true;
                } else {
                    fatal = new UnsupportedVersionException("ConsumerGroupHeartbeat of group " + settings.groupId()
                            + " refused: the consumer group protocol (KIP-848) needs Apache Kafka "
                            + KafkaReleases.CONSUMER_GROUP_PROTOCOL + " or newer (group.version 1), and this cluster"
                            + " does not run it (" + (unsupported != null ? unsupported.getMessage() : "UNSUPPORTED_VERSION")
                            + "); use group.protocol=classic or auto", ErrorCode.UNSUPPORTED_VERSION);
                }
            } else if (unsupported != null || denied != null) {
                fatal = unsupported != null ? unsupported : denied;
                changed = true;
                delay = afterFatal();
            } else if (e != null) {
                log.debug("heartbeat of group {} failed: {}", settings.groupId(), e.toString());
                offsets.forgetCoordinator();
                delay = settings.client().retryBackoff().toMillis();
            } else {
                ErrorCode code = ErrorCode.forCode(r.errorCode());
                switch (code) {
                    case NONE -> {
                        accepted = true;
                        if (r.memberId() != null && !r.memberId().isEmpty()) {
                            memberId = r.memberId();
                        }
                        if (epoch != r.memberEpoch()) {
                            log.debug("group {}: member {} epoch {}", settings.groupId(), memberId, r.memberEpoch());
                        }
                        epoch = r.memberEpoch();
                        intervalMs = Math.max(100, r.heartbeatIntervalMs());
                        subscriptionChanged = false;
                        if (sent.topicPartitions() != null) {
                            ownedChanged = false;
                        }
                        if (r.assignment() != null) {
                            undecoded = r.assignment();
                        }
                        changed = resolveAssignment();
                        delay = intervalMs;
                    }
                    case FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID -> {
                        log.info("group {}: member {} was fenced ({}); its partitions are lost, it rejoins",
                                settings.groupId(), memberId, code);
                        epoch = 0;
                        lost = !owned.isEmpty();
                        target = null;
                        undecoded = null;
                        owned = List.of();
                        ownedChanged = true;
                        subscriptionChanged = true;
                        changed = true;
                        // With partitions in hand the member rejoins only after poll() has dropped them
                        // (the listener's onPartitionsLost, then applied() beats): rejoining first would
                        // give a commit of the old positions a fresh epoch the broker accepts.
                        delay = lost ? -1 : 0;
                    }
                    case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS -> {
                        offsets.forgetCoordinator();
                        delay = settings.client().retryBackoff().toMillis();
                    }
                    default -> {
                        if (code.isRetriable()) {
                            delay = settings.client().retryBackoff().toMillis();
                        } else if (code == ErrorCode.TOPIC_AUTHORIZATION_FAILED && subscribedSince(sent)) {
                            delay = 0; // refused a subscription the consumer has since left: send the new one
                        } else {
                            fatal = code == ErrorCode.TOPIC_AUTHORIZATION_FAILED && regex == null
                                    ? deniedTopics(client.cluster(), topics, true)
                                    : code.exception("ConsumerGroupHeartbeat of group " + settings.groupId(), r.errorMessage());
                            changed = true;
                            delay = afterFatal();
                        }
                    }
                }
            }
        }
        if (changed) {
            onChange.run();
        }
        if (delay >= 0) {
            schedule(delay);
        }
    }

    /** True when the subscription changed after {@code sent} went out, so the broker judged an old one. */
    private boolean subscribedSince(ConsumerGroupHeartbeatRequest sent) {
        if (sent.subscribedTopicNames() == null && sent.subscribedTopicRegex() == null) {
            return subscriptionChanged;
        }
        return regex != null ? !regex.equals(sent.subscribedTopicRegex())
                : sent.subscribedTopicNames() == null || !topics.equals(Set.copyOf(sent.subscribedTopicNames()));
    }

    /**
     * When to beat again after a final error: an ACL may be granted, so a denied member keeps trying at
     * the heartbeat interval (each refusal reaches the next {@code poll()}); otherwise never (-1).
     */
    private long afterFatal() {
        return fatal instanceof AuthorizationException ? intervalMs : -1;
    }

    /**
     * The failure of type {@code type} in {@code e}'s causes: the request could not be written at the
     * version the broker speaks (a regex needs v1), or the principal may not use the group.
     */
    private static <T extends RuntimeException> T causeOf(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /**
     * Turns the kept assignment into partitions by name once metadata knows its topic ids; until then
     * tries again shortly. Returns true when a new target is ready for the polling thread.
     */
    private boolean resolveAssignment() {
        if (undecoded == null) {
            return false;
        }
        List<TopicPartition> decoded = decode(undecoded);
        if (decoded == null) {
            loop.schedule(this::retryResolve, settings.client().retryBackoff().toMillis(), TimeUnit.MILLISECONDS);
            return false;
        }
        undecoded = null;
        if (decoded.equals(owned)) {
            return false;
        }
        target = decoded;
        return true;
    }

    private void retryResolve() {
        boolean changed;
        synchronized (this) {
            changed = !leaving && resolveAssignment();
        }
        if (changed) {
            onChange.run();
        }
    }

    /** The assignment's partitions by name, or null while metadata does not know a topic id yet. */
    private List<TopicPartition> decode(ConsumerGroupHeartbeatResponse.Assignment a) {
        Cluster cluster = client.cluster();
        List<TopicPartition> out = new ArrayList<>();
        for (ConsumerGroupHeartbeatResponse.TopicPartitions tp : a.topicPartitions()) {
            String name = cluster.topicName(tp.topicId());
            if (name == null) {
                if (regex == null) {
                    client.addTopics(topics);
                }
                client.refreshMetadata(); // a regex subscription's metadata covers every topic
                return null;
            }
            tp.partitions().forEach(p -> out.add(new TopicPartition(name, p)));
        }
        out.sort((x, y) -> x.topic().equals(y.topic()) ? Integer.compare(x.partition(), y.partition())
                : x.topic().compareTo(y.topic()));
        return out;
    }

    /** Sends a leave heartbeat (epoch -1, or -2 for a static member, which keeps its place). */
    private CompletableFuture<Void> sendLeave(String reason) {
        int leaveEpoch = settings.groupInstanceId() == null ? LEAVE_EPOCH : STATIC_LEAVE_EPOCH;
        ConsumerGroupHeartbeatRequest r = new ConsumerGroupHeartbeatRequest().setGroupId(settings.groupId())
                .setMemberId(memberId).setMemberEpoch(leaveEpoch).setInstanceId(settings.groupInstanceId())
                .setRebalanceTimeoutMs(-1).setSubscribedTopicNames(null).setTopicPartitions(null);
        log.debug("group {}: member {} leaves ({})", settings.groupId(), memberId, reason);
        return offsets.coordinator().thenCompose(node -> client.<ConsumerGroupHeartbeatResponse>send(node,
                ApiKey.CONSUMER_GROUP_HEARTBEAT, v -> r)).<Void>thenApply(x -> null);
    }

    @Override
    public CompletableFuture<Void> leave(String reason) {
        synchronized (this) {
            leaving = true;
            if (next != null) {
                next.cancel(false);
                next = null;
            }
            if (epoch <= 0) {
                epoch = 0;
                return CompletableFuture.completedFuture(null);
            }
            epoch = 0;
            owned = List.of();
            target = null;
        }
        return sendLeave(reason).exceptionally(t -> {
            throw t instanceof RuntimeException re ? re : new SkeinException(t.toString(), t);
        });
    }
}
