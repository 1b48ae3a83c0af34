package dev.skein.consumer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.AuthorizationException;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.internal.Backoff;
import dev.skein.core.internal.MemberIds;
import dev.skein.core.internal.net.KafkaReleases;
import dev.skein.core.message.ConsumerGroupHeartbeatRequest;
import dev.skein.core.message.ConsumerGroupHeartbeatResponse;
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
import java.util.function.DoubleSupplier;

/**
 * A member of a consumer group under the consumer group protocol (KIP-848), as a state machine that
 * does no I/O, starts no thread and reads no clock: every step is given the time. One request,
 * ConsumerGroupHeartbeat, joins, heartbeats, receives the assignment the broker computed,
 * acknowledges it, and leaves.
 *
 * <p>The driver ({@link ConsumerProtocolMembership}) calls, on one thread: {@link #poll} for the
 * heartbeat to send now, {@link #onResponse} with its answer, {@link #nextWakeNanos} to know when to
 * poll again, and {@link #takeEvents} for what the polling thread and the driver must hear. Commands
 * ({@link #subscribe}, {@link #subscribeRegex}, {@link #applied}, {@link #leave}) come from the
 * polling thread through the driver's queue.
 *
 * <p>The rules, as Apache Kafka's consumer documents them (KIP-848): a full heartbeat (subscription,
 * rebalance timeout, owned partitions) at epoch 0 and after a change, else only the epoch; the owned
 * partitions again once the polling thread applied an assignment, so the broker can hand revoked
 * partitions on; {@code FENCED_MEMBER_EPOCH} and {@code UNKNOWN_MEMBER_ID} make the partitions lost
 * and the member rejoins at epoch 0, but only after the polling thread has dropped them (rejoining
 * first would give a commit of the old positions a fresh epoch the broker accepts), and an assignment
 * the polling thread was still applying is discarded and counts as lost; coordinator errors
 * find the coordinator again and retry with backoff; leaving sends epoch -1 (-2 for a static member,
 * which keeps its place).
 */
final class ConsumerProtocolState implements MembershipState {
    private static final Logger log = LoggerFactory.getLogger(ConsumerProtocolState.class);
    static final int LEAVE_EPOCH = -1;
    static final int STATIC_LEAVE_EPOCH = -2;

    /** Topic names and ids as metadata knows them now; null when it does not. */
    interface TopicIds {
        String name(UUID id);

        UUID id(String topic);

        /** True when metadata says the principal may not describe {@code topic}. */
        default boolean denied(String topic) {
            return false;
        }
    }

    private final GroupConfig config;
    private final TopicIds ids;
    /** {@code group.protocol=auto}: a refusal before the first join hands the group to the classic protocol. */
    private final boolean mayFallBack;
    private final DoubleSupplier jitter;
    private final ArrayList<GroupEvent> events = new ArrayList<>();

    private String memberId;
    private int epoch;
    private int intervalMs = 3000;
    private Set<String> topics = Set.of();
    /** The broker-matched subscription (RE2/J), or null for a topic list. */
    private String regex;
    private boolean subscriptionChanged = true;
    private List<TopicPartition> owned = List.of();
    private boolean ownedChanged = true;
    /** An assignment handed to the polling thread ({@link GroupEvent.Assigned}) and not yet applied: {@link #lastHandedOut}. */
    private boolean handedOut;
    private List<TopicPartition> lastHandedOut = List.of();
    /**
     * Partitions were reported lost (fenced, or left on the poll timeout): nothing is sent until the
     * polling thread applies what it took after dropping them.
     */
    private boolean awaitingDrop;
    /**
     * The broker's assignment while some of its topic ids are unknown to metadata: the broker sends it
     * once, so it is kept, and resolved again each retry backoff until every id is named
     * ({@link #resolveAssignment}). What was resolvable was handed out already.
     */
    private ConsumerGroupHeartbeatResponse.Assignment unresolved;
    private long resolveAtNanos = NEVER;
    /** The heartbeat awaiting its answer, or null. */
    private ConsumerGroupHeartbeatRequest inFlight;
    /** When the next heartbeat is due; {@link #NEVER} while waiting for a command. */
    private long beatAtNanos;
    private int failures;
    private boolean leaving;
    /** True once the broker answered a heartbeat without refusing the protocol. */
    private boolean accepted;
    private boolean refused;
    /** The last final error was a refusal an ACL change may lift: keep trying at the heartbeat interval. */
    private boolean denied;

