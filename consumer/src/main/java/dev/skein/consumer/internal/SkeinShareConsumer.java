package dev.skein.consumer.internal;

import dev.skein.consumer.AcknowledgeType;
import dev.skein.consumer.AcknowledgementCommitCallback;
import dev.skein.consumer.AcknowledgementMode;
import dev.skein.consumer.ConsumerOptions;
import dev.skein.consumer.RecordDeserializationException;
import dev.skein.consumer.ShareConsumer;
import dev.skein.consumer.ShareRecord;
import dev.skein.consumer.WakeupException;
import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.internal.Backoff;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.Coordinators;
import dev.skein.core.internal.MemberIds;
import dev.skein.core.internal.Retry;
import dev.skein.core.internal.TopicNames;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.internal.metadata.MetadataManager;
import dev.skein.core.internal.records.RecordBatch;
import dev.skein.core.internal.records.RecordBatchReader;
import dev.skein.core.internal.records.RecordCursor;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ShareAcknowledgeRequest;
import dev.skein.core.message.ShareAcknowledgeResponse;
import dev.skein.core.message.ShareFetchRequest;
import dev.skein.core.message.ShareFetchResponse;
import dev.skein.core.message.ShareGroupHeartbeatRequest;
import dev.skein.core.message.ShareGroupHeartbeatResponse;
import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SerdeContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A share-group member (KIP-932). One class, long on purpose: the share sessions, the acknowledgement
 * bookkeeping and the decoding share the polling thread's state (sessions, pending acknowledgements,
 * the last poll's records) and the order in which it changes; split apart they would pass that state
 * around rather than own it. Membership, the only part on another thread, is kept to its own section.
 * Membership (ShareGroupHeartbeat) runs on the client's event loop and
 * publishes the assignment; everything else runs on the polling thread: one share session per broker
 * (ShareFetch, epoch 0 to open, then one more per request, -1 to close), one request at a time per
 * broker, acknowledgements carried by the next ShareFetch or, on commit and close, by ShareAcknowledge, in
 * the share session of the broker that delivered their records (KIP-932; {@link ShareAcks}), which after a
 * leader move is no longer the partition's leader.
 *
 * <p>Acquired offsets that hold no record for the client (control records, compacted gaps) are
 * acknowledged as gaps (type 0), as KIP-932 asks, so they do not come back.
 */
public final class SkeinShareConsumer<K, V> implements ShareConsumer<K, V> {
    private static final Logger log = LoggerFactory.getLogger(SkeinShareConsumer.class);
    private static final byte GAP = 0;

    private final ConsumerOptions settings;
    private final AcknowledgementMode mode;
    private final Deserializer<K> keys;
    private final Deserializer<V> values;
    private final ClusterClient client;
    private final Coordinators coordinators;
    private final String group;
    private final String memberId = MemberIds.random(); // Kafka 4.1 decodes it as one of its UUIDs
    private final AtomicBoolean wakeup = new AtomicBoolean();
    private volatile CompletableFuture<Void> wakeupSignal = new CompletableFuture<>();

    // Membership: written on the event loop, read by the polling thread.
    private final Object membershipLock = new Object();
    private Set<String> subscription = Set.of();
    private boolean subscriptionChanged;
    private int memberEpoch;
    private Map<UUID, List<Integer>> assignment = Map.of();
    private ScheduledFuture<?> nextHeartbeat;
    private boolean heartbeatInFlight;
    private volatile RuntimeException fatal;

    // Polling thread only.
    private Set<String> followed = Set.of(); // the topics metadata describes for this consumer
    private Set<String> followedSubscription; // what followed was computed from, compared by identity
    private Map<UUID, List<Integer>> followedAssignment;
    private final Map<Integer, Session> sessions = new HashMap<>();
    /** The acknowledgements given and not sent yet, by the broker that delivered their records. */
    private final ShareAcks pending = new ShareAcks();
    /** The broker whose share session delivered each record handed out or acquired and not settled yet. */
    private final Map<ShareRecord<K, V>, Integer> deliveredBy = new java.util.IdentityHashMap<>();
    private List<ShareRecord<K, V>> lastPoll = List.of();
    private final Map<ShareRecord<K, V>, AcknowledgeType> acknowledged = new java.util.IdentityHashMap<>();
    private final List<Runnable> callbacks = new ArrayList<>();
    private AcknowledgementCommitCallback callback;
    private boolean closed;
    /** An error met while decoding (a corrupt batch, an undeserializable record), raised by the next poll. */
    private RuntimeException deferred;
    /** Records acquired by fetches read outside poll() (during a commit), handed out by the next poll. */
    private final List<ShareRecord<K, V>> early = new ArrayList<>();
    /**
     * Until when the acknowledgements of a partition answered with a retriable error in a ShareFetch are sent
     * again (default.api.timeout.ms from the first such answer); cleared once they are reported.
     */
    private final Map<TopicPartition, Long> ackRetryUntil = new HashMap<>();
    /**
     * Partitions whose last ShareFetch answer was an error, held out of fetches until their backoff ends
     * (retry.backoff.ms doubling per error in a row up to retry.backoff.max.ms, jittered): asked again at
     * once, a broker answers the same error at once, in a loop.
     */
    private final Map<TopicPartition, FetchBackoff> fetchBackoff = new HashMap<>();
    /** When {@link #warnRarely} last warned (0: never); polling thread only. */
    private long lastRefusalWarningNanos;

    /** How many ShareFetch answers in a row gave a partition an error, and until when it is not fetched. */
    private static final class FetchBackoff {
        int failures;
        long untilNanos;
    }

    /** One broker's share session and the request in flight to it. */
    private static final class Session {
        int epoch;
        final Set<TopicPartition> partitions = new HashSet<>();
        CompletableFuture<?> inFlight;
        /** True when the request in flight is a ShareAcknowledge (commitAsync), not a ShareFetch. */
        boolean ackInFlight;
        /** The acknowledgements carried by the request in flight, to report when it ends. */
        Map<TopicPartition, Set<Long>> carried = Map.of();
        Set<TopicPartition> sentPartitions = Set.of();
        Set<TopicPartition> sentForgotten = Set.of();
        /**
         * The topic of each id this session's requests named (an incremental answer may carry any
         * partition of the session): answers are read by these names, so that records acquired for a topic
         * whose metadata has changed since (a refresh that answered with an error and no id, say) are
         * handed out, not dropped while they stay acquired until their locks time out. Ids are never
         * reused, so an entry is never wrong.
         */
        final Map<UUID, String> names = new HashMap<>();
        int sentEpoch;
        long retryAtNanos;
        /** The acknowledgements (offset to type) the ShareAcknowledge in flight carries, to send again after a retriable error. */
        Map<TopicPartition, TreeMap<Long, Byte>> carriedAcks = Map.of();
        /** Until when a retriable error of the ShareAcknowledge in flight is retried (commitAsync's answers are read later). */
        long retryUntilNanos;
    }

    public SkeinShareConsumer(ConsumerOptions settings, AcknowledgementMode mode, Deserializer<K> keys, Deserializer<V> values) {
        this.settings = settings;
        this.mode = mode;
        this.keys = keys;
        this.values = values;
        this.group = settings.groupId();
        this.client = ClusterClient.start(settings.client(), null);
        this.coordinators = new Coordinators(client, true, null);
        log.info("share consumer {} started (group {}, {} acknowledgement)", settings.client().clientId(), group,
                mode.name().toLowerCase(java.util.Locale.ROOT));
    }

    // ---------------------------------------------------------------- membership (event loop)

    @Override
    public void subscribe(Collection<String> topics) {
        ensureOpen();
        // A name no broker accepts would be followed silently: metadata refuses it, the group assigns nothing.
        // Checked before the copy, so a null name is refused by name too rather than as a bare NullPointerException.
        TopicNames.requireLegal(topics, "subscribe()");
        Set<String> set = Set.copyOf(topics);
        if (set.isEmpty()) {
            unsubscribe();
            return;
        }
        // The topics of the assignment held now stay described until the broker moves it (poll() follows).
        Set<String> wanted = new HashSet<>(set);
        wanted.addAll(followed);
        followed = Set.copyOf(wanted);
        client.setTopics(this, followed);
        synchronized (membershipLock) {
            subscription = set;
            subscriptionChanged = true;
        }
        client.loop().execute(this::heartbeatNow);
    }

