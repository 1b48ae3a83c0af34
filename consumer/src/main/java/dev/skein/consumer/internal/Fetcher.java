package dev.skein.consumer.internal;

import dev.skein.consumer.ConsumerOptions;
import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.internal.metadata.MetadataManager;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.FetchRequest;
import dev.skein.core.message.FetchResponse;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Pre-fetches in the background, on one event loop: one Fetch in flight per broker, for the
 * fetchable partitions that broker leads and that have no data buffered yet. Responses become
 * {@link CompletedFetch}es queued for the polling thread.
 *
 * <p>Memory: every buffered fetch counts against {@code skein.buffer.max.bytes}; no fetch is sent
 * while the budget is used up, and each asks for at most what is left of it (the broker still returns
 * one whole first batch, so a partition whose next batch is larger still progresses).
 */
final class Fetcher implements FetchCollector.Source {
    private static final Logger log = LoggerFactory.getLogger(Fetcher.class);
    private static final UUID NO_TOPIC_ID = new UUID(0, 0);

    private final ConsumerOptions settings;
    private final ClusterClient client;
    private final SubscriptionState subscriptions;
    private final Runnable onData;
    private final EventLoop loop;
    private final ConcurrentLinkedQueue<CompletedFetch> completed = new ConcurrentLinkedQueue<>();
    private final Set<TopicPartition> buffered = ConcurrentHashMap.newKeySet();
    private final AtomicLong bufferedBytes = new AtomicLong();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final Map<TopicPartition, ErrorCode> partitionErrors = new ConcurrentHashMap<>();
    /** The fetch offset of a CORRUPT_MESSAGE in {@link #partitionErrors}, for the error's message; put before it. */
    private final Map<TopicPartition, Long> corruptAt = new ConcurrentHashMap<>();
    private final Set<Integer> inFlight = new HashSet<>(); // event-loop confined
    private final Map<Integer, FetchSession> sessions = new HashMap<>(); // event-loop confined
    /** Per broker, its fetched partitions queued and not yet consumed (counted on the loop, counted down by the polling thread). */
    private final Map<Integer, AtomicInteger> queuedPerNode = new HashMap<>(); // map event-loop confined
    /** The last fetch round found the buffer budget used up: it waits for the polling thread to free some. */
    private volatile boolean waitingForRoom;
    private volatile Consumer<Boolean> requestListener = incremental -> { };
    private volatile boolean closed;
    private volatile LongConsumer latencyListener = n -> { };
    private final PositionValidator validator;
    private final DecompressAhead decompressAhead;
    /** KIP-392: the replica a leader named for this consumer's rack, used until it expires or fails. */
    private final Map<TopicPartition, ReadReplica> readReplicas = new HashMap<>(); // event-loop confined

    private record ReadReplica(int node, long untilNanos) {}

    /**
     * Partitions a broker answered with an error that only fresh metadata can clear (UNKNOWN_TOPIC_ID,
     * NOT_LEADER_OR_FOLLOWER...), with the metadata update count current when it came: not fetched again
     * until a newer snapshot arrives. Brokers answer such errors at once, so refetching with the same
     * snapshot sent Fetch requests back to back until the refresh landed, which backs off to
     * {@code retry.backoff.max.ms} when answers bring no news. As Apache Kafka's fetcher, which does not
     * fetch a partition whose metadata is being refreshed. Event-loop confined.
     */
    private final Map<TopicPartition, Long> awaitingMetadata = new HashMap<>();

    void latencyListener(LongConsumer l) {
        this.latencyListener = l;
    }

    /** Told of every Fetch sent: true when it was incremental (KIP-227). */
    void requestListener(Consumer<Boolean> l) {
        this.requestListener = l;
    }

    Fetcher(ConsumerOptions settings, ClusterClient client, SubscriptionState subscriptions, Runnable onData) {
        this.settings = settings;
        this.client = client;
        this.subscriptions = subscriptions;
        this.onData = onData;
        this.loop = client.resources().eventLoops().next();
        this.decompressAhead = new DecompressAhead(loop, client.resources().allocator(),
                (int) Math.min(Integer.MAX_VALUE, settings.bufferMaxBytes()), settings.bufferMaxBytes() / 64); // 1 MiB by default
        this.validator = new PositionValidator(settings, client, subscriptions, loop, this::wakeup, (tp, code) -> {
            if (code != null) {
                partitionErrors.put(tp, code);
            }
            onData.run();
        });
    }