    ConsumerProtocolState(GroupConfig config, TopicIds ids, boolean mayFallBack, DoubleSupplier jitter) {
        this.config = config;
        this.ids = ids;
        this.mayFallBack = mayFallBack;
        this.jitter = jitter;
        this.memberId = MemberIds.random(); // KIP-1082: the client names itself, as one of Kafka's UUIDs
    }

    // ---- commands ----

    /** Subscribes to these topics (replacing any regex); an empty set ends the subscription. */
    void subscribe(Set<String> newTopics, long now) {
        if (regex == null && newTopics.equals(topics)) {
            return;
        }
        topics = Set.copyOf(newTopics);
        regex = null;
        changedSubscription(now);
    }

    /** Subscribes to the topics the broker matches with {@code newRegex} (RE2/J), replacing any topic list. */
    void subscribeRegex(String newRegex, long now) {
        if (newRegex.equals(regex)) {
            return;
        }
        regex = newRegex;
        topics = Set.of();
        changedSubscription(now);
    }

    private void changedSubscription(long now) {
        subscriptionChanged = true;
        leaving = false;
        denied = false;
        beatAtNanos = now;
    }

    /**
     * The polling thread applied {@code assignment}: acknowledge it now (the broker moves revoked partitions
     * on then). {@code afterLoss}: the polling thread took it after dropping partitions reported
     * {@link GroupEvent.Lost}. While lost partitions wait to be dropped, any other assignment is one whose
     * reconciliation the fence or the leave interrupted, and KIP-848 discards it: acknowledged, it would
     * rejoin owning partitions the member lost, before poll() reported them lost.
     */
    void applied(Collection<TopicPartition> assignment, boolean afterLoss, long now) {
        if (awaitingDrop && !afterLoss) {
            log.debug("group {}: member {} discards the assignment {} it was applying when it lost its partitions",
                    config.groupId(), memberId, assignment);
            return;
        }
        awaitingDrop = false;
        owned = List.copyOf(assignment);
        if (owned.equals(lastHandedOut)) {
            handedOut = false; // else a newer one, handed out since, is still to be applied
        }
        ownedChanged = true;
        beatAtNanos = now;
    }

    /**
     * Leaves the group: returns the leave heartbeat to send (epoch -1, or -2 for a static member), or
     * null when the member holds no epoch. Answers to heartbeats already sent are ignored from now on.
     */
    ConsumerGroupHeartbeatRequest leave(String reason) {
        leaving = true;
        awaitingDrop = false; // the polling thread gave every partition up before leaving
        handedOut = false;
        beatAtNanos = NEVER;
        unresolved = null;
        resolveAtNanos = NEVER;
        inFlight = null;
        if (epoch <= 0) {
            epoch = 0;
            return null;
        }
        log.debug("group {}: member {} leaves ({})", config.groupId(), memberId, reason);
        epoch = 0;
        owned = List.of();
        return leaveRequest();
    }

    // ---- the driver's side ----