    /**
     * Settles the last poll as close() does and closes the share sessions before leaving: a partition
     * leader releases what a member acquired when its share session closes (epoch -1) or its connection
     * drops, not when it leaves the group (KIP-932), so leaving alone would keep those records from the
     * other members until their locks ran out. A later subscribe() opens new sessions.
     */
    @Override
    public void unsubscribe() {
        ensureOpen();
        boolean member;
        synchronized (membershipLock) {
            member = !subscription.isEmpty();
            subscription = Set.of();
            assignment = Map.of();
        }
        long deadline = System.nanoTime() + settings.defaultApiTimeout().toNanos();
        try {
            acknowledgeNow(settings.defaultApiTimeout(), true);
            runCallbacks();
        } finally {
            if (member) { // however the acknowledgements went: the subscription is gone already
                leave(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            }
            followed = Set.of(); // last: the acknowledgements above still route by these topics' leaders
            followedSubscription = null;
            followedAssignment = null;
            client.setTopics(this, List.of());
        }
    }

    @Override
    public Set<String> subscription() {
        synchronized (membershipLock) {
            return subscription;
        }
    }

    /** Sends a heartbeat now unless one is in flight (event loop). */
    private void heartbeatNow() {
        synchronized (membershipLock) {
            if (nextHeartbeat != null) {
                nextHeartbeat.cancel(false);
                nextHeartbeat = null;
            }
            if (heartbeatInFlight || subscription.isEmpty() || closed) {
                return;
            }
            heartbeatInFlight = true;
        }
        ShareGroupHeartbeatRequest request;
        synchronized (membershipLock) {
            request = new ShareGroupHeartbeatRequest().setGroupId(group).setMemberId(memberId).setMemberEpoch(memberEpoch)
                    .setSubscribedTopicNames(memberEpoch == 0 || subscriptionChanged ? new ArrayList<>(subscription) : null);
            subscriptionChanged = false;
        }
        coordinators.of(Coordinators.Kind.GROUP, group)
                .thenCompose(node -> client.<ShareGroupHeartbeatResponse>send(node, request))
                .whenComplete((resp, err) -> client.loop().execute(() -> onHeartbeat(resp, err)));
    }

    private void onHeartbeat(ShareGroupHeartbeatResponse resp, Throwable err) {
        long next;
        synchronized (membershipLock) {
            heartbeatInFlight = false;
            if (closed || subscription.isEmpty()) {
                return;
            }
            next = settings.client().retryBackoff().toMillis();
            if (err != null) {
                Throwable cause = Retry.cause(err);
                if (cause instanceof UnsupportedVersionException u) {
                    fatal = new UnsupportedVersionException("share groups (KIP-932) need brokers with share groups: "
                            + "Apache Kafka 4.1 or later (production-ready from 4.2). " + u.getMessage());
                    return;
                }
                log.debug("share group heartbeat failed: {}", cause.toString());
                coordinators.moved(Coordinators.Kind.GROUP, group);
                subscriptionChanged = true;
            } else {
                ErrorCode error = ErrorCode.forCode(resp.errorCode());
                switch (error) {
                    case NONE -> {
                        memberEpoch = resp.memberEpoch();
                        next = resp.heartbeatIntervalMs();
                        if (resp.assignment() != null) {
                            Map<UUID, List<Integer>> a = new LinkedHashMap<>();
                            resp.assignment().topicPartitions().forEach(t -> a.put(t.topicId(), List.copyOf(t.partitions())));
                            assignment = a;
                            log.info("share group {} assigned {} (member epoch {})", group, a, memberEpoch);
                        }
                    }
                    case UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH -> {
                        log.info("share group {}: {}; joining again", group, error);
                        memberEpoch = 0;
                        assignment = Map.of();
                        next = 0;
                    }
                    case COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS -> {
                        coordinators.moved(Coordinators.Kind.GROUP, group);
                        subscriptionChanged = true;
                    }
                    case UNSUPPORTED_VERSION -> {
                        // A broker that serves the API with share groups off: Kafka 4.1 before an operator
                        // finalizes share.version=1 (they are a preview there), or a 4.0 broker (early access).
                        fatal = new UnsupportedVersionException("share groups (KIP-932) are not enabled on this cluster"
                                + " (share group " + group + " heartbeat: UNSUPPORTED_VERSION"
                                + (resp.errorMessage() == null ? "" : ", " + resp.errorMessage()) + "): on Apache Kafka"
                                + " 4.1 an operator enables them by finalizing the feature share.version=1"
                                + " (kafka-features.sh upgrade --feature share.version=1); 4.2 and later enable them on"
                                + " new clusters");
                        return;
                    }
                    default -> {
                        if (error.isRetriable()) {
                            subscriptionChanged = true;
                        } else {
                            fatal = error.exception("share group " + group + " heartbeat", resp.errorMessage());
                            return;
                        }
                    }
                }
            }
            nextHeartbeat = client.loop().schedule(this::heartbeatNow, Math.max(0, next), TimeUnit.MILLISECONDS);
        }
    }

    /** Leaves the group (member epoch -1) and waits for the answer up to {@code timeout}. */
    private void leave(Duration timeout) {
        int epoch;
        synchronized (membershipLock) {
            if (nextHeartbeat != null) {
                nextHeartbeat.cancel(false);
                nextHeartbeat = null;
            }
            epoch = memberEpoch;
            memberEpoch = 0;
        }
        if (epoch <= 0) {
            return;
        }
        ShareGroupHeartbeatRequest request = new ShareGroupHeartbeatRequest().setGroupId(group).setMemberId(memberId)
                .setMemberEpoch(-1);
        try {
            coordinators.of(Coordinators.Kind.GROUP, group)
                    .thenCompose(node -> client.<ShareGroupHeartbeatResponse>send(node, request))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("leaving share group {} did not finish: {}", group, e.toString());
        }
    }

    /** The assigned partitions whose topic names are known (the metadata maps topic ids to names). */
    private Set<TopicPartition> assigned(Cluster cluster) {
        Map<UUID, List<Integer>> a;
        Set<String> subscribed;
        synchronized (membershipLock) {
            a = assignment;
            subscribed = subscription;
        }
        Set<TopicPartition> out = new LinkedHashSet<>();
        boolean unknown = false;
        for (Map.Entry<UUID, List<Integer>> e : a.entrySet()) {
            String name = cluster.topicName(e.getKey());
            if (name == null) {
                unknown = true;
                continue;
            }
            e.getValue().forEach(p -> out.add(new TopicPartition(name, p)));
        }
        if (unknown) {
            client.refreshMetadata();
        }
        followTopics(subscribed, a, out, unknown);
        return out;
    }

    /**
     * Keeps metadata to the topics this member subscribes to or is assigned (as Apache Kafka's consumer
     * sets its metadata topics on each change), so a topic it left stops being described. Recomputed
     * when the subscription or the assignment changes (both are replaced, never changed in place), and
     * while an assigned topic id has no name yet. Polling thread.
     */
    private void followTopics(Set<String> subscribed, Map<UUID, List<Integer>> a, Set<TopicPartition> named,
                              boolean unnamed) {
        if (subscribed == followedSubscription && a == followedAssignment) {
            return;
        }
        Set<String> wanted = new HashSet<>(subscribed);
        named.forEach(tp -> wanted.add(tp.topic()));
        if (unnamed) {
            wanted.addAll(followed); // an assigned topic not named yet may be one followed now: keep them all
        } else {
            followedSubscription = subscribed;
            followedAssignment = a;
        }
        if (!wanted.equals(followed)) {
            followed = Set.copyOf(wanted);
            client.setTopics(this, followed);
        }
    }

    // ---------------------------------------------------------------- polling thread

    @Override
    public List<ShareRecord<K, V>> poll(Duration timeout) {
        ensureOpen();
        runCallbacks();
        throwFatal();
        if (mode == AcknowledgementMode.EXPLICIT) {
            long missing = lastPoll.stream().filter(r -> !acknowledged.containsKey(r)).count();
            if (missing > 0) {
                throw new IllegalStateException(missing + " record(s) of the last poll were not acknowledged; in explicit "
                        + "mode acknowledge every record (ACCEPT, RELEASE or REJECT) before polling again");
            }
        }
        settleLastPoll();
        if (deferred != null) {
            RuntimeException e = deferred;
            deferred = null;
            throw e;
        }
        synchronized (membershipLock) {
            if (subscription.isEmpty()) {
                throw new IllegalStateException("subscribe() first");
            }
        }
        if (!early.isEmpty()) {
            lastPoll = new ArrayList<>(early);
            early.clear();
            return lastPoll;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ShareRecord<K, V>> out = new ArrayList<>();
        while (true) {
            checkWakeup();
            throwFatal();
            Cluster cluster = client.cluster();
            Set<TopicPartition> assigned = assigned(cluster);
            Map<Integer, List<TopicPartition>> byLeader = new HashMap<>();
            fetchBackoff.keySet().retainAll(assigned);
            long now = System.nanoTime();
            for (TopicPartition tp : assigned) {
                FetchBackoff held = fetchBackoff.get(tp);
                if (held != null && now - held.untilNanos < 0) {
                    continue; // backing off after an error (its session forgets it meanwhile)
                }
                Cluster.PartitionInfo info = cluster.partition(tp.topic(), tp.partition());
                if (info == null || info.leader() < 0) {
                    client.refreshMetadata();
                    continue;
                }
                byLeader.computeIfAbsent(info.leader(), n -> new ArrayList<>()).add(tp);
            }
            failUndeliverable(assigned, false, null);
            for (Map.Entry<Integer, Session> e : sessions.entrySet()) {
                byLeader.putIfAbsent(e.getKey(), List.of()); // forget partitions no longer ours there
            }
            long left = deadline - System.nanoTime();
            for (Map.Entry<Integer, List<TopicPartition>> e : byLeader.entrySet()) {
                fetch(cluster, e.getKey(), e.getValue(), Math.max(0, left));
            }
            List<CompletableFuture<?>> waiting = new ArrayList<>();
            sessions.values().forEach(s -> {
                if (s.inFlight != null) {
                    waiting.add(s.inFlight);
                }
            });
            if (waiting.isEmpty()) {
                if (left <= 0) {
                    return out;
                }
                // Nothing to wait for yet (no assignment, a leader unknown, a backoff): wait a little.
                waitFor(wakeupSignal, Math.min(left, settings.client().retryBackoff().toNanos()));
                continue;
            }
            waiting.add(wakeupSignal);
            waitFor(CompletableFuture.anyOf(waiting.toArray(CompletableFuture[]::new)), Math.max(0, left));
            for (Map.Entry<Integer, Session> e : sessions.entrySet()) {
                Session s = e.getValue();
                if (s.inFlight != null && s.inFlight.isDone()) {
                    collect(e.getKey(), s, out);
                }
            }
            runCallbacks();
            if (deferred != null && out.isEmpty()) {
                RuntimeException e = deferred;
                deferred = null;
                throw e;
            }
            if (!out.isEmpty() || System.nanoTime() - deadline >= 0) {
                lastPoll = out;
                return out;
            }
        }
    }

    /**
     * Moves the previous poll's acknowledgements (implicit mode: ACCEPT for the rest) to the pending ones.
     * In explicit mode a record not acknowledged yet stays in the last poll, as with Apache Kafka's
     * KafkaShareConsumer: a commit sends only what was acknowledged, and the rest stays acquired, can
     * still be acknowledged and keeps holding poll() back.
     */
    private void settleLastPoll() {
        List<ShareRecord<K, V>> unacknowledged = new ArrayList<>();
        for (ShareRecord<K, V> r : lastPoll) {
            AcknowledgeType t = acknowledged.get(r);
            if (t == null && mode == AcknowledgementMode.IMPLICIT) {
                t = AcknowledgeType.ACCEPT;
            }
            if (t == null) {
                unacknowledged.add(r);
            } else {
                pend(r, t.code());
            }
        }
        lastPoll = unacknowledged.isEmpty() ? List.of() : unacknowledged;
        acknowledged.clear();
    }

    @Override
    public void acknowledge(ShareRecord<K, V> record, AcknowledgeType type) {
        ensureOpen();
        boolean ours = false;
        for (ShareRecord<K, V> r : lastPoll) {
            if (r == record) {
                ours = true;
                break;
            }
        }
        if (!ours) {
            throw new IllegalStateException("only records of the last poll can be acknowledged: " + record.topic() + "-"
                    + record.partition() + " offset " + record.offset());
        }
        acknowledged.put(record, type);
    }

    /** Sends a ShareFetch to {@code node} unless one is in flight or the node is backing off. */
    private void fetch(Cluster cluster, int node, List<TopicPartition> partitions, long maxWaitNanos) {
        Session s = sessions.computeIfAbsent(node, n -> new Session());
        if (s.inFlight != null || System.nanoTime() - s.retryAtNanos < 0) {
            return;
        }
        Set<TopicPartition> forgotten = new HashSet<>(s.partitions);
        partitions.forEach(forgotten::remove);
        if (partitions.isEmpty() && forgotten.isEmpty() && !hasAcksFor(node, s)) {
            return;
        }
        ShareFetchRequest r = new ShareFetchRequest().setGroupId(group).setMemberId(memberId).setShareSessionEpoch(s.epoch)
                .setMaxWaitMs((int) Math.min(settings.fetchMaxWait().toMillis(), TimeUnit.NANOSECONDS.toMillis(maxWaitNanos)))
                .setMinBytes(settings.fetchMinBytes()).setMaxBytes(settings.fetchMaxBytes())
                .setMaxRecords(settings.maxPollRecords()).setBatchSize(settings.maxPollRecords());
        Map<TopicPartition, Set<Long>> carried = new HashMap<>();
        Map<TopicPartition, TreeMap<Long, Byte>> carriedAcks = new HashMap<>();
        Map<UUID, ShareFetchRequest.FetchTopic> topics = new LinkedHashMap<>();
        Set<TopicPartition> listed = new LinkedHashSet<>(partitions);
        if (s.epoch > 0) {
            // Acknowledgements ride only in a session that is open (a request opening one may not carry them), and
            // only in the session of the broker that delivered their records.
            for (TopicPartition tp : pending.partitions(node)) {
                if (s.partitions.contains(tp)) {
                    listed.add(tp);
                }
            }
        }
        for (TopicPartition tp : listed) {
            UUID id = topicId(s, cluster, tp.topic());
            if (id == null) {
                continue;
            }
            ShareFetchRequest.FetchPartition p = new ShareFetchRequest.FetchPartition().setPartitionIndex(tp.partition());
            if (s.epoch > 0 && s.partitions.contains(tp)) {
                List<ShareFetchRequest.AcknowledgementBatch> batches = new ArrayList<>();
                TreeMap<Long, Byte> given = pending.get(node, tp);
                if (given != null) {
                    carriedAcks.put(tp, given);
                }
                Set<Long> offsets = takeAcks(node, tp, (first, last, types) -> batches.add(new ShareFetchRequest.AcknowledgementBatch()
                        .setFirstOffset(first).setLastOffset(last).setAcknowledgeTypes(types)));
                if (!offsets.isEmpty()) {
                    carried.put(tp, offsets);
                    p.setAcknowledgementBatches(batches);
                }
            }
            topics.computeIfAbsent(id, i -> new ShareFetchRequest.FetchTopic().setTopicId(i)).partitions().add(p);
            s.names.put(id, tp.topic());
        }
        r.setTopics(new ArrayList<>(topics.values()));
        Map<UUID, ShareFetchRequest.ForgottenTopic> forget = new LinkedHashMap<>();
        if (s.epoch > 0) {
            for (TopicPartition tp : forgotten) {
                UUID id = topicId(s, cluster, tp.topic());
                if (id != null) {
                    forget.computeIfAbsent(id, i -> new ShareFetchRequest.ForgottenTopic().setTopicId(i)).partitions().add(tp.partition());
                }
            }
        }
        r.setForgottenTopicsData(new ArrayList<>(forget.values()));
        s.carried = carried;
        s.carriedAcks = carriedAcks;
        s.sentPartitions = s.epoch == 0 ? new HashSet<>(partitions) : listed;
        s.sentForgotten = s.epoch == 0 ? Set.of() : forgotten;
        s.sentEpoch = s.epoch;
        s.inFlight = client.send(node, r);
    }

    /** The topic of {@code id} as this session's requests named it, else as metadata names it now, else null. */
    private String topicName(Session s, UUID id) {
        String name = s.names.get(id);
        return name != null ? name : client.cluster().topicName(id);
    }

    /**
     * The id metadata gives {@code topic}, else the id session {@code s} named it by (a topic deleted since, which
     * metadata no longer describes: the broker answers for it, and the acknowledgements of its records are
     * reported rather than kept pending for ever; ids are never reused), else null.
     */
    private static UUID topicId(Session s, Cluster cluster, String topic) {
        UUID id = topicId(cluster, topic);
        if (id != null) {
            return id;
        }
        for (Map.Entry<UUID, String> e : s.names.entrySet()) {
            if (e.getValue().equals(topic)) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * The id metadata gives {@code topic}, or null while it gives none: a topic metadata reported with an
     * error carries the zero id, and naming it would merge every such topic into one entry of a request.
     */
    private static UUID topicId(Cluster cluster, String topic) {
        Cluster.TopicInfo t = cluster.topic(topic);
        return t == null || t.id() == null || (t.id().getMostSignificantBits() == 0 && t.id().getLeastSignificantBits() == 0) ? null : t.id();
    }

    @FunctionalInterface
    private interface BatchSink {
        void add(long first, long last, List<Byte> types);
    }

    /**
     * Takes the pending acknowledgements of the records of {@code tp} that {@code node} delivered, as batches of
     * consecutive offsets; returns their offsets.
     */
    private Set<Long> takeAcks(int node, TopicPartition tp, BatchSink sink) {
        TreeMap<Long, Byte> acks = pending.take(node, tp);
        if (acks == null || acks.isEmpty()) {
            return Set.of();
        }
        // One batch per run of consecutive offsets with one type, carrying that type once: the broker
        // then keeps the run as one state entry (a type per offset makes it track each offset).
        long first = -1;
        long last = -2;
        byte type = -1;
        for (Map.Entry<Long, Byte> e : acks.entrySet()) {
            if (e.getKey() != last + 1 || e.getValue() != type) {
                if (first >= 0) {
                    sink.add(first, last, List.of(type));
                }
                first = e.getKey();
                type = e.getValue();
            }
            last = e.getKey();
        }
        sink.add(first, last, List.of(type));
        return new LinkedHashSet<>(acks.keySet());
    }

    /** Reads the finished ShareFetch of {@code node}: its records, its acknowledgement results, the session. */
    private void collect(int node, Session s, List<ShareRecord<K, V>> out) {
        CompletableFuture<?> f = s.inFlight;
        s.inFlight = null;
        Map<TopicPartition, Set<Long>> carried = s.carried;
        s.carried = Map.of();
        if (s.ackInFlight) {
            s.ackInFlight = false;
            @SuppressWarnings("unchecked")
            CompletableFuture<ShareAcknowledgeResponse> ack = (CompletableFuture<ShareAcknowledgeResponse>) f;
            acknowledged(node, s, ack, carried, new LinkedHashMap<>(), s.retryUntilNanos, new HashMap<>());
            return;
        }
        Map<TopicPartition, TreeMap<Long, Byte>> carriedAcks = s.carriedAcks;
        s.carriedAcks = Map.of();
        ShareFetchResponse resp;
        try {
            resp = (ShareFetchResponse) f.join();
        } catch (RuntimeException e) {
            Throwable cause = Retry.cause(e);
            failSession(s, carried, cause);
            if (cause instanceof UnsupportedVersionException u) {
                fatal = new UnsupportedVersionException("share groups (KIP-932) need brokers with share groups: "
                        + "Apache Kafka 4.1 or later (production-ready from 4.2). " + u.getMessage());
            }
            client.refreshMetadata();
            return;
        }
        try {
            ErrorCode top = ErrorCode.forCode(resp.errorCode());
            if (top != ErrorCode.NONE) {
                SkeinException failure = top.exception("share fetch from broker " + node, resp.errorMessage());
                failSession(s, carried, failure);
                if (isFatal(top)) {
                    fatal = top.exception("share fetch for group " + group, resp.errorMessage());
                } else if (!top.isRetriable()) {
                    warnRarely(failure);
                }
                return;
            }
            // The session moved on: opened (epoch 0 -> 1) or one step further; it now holds what was listed.
            s.epoch = nextEpoch(s.sentEpoch);
            s.partitions.addAll(s.sentPartitions);
            s.partitions.removeAll(s.sentForgotten);
            Set<TopicPartition> failed = new HashSet<>();
            Set<String> denied = new java.util.TreeSet<>();
            List<MetadataManager.LeaderHint> hints = new ArrayList<>();
            for (ShareFetchResponse.ShareFetchableTopicResponse t : resp.responses()) {
                String topic = topicName(s, t.topicId());
                for (ShareFetchResponse.PartitionData p : t.partitions()) {
                    if (topic == null) {
                        log.warn("share fetch from broker {} answered for topic id {}, which this session never named: "
                                + "{} partition(s) skipped", node, t.topicId(), t.partitions().size());
                        break;
                    }
                    TopicPartition tp = new TopicPartition(topic, p.partitionIndex());
                    Set<Long> acked = carried.remove(tp);
                    if (acked != null) {
                        ErrorCode ackError = ErrorCode.forCode(p.acknowledgeErrorCode());
                        TreeMap<Long, Byte> types = carriedAcks.get(tp);
                        if (ackError != ErrorCode.NONE && types != null && retriable(ackError) && s.partitions.contains(tp)
                                && retryAcks(tp)) {
                            // Not applied (a failed share-state write is rolled back) and the session lives on and
                            // still holds the partition (not forgotten by this request): the next request carries
                            // them again, as a commit sends a ShareAcknowledge's again. An acknowledgement given
                            // since for the same offset wins.
                            pending.putBack(node, tp, types);
                        } else {
                            report(Map.of(tp, acked), ackError == ErrorCode.NONE ? null
                                    : ackError.exception("acknowledging " + tp, p.acknowledgeErrorMessage()));
                        }
                    }
                    ErrorCode error = ErrorCode.forCode(p.errorCode());
                    if (error != ErrorCode.NONE && s.sentForgotten.contains(tp)) {
                        // Listed only to carry its acknowledgements (reported above) while this request forgets it:
                        // this broker no longer serves it here (a leader moved, say), so its error says nothing of the
                        // partition where it is fetched now, and must not hold it back there.
                        continue;
                    }
                    if (error != ErrorCode.NONE) {
                        failed.add(tp);
                        ShareFetchResponse.LeaderIdAndEpoch leader = p.currentLeader();
                        if ((error == ErrorCode.NOT_LEADER_OR_FOLLOWER || error == ErrorCode.FENCED_LEADER_EPOCH)
                                && leader != null && leader.leaderId() >= 0) {
                            hints.add(new MetadataManager.LeaderHint(tp.topic(), tp.partition(), leader.leaderId(),
                                    leader.leaderEpoch()));
                        } else {
                            fetchFailed(node, tp, error, p.errorMessage(), denied);
                        }
                        continue;
                    }
                    decode(node, tp, p, out);
                }
            }
            if (!denied.isEmpty()) {
                defer(AbstractMembership.deniedTopics(denied, t -> true, true));
            }
            if (!hints.isEmpty()) {
                followLeaderHints(node, resp, hints);
            }
            for (TopicPartition tp : s.sentPartitions) {
                if (!failed.contains(tp) && !s.sentForgotten.contains(tp)) { // listed only for acknowledgements: not fetched
                    fetchBackoff.remove(tp); // fetched again after its backoff and answered without an error
                }
            }
            if (!carried.isEmpty()) {
                report(carried, null); // acknowledged partitions the response did not list: taken
            }
        } finally {
            resp.releaseRecords();
        }
    }

    /**
     * A partition's error in a ShareFetch answer, as Apache Kafka's share consumer reads it: a denied topic (added to
     * {@code denied}, raised naming the topics), a corrupt message and any other error no retry clears are raised by
     * poll() (after the good records of the answer); a leader change, an unknown partition or another retriable error
     * asks for metadata. Either way the partition backs off before it is fetched again.
     */
    private void fetchFailed(int node, TopicPartition tp, ErrorCode error, String message, Set<String> denied) {
        FetchBackoff b = fetchBackoff.computeIfAbsent(tp, k -> new FetchBackoff());
        b.failures++;
        b.untilNanos = System.nanoTime() + Backoff.nanos(b.failures, settings.client().retryBackoff(),
                settings.client().retryBackoffMax());
        switch (error) {
            case TOPIC_AUTHORIZATION_FAILED -> denied.add(tp.topic());
            case CORRUPT_MESSAGE -> defer(error.exception("share fetch of " + tp + " from broker " + node, message));
            case UNKNOWN_SERVER_ERROR -> warnRarely(error.exception("share fetch of " + tp + " from broker " + node, message));
            default -> {
                if (error.isRetriable()) {
                    log.debug("share fetch of {} from broker {}: {}", tp, node, error);
                    client.refreshMetadata();
                } else {
                    defer(error.exception("share fetch of " + tp + " from broker " + node, message));
                }
            }
        }
    }

    /**
     * Turns the partitions a ShareFetch answer refused for want of leadership to the leaders it names (KIP-951:
     * current_leader, with node_endpoints for brokers metadata may not list yet), as the producer does with a
     * Produce answer: the next poll fetches them there at once, with no backoff and no metadata refresh. A hint
     * no newer than what metadata knows (or naming an unknown broker) is ignored, and its partition backs off and
     * asks for metadata as without one.
     */
    private void followLeaderHints(int node, ShareFetchResponse resp, List<MetadataManager.LeaderHint> hints) {
        List<Node> endpoints = new ArrayList<>();
        resp.nodeEndpoints().forEach(n -> endpoints.add(new Node(n.nodeId(), n.host(), n.port(), n.rack())));
        List<MetadataManager.LeaderHint> notFollowed = client.metadata().followLeaderHints(node, hints, endpoints);
        for (MetadataManager.LeaderHint h : hints) {
            TopicPartition tp = new TopicPartition(h.topic(), h.partition());
            if (notFollowed.contains(h)) {
                fetchFailed(node, tp, ErrorCode.NOT_LEADER_OR_FOLLOWER, null, new HashSet<>());
            } else {
                fetchBackoff.remove(tp); // followed: fetched from the new leader at once
            }
        }
    }

    /** Errors that no retry can clear: the rest (an unknown server error too) start the session over. */
    private static boolean isFatal(ErrorCode e) {
        return e == ErrorCode.GROUP_AUTHORIZATION_FAILED || e == ErrorCode.TOPIC_AUTHORIZATION_FAILED
                || e == ErrorCode.INVALID_REQUEST || e == ErrorCode.UNSUPPORTED_VERSION;
    }

    /** The epoch after {@code epoch}: one more, wrapping to 1 as the broker does. */
    private static int nextEpoch(int epoch) {
        return epoch == Integer.MAX_VALUE ? 1 : epoch + 1;
    }

    /**
     * Warns of a share fetch the broker refuses for a reason no retry is known to clear (UNKNOWN_SERVER_ERROR, say),
     * at most once a minute: the member goes on asking, and reads nothing while the refusals last. Logged at debug
     * only, a Kafka 4.1 broker failing on every ShareFetch (it could not decode Skein's member id) went unseen.
     */
    private void warnRarely(SkeinException failure) { // a ShareFetch's, or one partition's in its answer
        long now = System.nanoTime();
        if (lastRefusalWarningNanos == 0 || now - lastRefusalWarningNanos > TimeUnit.MINUTES.toNanos(1)) {
            lastRefusalWarningNanos = now;
            log.warn("share group {}: {}; asking again, and nothing is read while the broker refuses", group,
                    failure.getMessage());
        }
    }

    /** The request failed as a whole: its acknowledgements are lost (their records come back), the session starts over. */
    private void failSession(Session s, Map<TopicPartition, Set<Long>> carried, Throwable cause) {
        log.debug("share session request failed: {}", cause.toString());
        s.epoch = 0;
        s.partitions.clear();
        s.retryAtNanos = System.nanoTime() + settings.client().retryBackoff().toNanos();
        if (!carried.isEmpty()) {
            report(carried, cause instanceof Exception e ? e : new SkeinException(cause.toString(), cause));
        }
    }

    /**
     * The acquired records of one partition that broker {@code node} delivered, with their delivery counts; acquired
     * offsets without a record are gaps. Their acknowledgements go to {@code node}'s share session.
     */
    private void decode(int node, TopicPartition tp, ShareFetchResponse.PartitionData p, List<ShareRecord<K, V>> out) {
        List<ShareFetchResponse.AcquiredRecords> acquired = p.acquiredRecords();
        if (acquired.isEmpty()) {
            return;
        }
        Set<Long> seen = new HashSet<>();
        if (p.records() != null && p.records().isReadable()) {
            RecordBatchReader.Framed framed = RecordBatchReader.frame(p.records(), tp.topic(), tp.partition());
            for (RecordBatch batch : framed.batches()) {
                if (batch.isControl()) {
                    continue;
                }
                try {
                    if (settings.checkCrcs()) {
                        batch.verifyCrc();
                    }
                } catch (RuntimeException e) {
                    // A corrupt batch: its acquired records go back (they are not gaps), the error is raised.
                    for (long o = batch.baseOffset(); o <= batch.lastOffset(); o++) {
                        if (deliveryCount(acquired, o) >= 0) {
                            seen.add(o);
                            pend(node, tp, o, AcknowledgeType.RELEASE.code());
                        }
                    }
                    defer(e);
                    continue;
                }
                // Decompressed within the buffer budget, as the consumer's fetches are (FetchCollector); a batch
                // over it is released and raised as too large, not corrupt, as there.
                int maxBatch = (int) Math.min(Integer.MAX_VALUE, settings.bufferMaxBytes());
                try (RecordCursor r = batch.cursor(client.resources().allocator(), maxBatch)) {
                    while (r.next()) {
                        int count = deliveryCount(acquired, r.offset());
                        if (count < 0) {
                            continue;
                        }
                        try {
                            ShareRecord<K, V> record = new ShareRecord<>(tp.topic(), tp.partition(), r.offset(), r.timestamp(),
                                    deserialize(keys, tp, r, SerdeContext.Target.KEY),
                                    deserialize(values, tp, r, SerdeContext.Target.VALUE), r.headers(), count);
                            deliveredBy.put(record, node);
                            out.add(record);
                        } catch (RecordDeserializationException e) {
                            // Released: it comes back (counted) and the delivery count limit archives it in the end.
                            pend(node, tp, r.offset(), AcknowledgeType.RELEASE.code());
                            defer(e);
                        }
                        seen.add(r.offset()); // handed out or released; one that threw else is released below
                    }
                } catch (RuntimeException e) {
                    // The batch does not decode past here (it does not decompress, names an unknown codec, or
                    // holds a malformed record): the records read from it so far are handed out; those acquired
                    // with it and not read go back now, as a batch failing its CRC does, and the error is
                    // raised once this poll's good records were handed out. The partition's next batches, and
                    // the answer's other partitions, read on.
                    for (long o = batch.baseOffset(); o <= batch.lastOffset(); o++) {
                        if (!seen.contains(o) && deliveryCount(acquired, o) >= 0) {
                            seen.add(o);
                            pend(node, tp, o, AcknowledgeType.RELEASE.code());
                        }
                    }
                    defer(e instanceof RecordTooLargeException t
                            ? CompletedFetch.overBound(t, maxBatch, "raise it to read the batch; its records were released")
                            : e instanceof CorruptRecordException ? e : new CorruptRecordException("record batch in " + tp
                            + " at offset " + batch.baseOffset() + " does not decode: " + e, e, false));
                }
            }
            if (framed.error() != null) {
                // The partition's records cannot be framed from a bad batch on: the good batches before it were
                // handed out above; every record acquired from it on goes back now (counted toward the delivery
                // limit), not when its lock runs out, and the error is raised once this poll's good records
                // were handed out. Other partitions read on.
                long from = framed.batches().isEmpty() ? Long.MIN_VALUE
                        : framed.batches().get(framed.batches().size() - 1).nextOffset();
                for (ShareFetchResponse.AcquiredRecords a : acquired) {
                    for (long o = Math.max(from, a.firstOffset()); o <= a.lastOffset(); o++) {
                        if (seen.add(o)) {
                            pend(node, tp, o, AcknowledgeType.RELEASE.code());
                        }
                    }
                }
                defer(framed.error());
            }
        }
        for (ShareFetchResponse.AcquiredRecords a : acquired) {
            for (long o = a.firstOffset(); o <= a.lastOffset(); o++) {
                if (!seen.contains(o)) {
                    pend(node, tp, o, GAP);
                }
            }
        }
    }

    /** Keeps the first error of a poll, raised once its good records were handed out. */
    private void defer(RuntimeException e) {
        if (deferred == null) {
            deferred = e;
        }
    }

    private static int deliveryCount(List<ShareFetchResponse.AcquiredRecords> acquired, long offset) {
        for (ShareFetchResponse.AcquiredRecords a : acquired) {
            if (offset >= a.firstOffset() && offset <= a.lastOffset()) {
                return a.deliveryCount();
            }
        }
        return -1;
    }

    private static <T> T deserialize(Deserializer<T> d, TopicPartition tp, RecordCursor r, SerdeContext.Target target) {
        SerdeContext ctx = SerdeContext.forConsumer(tp.topic(), target, r.headers(), tp.partition(), r.offset());
        boolean key = target == SerdeContext.Target.KEY;
        try {
            return d.deserialize(key ? r.key() : r.value(), ctx);
        } catch (RuntimeException e) {
            throw new RecordDeserializationException("cannot deserialize the " + (key ? "key" : "value")
                    + " of the record at " + tp + " offset " + r.offset() + ": " + e.getMessage(), ctx,
                    key ? r.copyKey() : r.copyValue(), e);
        }
    }

    /** Whether the acknowledgements of {@code tp} a ShareFetch answered with a retriable error go again (see {@link #ackRetryUntil}). */
    private boolean retryAcks(TopicPartition tp) {
        long now = System.nanoTime();
        long until = ackRetryUntil.computeIfAbsent(tp, k -> now + settings.defaultApiTimeout().toNanos());
        return now - until < 0;
    }

    private void report(Map<TopicPartition, Set<Long>> offsets, Exception error) {
        ackRetryUntil.keySet().removeAll(offsets.keySet());
        AcknowledgementCommitCallback cb = callback;
        if (cb != null) {
            callbacks.add(() -> cb.onComplete(offsets, error));
        }
    }

    private void runCallbacks() {
        while (!callbacks.isEmpty()) {
            List<Runnable> now = new ArrayList<>(callbacks);
            callbacks.clear();
            for (Runnable r : now) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    log.warn("acknowledgement commit callback threw: {}", e.toString());
                }
            }
        }
    }

    @Override
    public Map<TopicPartition, Optional<Exception>> commitSync() {
        return commitSync(settings.defaultApiTimeout());
    }

    @Override
    public Map<TopicPartition, Optional<Exception>> commitSync(Duration timeout) {
        ensureOpen();
        Map<TopicPartition, Optional<Exception>> result = acknowledgeNow(timeout, false);
        runCallbacks();
        return result;
    }

    @Override
    public void commitAsync() {
        ensureOpen();
        acknowledgeNow(Duration.ZERO, false);
    }

    /** Adds an acknowledgement of {@code offset} in {@code tp}, delivered by {@code node}, to the pending ones (a later one for it wins). */
    private void pend(int node, TopicPartition tp, long offset, byte type) {
        pending.add(node, tp, offset, type);
    }

    /** Adds the acknowledgement of {@code r}, for the broker that delivered it, to the pending ones. */
    private void pend(ShareRecord<K, V> r, byte type) {
        Integer node = deliveredBy.remove(r);
        pend(node == null ? -1 : node, new TopicPartition(r.topic(), r.partition()), r.offset(), type);
    }

    /** Releases {@code records} (acquired, not to be processed here). */
    private void release(Collection<ShareRecord<K, V>> records) {
        for (ShareRecord<K, V> r : records) {
            pend(r, AcknowledgeType.RELEASE.code());
        }
    }

    /**
     * Sends every pending acknowledgement with ShareAcknowledge, one request per broker after the
     * request in flight there (a session takes one at a time); {@code close} (close() and unsubscribe())
     * closes the sessions too (epoch -1), which releases what this member acquired and did not acknowledge.
     * A partition answered with a retriable error on a live session is sent again until the deadline (for
     * commitAsync, default.api.timeout.ms from now), as Apache Kafka's share consumer does; not at close,
     * whose session ends with the request anyway.
     */
    private Map<TopicPartition, Optional<Exception>> acknowledgeNow(Duration timeout, boolean close) {
        settleLastPoll();
        if (close) {
            // Returned and not acknowledged (explicit mode), or acquired and never handed out: give them back.
            release(lastPoll);
            lastPoll = List.of();
            release(early);
            early.clear();
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        long retryUntil = close ? System.nanoTime() : timeout.isZero() ? System.nanoTime() + settings.defaultApiTimeout().toNanos() : deadline;
        Map<TopicPartition, Optional<Exception>> result = new LinkedHashMap<>();
        Map<TopicPartition, Exception> retried = new HashMap<>();
        failUndeliverable(close ? Set.of() : assigned(client.cluster()), close, timeout.isZero() ? null : result);
        while (true) {
            boolean again = false;
            Map<Integer, CompletableFuture<ShareAcknowledgeResponse>> sent = sendAcknowledgements(deadline, close);
            for (Map.Entry<Integer, CompletableFuture<ShareAcknowledgeResponse>> e : sent.entrySet()) {
                Session s = sessions.get(e.getKey());
                if (!timeout.isZero()) {
                    waitFor(e.getValue(), Math.max(0, deadline - System.nanoTime()));
                }
                if (!e.getValue().isDone()) {
                    // commitAsync, or no answer in time: a later poll or commit reads it (the session waits for it).
                    if (!timeout.isZero()) {
                        s.carried.keySet().forEach(tp -> result.put(tp, Optional.of(new TimeoutException(
                                "no answer to the acknowledgement of " + tp + " within " + timeout, null, true))));
                    }
                    s.ackInFlight = true;
                    s.retryUntilNanos = retryUntil;
                    continue;
                }
                Map<TopicPartition, Set<Long>> carried = s.carried;
                s.carried = Map.of();
                s.inFlight = null;
                again |= acknowledged(e.getKey(), s, e.getValue(), carried, result, retryUntil, retried);
            }
            long left = deadline - System.nanoTime();
            if (!again || timeout.isZero() || left <= 0) {
                break;
            }
            waitFor(new CompletableFuture<Void>(), Math.min(left, settings.client().retryBackoff().toNanos()));
        }
        if (!timeout.isZero()) {
            // ShareConsumer's contract: every partition with acknowledgements is in commitSync's result. What
            // is still pending was not applied by this commit (not sent: its session's request unanswered by the
            // deadline, or no session open to its leader; or answered with a retriable error until the deadline):
            // it goes with a later request.
            for (ShareAcks.Source src : pending.sources()) {
                TopicPartition tp = src.tp();
                Exception last = retried.get(tp);
                result.put(tp, Optional.of(last != null ? last : new TimeoutException("the acknowledgements of " + tp
                        + " were not sent within " + timeout + " (the share session to its leader was busy or not open); "
                        + "a later request carries them", null, true)));
            }
        }
        if (close) {
            // No later request carries them: the sessions are closed. Told, not dropped; the close released their records.
            for (ShareAcks.Source src : pending.sources()) {
                TopicPartition tp = src.tp();
                Exception last = retried.get(tp);
                report(Map.of(tp, new LinkedHashSet<>(pending.take(src.node(), tp).keySet())), last != null ? last
                        : new TimeoutException("the acknowledgements of " + tp + " were not sent before the share "
                        + "sessions closed", null, true));
            }
        }
        return result;
    }

    /**
     * Sends one ShareAcknowledge per session with pending acknowledgements (with every session, at close).
     * Sessions free now send at once; those with a request in flight are waited for together, each sending
     * as soon as its answer is in, so that one busy or unreachable broker neither holds back nor eats the
     * time of the acknowledgements to the others. A commit does not wait for a session with nothing to
     * acknowledge.
     */
    private Map<Integer, CompletableFuture<ShareAcknowledgeResponse>> sendAcknowledgements(long deadline, boolean close) {
        Map<Integer, CompletableFuture<ShareAcknowledgeResponse>> sent = new HashMap<>();
        Set<Integer> busy = new LinkedHashSet<>();
        for (Map.Entry<Integer, Session> e : sessions.entrySet()) {
            int node = e.getKey();
            Session s = e.getValue();
            if (!close && !hasAcksFor(node, s)) {
                continue;
            }
            if (s.inFlight != null && !s.inFlight.isDone()) {
                busy.add(node);
                continue;
            }
            if (s.inFlight != null) {
                collectOutsidePoll(node, s, close);
            }
            sendAcknowledgement(node, s, close, false, sent);
        }
        while (!busy.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                List<CompletableFuture<?>> waiting = new ArrayList<>();
                busy.forEach(node -> waiting.add(sessions.get(node).inFlight));
                waitFor(CompletableFuture.anyOf(waiting.toArray(CompletableFuture[]::new)), left);
            }
            for (java.util.Iterator<Integer> it = busy.iterator(); it.hasNext(); ) {
                int node = it.next();
                Session s = sessions.get(node);
                if (s.inFlight.isDone()) {
                    it.remove();
                    collectOutsidePoll(node, s, close);
                    sendAcknowledgement(node, s, close, false, sent);
                }
            }
            if (!busy.isEmpty() && deadline - System.nanoTime() <= 0) {
                if (close) {
                    for (int node : busy) {
                        Session s = abandon(node, sessions.get(node));
                        sessions.put(node, s);
                        sendAcknowledgement(node, s, true, true, sent);
                    }
                }
                break; // a commit: answered later, its acknowledgements go with the next request
            }
        }
        return sent;
    }

    /**
     * Completes, to the acknowledgement-commit callback, the pending acknowledgements no request can carry any
     * more: those of a partition that no share session holds (nor will once the request in flight to it is
     * answered) and that is no longer assigned, or at close ({@code close}) not held at all. Apache Kafka's share
     * consumer fails acknowledgements it cannot send to the session of the broker that delivered their records
     * with NOT_LEADER_OR_FOLLOWER; so does this. Their records come back to the group when their locks run out.
     * Kept pending instead, each commit reported them not sent in time and close() dropped them unreported.
     */
    private void failUndeliverable(Set<TopicPartition> assigned, boolean close, Map<TopicPartition, Optional<Exception>> result) {
        if (pending.isEmpty() || (!close && assignmentUnnamed())) {
            return; // an assigned topic metadata does not name now may be one of them
        }
        Cluster cluster = client.cluster();
        for (ShareAcks.Source src : pending.sources()) {
            TopicPartition tp = src.tp();
            if (heldBySession(src.node(), tp) || (!close && assigned.contains(tp) && mayLeadAgain(cluster, src.node(), tp))) {
                continue;
            }
            Exception e = ErrorCode.NOT_LEADER_OR_FOLLOWER.exception("acknowledging " + tp, "no share session holds the "
                    + "partition any more" + (close ? "" : " and it is no longer assigned")
                    + "; its records come back to the group when their locks run out");
            report(Map.of(tp, new LinkedHashSet<>(pending.take(src.node(), tp).keySet())), e);
            if (result != null) {
                result.put(tp, Optional.of(e));
            }
        }
    }

    /** Whether metadata names no topic for an id of the assignment (a refresh answered with an error, say). */
    private boolean assignmentUnnamed() {
        Map<UUID, List<Integer>> a;
        synchronized (membershipLock) {
            a = assignment;
        }
        Cluster cluster = client.cluster();
        for (UUID id : a.keySet()) {
            if (cluster.topicName(id) == null) {
                return true;
            }
        }
        return false;
    }

    /** Whether the share session to {@code node} holds {@code tp}, or will once the request in flight to it is answered. */
    private boolean heldBySession(int node, TopicPartition tp) {
        Session s = sessions.get(node);
        return s != null && (s.partitions.contains(tp) || (s.inFlight != null && s.sentPartitions.contains(tp)));
    }

    /**
     * Whether {@code node}'s session may take {@code tp} again (it leads it, or metadata names no leader now): an
     * assigned partition's acknowledgements then wait for the next request to it, not for another leader's.
     */
    private static boolean mayLeadAgain(Cluster cluster, int node, TopicPartition tp) {
        Cluster.PartitionInfo info = cluster.partition(tp.topic(), tp.partition());
        return info == null || info.leader() < 0 || info.leader() == node;
    }

    /**
     * Whether acknowledgements are pending for a partition of {@code s}, or of the request in flight on it
     * (one opening the session acquires for those it lists, and a ShareAcknowledge may follow once it is answered).
     */
    private boolean hasAcksFor(int node, Session s) {
        for (TopicPartition tp : pending.partitions(node)) {
            if (s.partitions.contains(tp) || (s.inFlight != null && s.sentPartitions.contains(tp))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Sends a ShareAcknowledge on {@code s} with its pending acknowledgements (with none at close, which it
     * closes with epoch -1), unless it is not open; {@code unanswered}: its last request was abandoned.
     */
    private void sendAcknowledgement(int node, Session s, boolean close, boolean unanswered,
                                     Map<Integer, CompletableFuture<ShareAcknowledgeResponse>> sent) {
        if (s.epoch == 0 && !unanswered) {
            return; // no open session: nothing acquired through it, nothing to acknowledge or close
        }
        Cluster cluster = client.cluster();
        Map<UUID, ShareAcknowledgeRequest.AcknowledgeTopic> topics = new LinkedHashMap<>();
        Map<TopicPartition, Set<Long>> carried = new HashMap<>();
        Map<TopicPartition, TreeMap<Long, Byte>> acks = new HashMap<>();
        for (TopicPartition tp : pending.partitions(node)) {
            if (!s.partitions.contains(tp)) {
                continue;
            }
            UUID id = topicId(s, cluster, tp.topic());
            if (id == null) {
                continue;
            }
            ShareAcknowledgeRequest.AcknowledgePartition p = new ShareAcknowledgeRequest.AcknowledgePartition()
                    .setPartitionIndex(tp.partition());
            acks.put(tp, pending.get(node, tp));
            Set<Long> offsets = takeAcks(node, tp, (first, last, types) -> p.acknowledgementBatches().add(
                    new ShareAcknowledgeRequest.AcknowledgementBatch().setFirstOffset(first).setLastOffset(last)
                            .setAcknowledgeTypes(types)));
            carried.put(tp, offsets);
            topics.computeIfAbsent(id, i -> new ShareAcknowledgeRequest.AcknowledgeTopic().setTopicId(i)).partitions().add(p);
            s.names.put(id, tp.topic());
        }
        if (topics.isEmpty() && !close) {
            return;
        }
        int epoch = close ? -1 : s.epoch;
        ShareAcknowledgeRequest r = new ShareAcknowledgeRequest().setGroupId(group).setMemberId(memberId)
                .setShareSessionEpoch(epoch).setTopics(new ArrayList<>(topics.values()));
        s.sentEpoch = epoch;
        CompletableFuture<ShareAcknowledgeResponse> f = client.send(node, r);
        sent.put(node, f);
        s.carried = carried;
        s.carriedAcks = acks;
        s.inFlight = f;
    }

    /**
     * Gives up on the request in flight of a session that close() or unsubscribe() is closing, unanswered at
     * their deadline: the final-epoch ShareAcknowledge goes anyway, so that the leader releases what the member
     * acquired now rather than when the locks run out, and the broker's share-session slot is freed. The broker
     * takes epoch -1 whatever epoch the session is at (it checks only that the session exists, KIP-932) and
     * serves one connection's requests in order, so a request it has (a ShareFetch waiting for records) is
     * answered first and whatever that acquired is released by the close; one it never got is refused
     * afterwards, the session being gone. Returns the session that sends the close; the abandoned answer is
     * only freed, and the acknowledgements it carried are reported without a result (the close releases any
     * record whose acknowledgement did not arrive: it comes back, at least once).
     */
    private Session abandon(int node, Session s) {
        s.inFlight.whenComplete((resp, err) -> {
            if (resp instanceof ShareFetchResponse r) {
                r.releaseRecords();
            }
        });
        if (!s.carried.isEmpty()) {
            report(s.carried, new TimeoutException("no answer from broker " + node + " before the share session was "
                    + "closed; what these acknowledgements did not settle was released", null, true));
        }
        Session next = new Session();
        next.epoch = s.epoch;
        next.partitions.addAll(s.partitions);
        next.names.putAll(s.names);
        return next;
    }

    /**
     * Reads a finished ShareAcknowledge: the session moves on (or, after one that closed it, starts over), each
     * partition's result goes to {@code result} and the callback.
     */
    private boolean acknowledged(int node, Session s, CompletableFuture<ShareAcknowledgeResponse> f,
                                 Map<TopicPartition, Set<Long>> carried, Map<TopicPartition, Optional<Exception>> result,
                                 long retryUntil, Map<TopicPartition, Exception> retried) {
        Map<TopicPartition, TreeMap<Long, Byte>> acks = s.carriedAcks;
        s.carriedAcks = Map.of();
        boolean again = false;
        try {
            ShareAcknowledgeResponse resp = f.join();
            ErrorCode top = ErrorCode.forCode(resp.errorCode());
            if (top != ErrorCode.NONE) {
                SkeinException ex = top.exception("share acknowledge to broker " + node, resp.errorMessage());
                carried.keySet().forEach(tp -> result.put(tp, Optional.of(ex)));
                failSession(s, carried, ex);
                return false;
            }
            if (s.sentEpoch == -1) {
                // Closed (read here even when answered after the unsubscribe() that sent it): the next
                // request opens a new session.
                s.epoch = 0;
                s.partitions.clear();
            } else {
                s.epoch = nextEpoch(s.sentEpoch);
            }
            for (ShareAcknowledgeResponse.ShareAcknowledgeTopicResponse t : resp.responses()) {
                String topic = topicName(s, t.topicId());
                if (topic == null) {
                    continue; // never named: what was asked and not answered is reported below
                }
                for (ShareAcknowledgeResponse.PartitionData p : t.partitions()) {
                    TopicPartition tp = new TopicPartition(topic, p.partitionIndex());
                    ErrorCode error = ErrorCode.forCode(p.errorCode());
                    Exception ex = error == ErrorCode.NONE ? null : error.exception("acknowledging " + tp, p.errorMessage());
                    TreeMap<Long, Byte> types = acks.get(tp);
                    if (ex != null && types != null && carried.containsKey(tp) && retriable(error)
                            && s.sentEpoch != -1 && System.nanoTime() - retryUntil < 0) {
                        // The session lives on and the broker did not apply them (a failed share-state write is
                        // rolled back): the next request of this session carries them again. An acknowledgement
                        // given since for the same offset wins.
                        pending.putBack(node, tp, types);
                        carried.remove(tp);
                        retried.put(tp, ex);
                        result.remove(tp);
                        again = true;
                        continue;
                    }
                    retried.remove(tp);
                    result.put(tp, Optional.ofNullable(ex));
                    Set<Long> offsets = carried.remove(tp);
                    if (offsets != null) {
                        report(Map.of(tp, offsets), ex);
                    }
                }
            }
            carried.keySet().forEach(tp -> result.putIfAbsent(tp, Optional.empty()));
            if (!carried.isEmpty()) {
                report(carried, null);
            }
            return again;
        } catch (RuntimeException ex) {
            Throwable cause = Retry.cause(ex);
            Exception error = cause instanceof Exception x ? x : new SkeinException(cause.toString(), cause);
            carried.keySet().forEach(tp -> result.put(tp, Optional.of(error)));
            failSession(s, carried, cause);
            return false;
        }
    }

    /**
     * Whether a partition's acknowledgement error is worth sending again in the same session: retriable,
     * but not a leader change or a partition the broker does not know, whose locks no later request to this
     * broker can reach (Apache Kafka's ShareConsumeRequestManager draws the same line).
     */
    private static boolean retriable(ErrorCode error) {
        return error.isRetriable() && error != ErrorCode.NOT_LEADER_OR_FOLLOWER && error != ErrorCode.FENCED_LEADER_EPOCH
                && error != ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && error != ErrorCode.UNKNOWN_TOPIC_ID;
    }

    /**
     * Reads a finished request outside poll() (during a commit or close). Records a ShareFetch acquired
     * are handed out by the next poll; at close they are released with the last acknowledgements.
     */
    private void collectOutsidePoll(int node, Session s, boolean close) {
        List<ShareRecord<K, V>> late = new ArrayList<>();
        try {
            collect(node, s, late);
        } catch (RuntimeException e) {
            log.debug("reading a share fetch outside poll failed: {}", e.toString());
        }
        if (!close) {
            early.addAll(late);
            return;
        }
        release(late);
    }

    @Override
    public void setAcknowledgementCommitCallback(AcknowledgementCommitCallback callback) {
        this.callback = callback;
    }

    private void waitFor(CompletableFuture<?> f, long nanos) {
        try {
            f.get(nanos, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException | ExecutionException e) {
            // the caller looks at what finished
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SkeinException("interrupted", e);
        }
    }

    @Override
    public void wakeup() {
        CompletableFuture<Void> signal = wakeupSignal; // read first: the poll may swap it once it sees the flag
        wakeup.set(true);
        signal.complete(null);
    }

    private void checkWakeup() {
        if (wakeup.compareAndSet(true, false)) {
            wakeupSignal = new CompletableFuture<>();
            throw new WakeupException("wakeup() was called");
        }
        if (wakeupSignal.isDone() && !wakeup.get()) {
            wakeupSignal = new CompletableFuture<>(); // a signal completed for a wakeup already taken
        }
    }

    private void throwFatal() {
        RuntimeException e = fatal;
        if (e != null) {
            throw e;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the share consumer is closed");
        }
    }

    @Override
    public void close() {
        close(settings.defaultApiTimeout());
    }

    @Override
    public void close(Duration timeout) {
        if (closed) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            acknowledgeNow(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), true);
            runCallbacks();
            synchronized (membershipLock) {
                closed = true;
            }
            leave(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (RuntimeException e) {
            log.warn("closing the share consumer: {}", e.toString());
        } finally {
            closed = true;
            client.close();
        }
    }
}