    /** Raises a {@link dev.skein.consumer.LogTruncationException} for truncations found (reset none). */
    void raiseTruncations() {
        validator.raiseTruncations();
    }

    void wakeup() {
        if (!closed && wakeupPending.compareAndSet(false, true)) {
            loop.execute(this::sendFetches);
        }
    }

    ConcurrentLinkedQueue<CompletedFetch> completed() {
        return completed;
    }

    @Override
    public CompletedFetch nextCompleted() {
        return completed.poll();
    }

    long bufferedBytes() {
        return bufferedBytes.get();
    }

    /**
     * Called by the polling thread when it is done with a fetch: frees budget and refetches. The event
     * loop is woken only when that can fetch something: once the last partition queued from its broker
     * is consumed (a broker is fetched from again only then: {@link #worthFetching}), or when a fetch
     * round waits for buffer budget. Waking it for every partition ran a fetch round and wrote its eventfd
     * five times in six for nothing with six partitions on one broker (a poll that finds nothing queued
     * wakes it too).
     */
    @Override
    public void consumed(CompletedFetch f) {
        f.release();
        bufferedBytes.addAndGet(-f.sizeInBytes);
        buffered.remove(f.tp);
        AtomicInteger queued = f.fromNode;
        if (queued == null || queued.decrementAndGet() <= 0 || waitingForRoom) {
            wakeup();
        }
    }

    /**
     * The error the broker reported for a partition that poll() raises (a non-retriable one, authorization say, or
     * CORRUPT_MESSAGE), once, as its exception; null when there is none. The partition is fetched again after.
     */
    SkeinException takeError(TopicPartition tp) {
        ErrorCode code = partitionErrors.remove(tp);
        if (code == null) {
            return null;
        }
        Long at = corruptAt.remove(tp);
        if (code == ErrorCode.CORRUPT_MESSAGE && at != null) {
            return new CorruptRecordException("Fetch from " + tp + " at offset " + at + ": CORRUPT_MESSAGE (the broker "
                    + "found the records there corrupt; the position stays on them: seek past them to read on)", code);
        }
        return code.exception("Fetch from " + tp);
    }

    Set<TopicPartition> partitionsWithErrors() {
        return partitionErrors.keySet();
    }