    /**
     * The heartbeat to send now, or null. {@code lastPollNanos}: when the polling thread last called
     * {@code poll()}; past {@code max.poll.interval.ms} the member leaves and its partitions are lost.
     */
    ConsumerGroupHeartbeatRequest poll(long now, long lastPollNanos) {
        if (unresolved != null && now - resolveAtNanos >= 0) {
            resolveAssignment(now);
        }
        if (inFlight != null || leaving || refused || awaitingDrop || !subscribed() || beatAtNanos == NEVER
                || now - beatAtNanos < 0) {
            return null;
        }
        if (epoch > 0 && now - lastPollNanos > config.maxPollInterval().toNanos()) {
            log.warn("poll() was not called within max.poll.interval.ms ({}); leaving group {}: the next poll()"
                    + " rejoins and the partitions count as lost", config.maxPollInterval(), config.groupId());
            ConsumerGroupHeartbeatRequest leave = leaveRequest();
            epoch = 0;
            unresolved = null;
            resolveAtNanos = NEVER;
            beatAtNanos = NEVER; // until the polling thread dropped the partitions (applied)
            handedOut = false;
            awaitingDrop = true;
            events.add(new GroupEvent.Lost());
            return leave;
        }
        inFlight = request();
        return inFlight;
    }

    /** When {@link #poll} next has something to do; {@link #NEVER} when only a command or an answer can start it. */
    @Override
    public long nextWakeNanos() {
        long beat = inFlight != null || leaving || refused || awaitingDrop || !subscribed() ? NEVER : beatAtNanos;
        long resolve = unresolved != null ? resolveAtNanos : NEVER;
        return Math.min(beat, resolve);
    }

    @Override
    public List<GroupEvent> takeEvents() {
        return MembershipState.drain(events);
    }

    /** The answer to {@code sent}: a response, or the failure to get one ({@code error}). */
    void onResponse(ConsumerGroupHeartbeatRequest sent, ConsumerGroupHeartbeatResponse r, Throwable error, long now) {
        if (sent != inFlight) {
            return; // a leave, or an answer from before leave(): nothing the member needs
        }
        inFlight = null;
        RuntimeException unsupported = causeOf(error, UnsupportedVersionException.class);
        RuntimeException deniedGroup = causeOf(error, AuthorizationException.class); // FindCoordinator: GROUP_AUTHORIZATION_FAILED
        ErrorCode code = error == null ? ErrorCode.forCode(r.errorCode()) : null;
        if (!accepted && ((unsupported != null && regex == null) || code == ErrorCode.UNSUPPORTED_VERSION)) {
            // The broker lacks the protocol, or lists the API without running it (3.7-3.9 unless enabled).
            // (With a regex, an UnsupportedVersionException may be the regex's own need of v1: raised below.)
            beatAtNanos = NEVER;
            if (mayFallBack) {
                refused = true;
                events.add(new GroupEvent.Refused());
            } else {
                fail(new UnsupportedVersionException("ConsumerGroupHeartbeat of group " + config.groupId()
                        + " refused: the consumer group protocol (KIP-848) needs Apache Kafka "
                        + KafkaReleases.CONSUMER_GROUP_PROTOCOL + " or newer (group.version 1), and this cluster"
                        + " does not run it (" + (unsupported != null ? unsupported.getMessage() : "UNSUPPORTED_VERSION")
                        + "); use group.protocol=classic or auto"), now);
            }
            return;
        }
        if (unsupported != null || deniedGroup != null) {
            fail(unsupported != null ? unsupported : deniedGroup, now);
            return;
        }
        if (error != null) {
            log.debug("heartbeat of group {} failed: {}", config.groupId(), error.toString());
            events.add(new GroupEvent.CoordinatorLost());
            retryLater(now);
            return;
        }
        switch (code) {
            case NONE -> {
                accepted = true;
                failures = 0;
                if (r.memberId() != null && !r.memberId().isEmpty()) {
                    memberId = r.memberId();
                }
                if (epoch != r.memberEpoch()) {
                    log.debug("group {}: member {} epoch {}", config.groupId(), memberId, r.memberEpoch());
                }
                epoch = r.memberEpoch();
                intervalMs = Math.max(100, r.heartbeatIntervalMs());
                if (sent.subscribedTopicNames() != null || sent.subscribedTopicRegex() != null) {
                    subscriptionChanged = subscribedSince(sent);
                }
                if (sent.topicPartitions() != null) {
                    ownedChanged = false;
                }
                if (r.assignment() != null) {
                    unresolved = r.assignment();
                    resolveAssignment(now);
                } // else one still unresolved is tried again on its own schedule (poll)
                beatAtNanos = now + intervalMs * 1_000_000L;
            }
            case FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID -> {
                log.info("group {}: member {} was fenced ({}); its partitions are lost, it rejoins",
                        config.groupId(), memberId, code);
                // An assignment handed out and not yet applied may be in the polling thread's hands already
                // (its listener running): lost as well, so the polling thread drops whatever it took.
                boolean lost = !owned.isEmpty() || handedOut;
                handedOut = false;
                awaitingDrop = lost;
                epoch = 0;
                unresolved = null;
                resolveAtNanos = NEVER;
                owned = List.of();
                ownedChanged = true;
                subscriptionChanged = true;
                events.add(lost ? new GroupEvent.Lost() : new GroupEvent.Unassigned());
                // With partitions in hand the member rejoins only after poll() has dropped them (applied()).
                beatAtNanos = lost ? NEVER : now;
            }
            case NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS -> {
                events.add(new GroupEvent.CoordinatorLost());
                retryLater(now);
            }
            default -> {
                if (code.isRetriable()) {
                    retryLater(now);
                } else if (code == ErrorCode.TOPIC_AUTHORIZATION_FAILED && subscribedSince(sent)) {
                    beatAtNanos = now; // refused a subscription the consumer has since left: send the new one
                } else {
                    fail(code == ErrorCode.TOPIC_AUTHORIZATION_FAILED && regex == null
                            ? AbstractMembership.deniedTopics(topics, ids::denied, true)
                            : code.exception("ConsumerGroupHeartbeat of group " + config.groupId(), r.errorMessage()), now);
                }
            }
        }
    }

    /**
     * A final error for the next {@code poll()}. An ACL may be granted, so a denied member keeps trying
     * at the heartbeat interval (each refusal reaches the next {@code poll()}); otherwise it stops
     * until a command (a new subscription, an applied assignment).
     */
    private void fail(RuntimeException e, long now) {
        events.add(new GroupEvent.Failed(e, true));
        denied = e instanceof AuthorizationException;
        beatAtNanos = denied ? now + intervalMs * 1_000_000L : NEVER;
    }

    private void retryLater(long now) {
        failures++;
        beatAtNanos = now + Backoff.nanos(failures, config.retryBackoff().toNanos(),
                config.retryBackoffMax().toNanos(), jitter.getAsDouble());
    }

    /** True when the subscription changed after {@code sent} went out, so the broker judged an old one. */
    private boolean subscribedSince(ConsumerGroupHeartbeatRequest sent) {
        if (sent.subscribedTopicNames() == null && sent.subscribedTopicRegex() == null) {
            return subscriptionChanged;
        }
        return regex != null ? !regex.equals(sent.subscribedTopicRegex())
                : sent.subscribedTopicNames() == null || !topics.equals(Set.copyOf(sent.subscribedTopicNames()));
    }

    /** The next heartbeat: full (epoch 0, or after a change) or just the epoch. */
    private ConsumerGroupHeartbeatRequest request() {
        boolean full = epoch == 0 || subscriptionChanged;
        ConsumerGroupHeartbeatRequest r = new ConsumerGroupHeartbeatRequest().setGroupId(config.groupId())
                .setMemberId(memberId).setMemberEpoch(epoch).setInstanceId(config.instanceId())
                .setRackId(full ? config.rack() : null)
                .setRebalanceTimeoutMs(full ? (int) config.maxPollInterval().toMillis() : -1)
                .setSubscribedTopicNames(full && regex == null ? new ArrayList<>(new TreeSet<>(topics)) : null)
                .setSubscribedTopicRegex(full ? regex : null)
                .setServerAssignor(full ? config.remoteAssignor() : null);
        r.setTopicPartitions(epoch == 0 || ownedChanged ? toWire(owned) : null);
        return r;
    }