    void close() {
        closed = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            decompressAhead.close();
            for (CompletedFetch f; (f = completed.poll()) != null; ) {
                f.release();
            }
            List<CompletableFuture<?>> closing = new ArrayList<>();
            sessions.forEach((node, session) -> {
                if (session.id() != FetchSession.NO_SESSION && !inFlight.contains(node)) {
                    closing.add(closeSession(node, session.id()));
                }
            });
            sessions.clear();
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> done.complete(null));
        });
        done.orTimeout(5, TimeUnit.SECONDS).exceptionally(t -> null).join();
    }

    /** Frees the broker's session slot: epoch -1 closes it (an empty full fetch that returns at once). */
    private CompletableFuture<?> closeSession(int node, int sessionId) {
        return client.<FetchResponse>send(node, ApiKey.FETCH, v -> {
            FetchRequest r = new FetchRequest().setMaxWaitMs(0).setMinBytes(1).setMaxBytes(1)
                    .setIsolationLevel(settings.isolation().wire()).setSessionId(sessionId)
                    .setSessionEpoch(FetchSession.FINAL_EPOCH).setTopics(new ArrayList<>());
            if (v < 15) {
                r.setReplicaId(-1);
            }
            return r;
        }, Duration.ofSeconds(2)).handle((r, e) -> {
            if (r != null) {
                r.responses().forEach(t -> t.partitions().forEach(p -> {
                    if (p.records() != null) {
                        p.records().release();
                    }
                }));
            }
            return null;
        });
    }

    private void sendFetches() {
        wakeupPending.set(false);
        if (closed) {
            return;
        }
        // Raised before the budget is read, as consumed() frees budget before reading the flag: either
        // this round sees the room freed, or that consumed() sees the flag and wakes the loop again.
        waitingForRoom = true;
        long room = settings.bufferMaxBytes() - bufferedBytes.get();
        if (room <= 0) {
            log.debug("buffer budget used up ({} bytes buffered); waiting for poll()", bufferedBytes.get());
            return; // woken again when the polling thread consumes
        }
        waitingForRoom = false;
        Cluster cluster = client.cluster();
        Map<Integer, Map<TopicPartition, FetchSession.Want>> byNode = new LinkedHashMap<>();
        Map<Integer, List<PositionValidator.Check>> toValidate = new LinkedHashMap<>();
        boolean needMetadata = false;
        Map<Integer, Integer> bufferedPerNode = new HashMap<>();
        if (!awaitingMetadata.isEmpty()) {
            long updates = cluster.updateCount();
            awaitingMetadata.values().removeIf(seen -> updates > seen); // newer metadata: fetch them again
        }
        boolean awaiting = !awaitingMetadata.isEmpty();
        boolean unbound = false;
        for (SubscriptionState.FetchPosition at : subscriptions.fetchable()) {
            TopicPartition tp = at.tp();
            if (partitionErrors.containsKey(tp)) {
                continue;
            }
            if (awaiting && awaitingMetadata.containsKey(tp)) {
                needMetadata = true; // woken when the next snapshot arrives, and every retry backoff meanwhile
                continue;
            }
            Node leader = cluster.leader(tp.topic(), tp.partition());
            Cluster.TopicInfo topic = cluster.topic(tp.topic());
            if (leader == null && topic != null && topic.refusal() != null) {
                partitionErrors.put(tp, topic.refusal()); // a topic the principal may not describe, say
                client.refreshMetadata(); // so that a fixed ACL is seen by the time poll() asks again
                continue;
            }
            if (leader == null || topic == null) {
                needMetadata = true;
                continue;
            }
            UUID topicId = topic.id() != null ? topic.id() : NO_TOPIC_ID;
            if (!topicId.equals(at.topicId())) {
                // The position is not known to belong to the topic metadata describes now: its topic id
                // was not noted yet (a partition just assigned), or the topic was deleted and created again
                // and the position points into the old log. The polling thread notes the id, or resets the
                // position (SkeinConsumer.followRecreatedTopics), and wakes this loop; until then nothing is
                // fetched for it. Fetching with the id metadata gives now would read the new log from the
                // old position: metadata is updated on another thread than the one that resets positions,
                // and the fetch would go out in between (TopicInterestIT).
                unbound = true;
                continue;
            }
            int leaderEpoch = cluster.partition(tp.topic(), tp.partition()).leaderEpoch();
            int node = fetchNode(cluster, tp, leader.id());
            if (buffered.contains(tp)) {
                bufferedPerNode.merge(node, 1, Integer::sum);
            } else if (at.needsValidation(leaderEpoch)) { // KIP-320: first ask the leader whether the log still holds it
                if (!validator.busy(leader.id()) && subscriptions.startValidation(tp, at.offset())) {
                    toValidate.computeIfAbsent(leader.id(), k -> new ArrayList<>())
                            .add(new PositionValidator.Check(at, leaderEpoch));
                }
            } else if (!inFlight.contains(node)) {
                if (at.epoch() < 0) {
                    subscriptions.fetchingUnder(tp, at.offset(), leaderEpoch); // nothing to validate: this leader's log
                }
                byNode.computeIfAbsent(node, k -> new LinkedHashMap<>())
                        .put(tp, new FetchSession.Want(at.offset(), leaderEpoch, topicId));
            }
        }
        toValidate.forEach(validator::send);
        if (unbound) {
            onData.run(); // a poll() waiting for data notes the topic ids (or resets) now
        }
        if (needMetadata) {
            // Fetch as soon as a newer snapshot arrives (a fresh assignment's first metadata, say), not a
            // whole backoff later; the backoff still paces retries while a leader stays unknown. A topic
            // the snapshot already describes with no leader (fenced, an election under way) needs a
            // refresh: adding a known topic asks for none, and the partition would wait for
            // metadata.max.age.ms (LogTruncationIT, after an unclean election, about half its runs).
            long seen = cluster.updateCount();
            Set<String> topics = TopicPartition.topicsOf(subscriptions.assignment());
            // The assigned topics are of interest already (SkeinConsumer.followTopics); held here only while
            // this refresh runs, so an assignment changed meanwhile leaves nothing behind in later requests.
            CompletableFuture<Cluster> next = cluster.topics().keySet().containsAll(topics) ? client.refreshMetadata()
                    : client.withTopics(topics, CompletableFuture::completedFuture);
            next.whenComplete((c, e) -> {
                if (c != null && c.updateCount() != seen) {
                    wakeup();
                }
            });
            loop.schedule(this::wakeup, settings.client().retryBackoff().toMillis(), TimeUnit.MILLISECONDS);
        }
        int maxBytes = (int) Math.max(1, Math.min(settings.fetchMaxBytes(), room));
        byNode.forEach((node, partitions) -> {
            if (worthFetching(bufferedPerNode.getOrDefault(node, 0))) {
                send(cluster, node, partitions, maxBytes);
            }
        });
    }

    /**
     * A node is fetched from again once everything it returned last has been read. Each Fetch costs
     * the broker a round trip whatever it carries: refetching each partition the moment it is drained
     * made many one-partition requests and read at a third of the speed (bench/ConsumerComparison, one
     * broker, 6 partitions). Refetching with a quarter still buffered, to overlap the round trip with
     * reading, was slower and far noisier on a 2-core machine, where the broker competes for CPU.
     */
    private static boolean worthFetching(int stillBuffered) {
        return stillBuffered == 0;
    }

    private void send(Cluster cluster, int node, Map<TopicPartition, FetchSession.Want> wanted, int maxBytes) {
        FetchSession session = sessions.computeIfAbsent(node, n -> new FetchSession());
        FetchSession.Request request = session.next(wanted);
        log.debug("fetch from broker {}: {} wanted, {} listed, {} forgotten, session {} epoch {}", node, wanted.size(),
                request.listed().size(), request.forgotten().size(), request.sessionId(), request.epoch());
        inFlight.add(node);
        requestListener.accept(!request.full());
        long start = System.nanoTime();
        client.<FetchResponse>send(node, ApiKey.FETCH, v -> request(settings, request, maxBytes, (short) v))
                .whenComplete((resp, err) -> loop.execute(() -> {
                    inFlight.remove(node);
                    if (err != null) {
                        log.debug("fetch from broker {} failed: {}", node, err.toString());
                        readReplicas.values().removeIf(r -> r.node() == node); // back to the leaders
                        session.onFailure();
                        client.refreshMetadata();
                        loop.schedule(this::wakeup, settings.client().retryBackoff().toMillis(), TimeUnit.MILLISECONDS);
                        return;
                    }
                    // Answered fetches only, as Apache Kafka's fetch-latency: one lost to the request timeout
                    // would read as a slow broker.
                    latencyListener.accept(System.nanoTime() - start);
                    session.onResponse(request, resp.sessionId(), ErrorCode.forCode(resp.errorCode()));
                    if (closed) {
                        releaseAll(resp);
                        return;
                    }
                    handle(cluster, node, request.wanted(), resp);
                    wakeup();
                }));
    }

    /**
     * The node to fetch {@code tp} from: the replica its leader named for this consumer's rack
     * (KIP-392, {@code client.rack}) until {@code metadata.max.age.ms} has passed since, otherwise the
     * leader; also the leader while metadata does not list the replica, which it is asked for again.
     */
    private int fetchNode(Cluster cluster, TopicPartition tp, int leader) {
        ReadReplica r = readReplicas.get(tp);
        if (r == null) {
            return leader;
        }
        if (System.nanoTime() - r.untilNanos() >= 0) {
            readReplicas.remove(tp);
            return leader;
        }
        if (cluster.broker(r.node()) == null) {
            // Named by the leader but not in our metadata (it came back since we last read it, say). The
            // leader answers with no records while it names a replica, so without fresh metadata the
            // partition would go nowhere until metadata.max.age.ms; as Apache Kafka's consumer, read it again.
            log.debug("{}: read replica {} is not in the metadata; reading it again, fetching from the leader meanwhile", tp, r.node());
            readReplicas.remove(tp);
            client.refreshMetadata();
            return leader;
        }
        return r.node();
    }

    private static void releaseAll(FetchResponse resp) {
        resp.responses().forEach(t -> t.partitions().forEach(p -> {
            if (p.records() != null) {
                p.records().release();
            }
        }));
    }

    /**
     * The Fetch for {@code plan} at {@code version}: from v13 topics are named by id, each partition by the
     * id it was wanted (listed) or added to the session (forgotten) under, so a topic deleted or created
     * again meanwhile is still forgotten by the id the broker's session holds.
     */
    static FetchRequest request(ConsumerOptions settings, FetchSession.Request plan, int maxBytes, short version) {
        boolean byId = version >= 13;
        Map<Object, FetchRequest.FetchTopic> topics = new LinkedHashMap<>();
        // current_leader_epoch (KIP-320): a broker whose epoch differs refuses with FENCED_LEADER_EPOCH
        // (the metadata is stale) or UNKNOWN_LEADER_EPOCH (the broker is behind), never serves a stale log.
        plan.listed().forEach((tp, want) -> topics.computeIfAbsent(byId ? want.topicId() : tp.topic(),
                        k -> new FetchRequest.FetchTopic()
                                .setTopic(byId ? "" : tp.topic())
                                .setTopicId(byId ? want.topicId() : NO_TOPIC_ID)
                                .setPartitions(new ArrayList<>()))
                .partitions().add(new FetchRequest.FetchPartition().setPartition(tp.partition())
                        .setFetchOffset(want.offset()).setCurrentLeaderEpoch(want.leaderEpoch())
                        .setPartitionMaxBytes(settings.maxPartitionFetchBytes())));
        Map<Object, FetchRequest.ForgottenTopic> forgotten = new LinkedHashMap<>();
        plan.forgotten().forEach((tp, topicId) -> forgotten.computeIfAbsent(byId ? topicId : tp.topic(),
                k -> new FetchRequest.ForgottenTopic()
                        .setTopic(byId ? "" : tp.topic())
                        .setTopicId(byId ? topicId : NO_TOPIC_ID)
                        .setPartitions(new ArrayList<>())).partitions().add(tp.partition()));
        boolean sessions = version >= 7;
        FetchRequest r = new FetchRequest().setMaxWaitMs((int) settings.fetchMaxWait().toMillis())
                .setMinBytes(settings.fetchMinBytes()).setMaxBytes(maxBytes)
                .setIsolationLevel(settings.isolation().wire())
                .setSessionId(sessions ? plan.sessionId() : 0).setSessionEpoch(sessions ? plan.epoch() : -1)
                .setTopics(new ArrayList<>(topics.values()))
                .setForgottenTopicsData(sessions ? new ArrayList<>(forgotten.values()) : new ArrayList<>());
        if (version < 15) {
            r.setReplicaId(-1);
        }
        if (version >= 11 && settings.rack() != null) {
            r.setRackId(settings.rack());
        }
        return r;
    }

    private void handle(Cluster cluster, int node, Map<TopicPartition, FetchSession.Want> wanted, FetchResponse resp) {
        boolean gotData = false;
        Map<TopicPartition, Long> hinted = new LinkedHashMap<>();
        List<MetadataManager.LeaderHint> hints = new ArrayList<>();
        ErrorCode top = ErrorCode.forCode(resp.errorCode());
        if (top != ErrorCode.NONE) {
            log.debug("fetch failed for the whole request: {}", top); // a session error: the next one is full
        }
        for (FetchResponse.FetchableTopicResponse t : resp.responses()) {
            String topic = t.topic() != null && !t.topic().isEmpty() ? t.topic() : cluster.topicName(t.topicId());
            if (topic == null) { // a topic id metadata no longer knows (deleted meanwhile): drop its data
                t.partitions().forEach(p -> {
                    if (p.records() != null) {
                        p.records().release();
                    }
                });
                continue;
            }
            for (FetchResponse.PartitionData p : t.partitions()) {
                TopicPartition tp = new TopicPartition(topic, p.partitionIndex());
                FetchSession.Want want = wanted.get(tp);
                Long fetchOffset = want == null ? null : want.offset();
                ErrorCode code = ErrorCode.forCode(p.errorCode());
                boolean kept = false;
                if (fetchOffset != null && code == ErrorCode.NONE && p.preferredReadReplica() >= 0
                        && p.preferredReadReplica() != node) {
                    log.debug("{}: fetching from replica {} (client.rack {}) rather than broker {}", tp,
                            p.preferredReadReplica(), settings.rack(), node);
                    readReplicas.put(tp, new ReadReplica(p.preferredReadReplica(),
                            System.nanoTime() + settings.client().metadataMaxAge().toNanos()));
                } else if (fetchOffset != null && code == ErrorCode.NONE) {
                    subscriptions.updateWatermarks(tp, p.highWatermark(), p.lastStableOffset());
                    if (p.records() != null && p.records().readableBytes() > 0 && subscriptions.isAssigned(tp)) {
                        // Mark before queueing: the polling thread may consume it at once, and its
                        // consumed() must come after these, or the partition would stay marked forever.
                        buffered.add(tp);
                        bufferedBytes.addAndGet(p.records().readableBytes());
                        CompletedFetch f = new CompletedFetch(tp, fetchOffset, p.records(), p.highWatermark(),
                                p.lastStableOffset(), p.abortedTransactions(), decompressAhead);
                        f.fromNode = queuedPerNode.computeIfAbsent(node, n -> new AtomicInteger());
                        f.fromNode.incrementAndGet();
                        decompressAhead.offer(f); // before the polling thread can release it
                        completed.add(f);
                        kept = true;
                        gotData = true;
                    }
                } else if (fetchOffset != null && readReplicas.containsKey(tp) && readReplicas.get(tp).node() == node) {
                    // Any error from the read replica (a follower behind the fetch offset answers
                    // OFFSET_OUT_OF_RANGE) sends the partition back to its leader, which decides.
                    log.debug("{}: {} from read replica {}; back to the leader", tp, code, node);
                    readReplicas.remove(tp);
                    if (code != ErrorCode.OFFSET_OUT_OF_RANGE) {
                        client.refreshMetadata();
                    }
                } else if (fetchOffset != null && (code == ErrorCode.NOT_LEADER_OR_FOLLOWER
                        || code == ErrorCode.FENCED_LEADER_EPOCH) && p.currentLeader() != null
                        && p.currentLeader().leaderId() >= 0) {
                    // KIP-951 (Fetch v16+): the answer names the leader; followed below, once the whole answer is read.
                    hinted.put(tp, fetchOffset);
                    hints.add(new MetadataManager.LeaderHint(tp.topic(), tp.partition(), p.currentLeader().leaderId(),
                            p.currentLeader().leaderEpoch()));
                } else if (fetchOffset != null) {
                    onPartitionError(tp, fetchOffset, code);
                }
                if (!kept && p.records() != null) {
                    p.records().release();
                }
            }
        }
        if (!hints.isEmpty()) {
            followLeaderHints(node, resp, hints, hinted);
        }
        if (gotData) {
            onData.run();
        }
    }

    /**
     * Turns the partitions a Fetch answer refused for want of leadership to the leaders it names (KIP-951:
     * {@code current_leader}, with {@code node_endpoints} for brokers metadata may not list yet), as Apache Kafka's
     * consumer does and as the producer follows a Produce answer: the next round fetches them there (validating
     * the position under the new epoch first, KIP-320) without waiting for a metadata refresh. A hint that brings no
     * news, no newer than metadata or naming an unknown broker (ignored by {@code applyLeaderHints}), or the refusing
     * broker naming itself again under an epoch metadata already had, holds the partition for fresh metadata as
     * without one: followed, it would send the same fetch to the same broker at once, in a loop.
     */
    private void followLeaderHints(int node, FetchResponse resp, List<MetadataManager.LeaderHint> hints,
                                   Map<TopicPartition, Long> fetchOffsets) {
        List<Node> endpoints = new ArrayList<>();
        resp.nodeEndpoints().forEach(n -> endpoints.add(new Node(n.nodeId(), n.host(), n.port(), n.rack())));
        for (MetadataManager.LeaderHint h : client.metadata().followLeaderHints(node, hints, endpoints)) {
            TopicPartition tp = new TopicPartition(h.topic(), h.partition());
            onPartitionError(tp, fetchOffsets.get(tp), ErrorCode.NOT_LEADER_OR_FOLLOWER);
        }
    }

    private void onPartitionError(TopicPartition tp, long fetchOffset, ErrorCode code) {
        switch (code) {
            case OFFSET_OUT_OF_RANGE -> subscriptions.requestReset(tp, fetchOffset, settings.offsetReset());
            case CORRUPT_MESSAGE -> {
                // Retriable for client-core (a producer sends again), but fetching again reads the same bytes: as
                // Apache Kafka's consumer, poll() raises it for the partition (after the records before it, which
                // were consumed before this fetch was sent) rather than retry in silence for ever.
                corruptAt.put(tp, fetchOffset);
                partitionErrors.put(tp, code);
                onData.run();
            }
            case NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID,
                 FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, KAFKA_STORAGE_ERROR, REPLICA_NOT_AVAILABLE,
                 OFFSET_NOT_AVAILABLE, INCONSISTENT_TOPIC_ID -> awaitMetadata(tp);
            default -> {
                if (code.isRetriable()) {
                    awaitMetadata(tp);
                } else {
                    partitionErrors.put(tp, code);
                    onData.run();
                }
            }
        }
    }

    /** Holds {@code tp} out of fetches until metadata newer than the current snapshot arrives, and asks for it. */
    private void awaitMetadata(TopicPartition tp) {
        awaitingMetadata.put(tp, client.cluster().updateCount());
        client.refreshMetadata();
    }
}