    private ConsumerGroupHeartbeatRequest leaveRequest() {
        int leaveEpoch = config.instanceId() == null ? LEAVE_EPOCH : STATIC_LEAVE_EPOCH;
        return new ConsumerGroupHeartbeatRequest().setGroupId(config.groupId()).setMemberId(memberId)
                .setMemberEpoch(leaveEpoch).setInstanceId(config.instanceId()).setRebalanceTimeoutMs(-1)
                .setSubscribedTopicNames(null).setTopicPartitions(null);
    }

    private List<ConsumerGroupHeartbeatRequest.TopicPartitions> toWire(List<TopicPartition> tps) {
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        tps.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        List<ConsumerGroupHeartbeatRequest.TopicPartitions> out = new ArrayList<>();
        byTopic.forEach((t, ps) -> {
            UUID id = ids.id(t);
            if (id != null) {
                out.add(new ConsumerGroupHeartbeatRequest.TopicPartitions().setTopicId(id).setPartitions(ps));
            }
        });
        return out;
    }

    /**
     * Hands the polling thread the part of the kept assignment whose topic ids metadata names, at once
     * (as Apache Kafka's consumer reconciles the resolvable part of its target); partitions of ids not
     * named yet stay pending: the driver is asked for metadata and the assignment is resolved again after
     * the retry backoff, then handed out whole. The member reports as owned only what the polling thread
     * applied ({@link #applied}), so the broker never counts the pending partitions as taken. When the
     * resolvable part is what the member owns already (the new target only adds unknown topics), nothing
     * is handed out: there is nothing to revoke or take, and the broker needs no acknowledgement to
     * move on, as owned partitions only tell it what was released.
     *
     * <p>The part is compared with what the polling thread will hold next (the assignment still being
     * applied, else the owned one), not with the owned one only: an assignment back to the owned one
     * while another was still being applied must replace that one.
     */
    private void resolveAssignment(long now) {
        if (unresolved == null) {
            return;
        }
        List<TopicPartition> resolved = new ArrayList<>();
        boolean complete = resolve(unresolved, resolved);
        if (complete) {
            unresolved = null;
            resolveAtNanos = NEVER;
        } else {
            resolveAtNanos = now + config.retryBackoff().toNanos();
            events.add(new GroupEvent.NeedMetadata(regex == null ? topics : Set.of())); // a regex: every topic
        }
        if (!resolved.equals(handedOut ? lastHandedOut : owned)) {
            handedOut = true;
            lastHandedOut = List.copyOf(resolved);
            events.add(new GroupEvent.Assigned(lastHandedOut));
        }
    }

    /**
     * Adds to {@code out}, sorted, the partitions of the assignment whose topic ids metadata names;
     * returns false when some id it does not name yet.
     */
    private boolean resolve(ConsumerGroupHeartbeatResponse.Assignment a, List<TopicPartition> out) {
        boolean complete = true;
        for (ConsumerGroupHeartbeatResponse.TopicPartitions tp : a.topicPartitions()) {
            String name = ids.name(tp.topicId());
            if (name == null) {
                complete = false;
                continue;
            }
            tp.partitions().forEach(p -> out.add(new TopicPartition(name, p)));
        }
        out.sort((x, y) -> x.topic().equals(y.topic()) ? Integer.compare(x.partition(), y.partition())
                : x.topic().compareTo(y.topic()));
        return complete;
    }

    private boolean subscribed() {
        return regex != null || !topics.isEmpty();
    }

    /** What commits carry: the member epoch and id. */
    @Override
    public MemberIdentity identity() {
        return new MemberIdentity(epoch, memberId);
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
}
