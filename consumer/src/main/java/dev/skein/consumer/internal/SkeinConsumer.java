package dev.skein.consumer.internal;

import dev.skein.core.internal.ThrottledLog;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerInterceptor;
import dev.skein.consumer.ConsumerOptions;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.consumer.IsolationLevel;
import dev.skein.consumer.NoOffsetForPartitionException;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.OffsetAndTimestamp;
import dev.skein.consumer.OffsetCommitCallback;
import dev.skein.consumer.OffsetReset;
import dev.skein.consumer.RebalanceListener;
import dev.skein.consumer.WakeupException;
import dev.skein.core.ClientResources;
import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.Retry;
import dev.skein.core.internal.TopicNames;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.serdes.Deserializer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.regex.Pattern;
import dev.skein.consumer.SubscriptionPattern;

/**
 * The consumer. Everything here runs on the thread that calls it (one at a time, as documented on
 * {@link Consumer}); the {@link Fetcher} pre-fetches on an event loop, {@link FetchCollector} turns
 * fetched bytes into records, and {@link ConsumerGroup} handles subscriptions, rebalances and commits.
 */
public final class SkeinConsumer<K, V> implements Consumer<K, V> {
    private static final Logger log = LoggerFactory.getLogger(SkeinConsumer.class);
    private static final ThrottledLog TRACING_LOG = new ThrottledLog(SkeinConsumer.class);

    private final ConsumerOptions settings;
    private final ClusterClient client;
    private final SubscriptionState subscriptions = new SubscriptionState();
    private final Fetcher fetcher;
    private final FetchCollector<K, V> collector;
    private final OffsetLookup lookup;
    private final ConsumerGroup group;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final AtomicBoolean wakeup = new AtomicBoolean();
    private final ConsumerMetrics metrics;
    /** Null without interceptors: {@code poll} then tests one field and pays nothing more. */
    private final ConsumerInterceptors<K, V> interceptors;
    /** Null without an observation registry. */
    private final ObservationRegistry observations;
    private boolean closed;
    /** An OffsetFetch for positions that a poll stopped waiting for; the next poll waits on (polling thread). */
    private CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> pendingCommitted;
    private Set<TopicPartition> pendingCommittedFor = Set.of();
    /** {@link SubscriptionState#takenAway()} when {@link #pendingCommitted} was asked. */
    private long pendingCommittedAt;
    /** The ListOffsets lookup behind a reset in progress, kept across polls (see {@link #reset}). */
    private OffsetLookup.Lookup pendingLookup;

    public SkeinConsumer(ConsumerOptions settings, Deserializer<K> keys, Deserializer<V> values,
                         MeterRegistry meterRegistry, ObservationRegistry observations, ClientResources shared,
                         List<ConsumerInterceptor<K, V>> interceptors) {
        this.settings = settings;
        this.observations = observations;
        this.interceptors = ConsumerInterceptors.of(interceptors);
        this.client = ClusterClient.start(settings.client(), shared);
        // KIP-361: named topics (subscribed, assigned) may be created by the broker; patterns ask for all
        // topics, which never creates any (MetadataManager).
        client.metadata().allowAutoTopicCreation(settings.allowAutoCreateTopics());
        this.fetcher = new Fetcher(settings, client, subscriptions, this::dataArrived);
        this.metrics = new ConsumerMetrics(meterRegistry, settings.client().clientId());
        this.collector = new FetchCollector<>(settings, subscriptions, fetcher, keys, values, metrics,
                client.resources().allocator());
        this.lookup = new OffsetLookup(client, settings);
        this.group = settings.groupId() == null ? null : new ConsumerGroup(settings, client, subscriptions, metrics,
                collector::drop, fetcher::wakeup, this::dataArrived);
        if (group != null && this.interceptors != null) {
            group.onCommitted(this.interceptors::onCommit);
        }
        metrics.gauge("skein.consumer.buffered.bytes", fetcher, Fetcher::bufferedBytes);
        fetcher.latencyListener(metrics::fetchLatency);
        fetcher.requestListener(metrics::fetchSent);
        log.info("consumer {} started (group {}, delivery {}, isolation {})", settings.client().clientId(),
                settings.groupId(), settings.delivery(), settings.isolation());
    }

    /** Wakes a waiting poll(): data arrived, a rebalance finished, or wakeup(). Any thread. */
    private void dataArrived() {
        lock.lock();
        try {
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void subscribe(Collection<String> topics, RebalanceListener listener) {
        ensureOpen();
        requireGroup("subscribe()");
        // A name no broker accepts would be followed silently: metadata refuses it, the group assigns nothing.
        TopicNames.requireLegal(topics, "subscribe()");
        group.subscribe(topics, listener);
        followTopics();
    }

    @Override
    public void subscribe(Pattern pattern, RebalanceListener listener) {
        ensureOpen();
        requireGroup("subscribe()");
        group.subscribe(pattern, listener);
        followTopics();
    }

    @Override
    public void subscribe(SubscriptionPattern pattern, RebalanceListener listener) {
        ensureOpen();
        requireGroup("subscribe()");
        group.subscribe(pattern, listener);
        followTopics();
    }

    @Override
    public void unsubscribe() {
        ensureOpen();
        if (group != null) {
            group.unsubscribe();
        }
        collector.release();
        subscriptions.assign(List.of());
        metrics.retainLag(List.of()); // no partition: no lag, and no gauge holding this consumer
        followTopics();
    }

    /** The topic set last given to metadata, the subscription's set and the assignment count it was made from. */
    private Set<String> followed = Set.of();
    private Set<String> followedSubscription = Set.of();
    private long followedAssignments = -1;

    /**
     * Metadata describes the topics of the subscription and of the assignment, and no others (as Apache
     * Kafka's consumer sets its metadata topics on each change): a topic the consumer no longer reads
     * leaves the Metadata requests. The assignment counts, not only the subscription: after a subscription
     * change a partition of a topic left behind is still read (and committed, at-least-once, before it is
     * revoked) until the rebalance takes it away, and under {@code assign()} it is the whole set.
     * What else needs a topic for a while holds it itself, for as long as it runs, rather than adding it
     * here for good: a commit or an OffsetFetch (which name topics by id from v10, so may be of partitions
     * no longer assigned), an offset lookup, the fetcher's and the KIP-848 member's refreshes for an
     * assignment still being resolved, and a classic leader, which keeps every member's topics while its
     * plan stands ({@link GroupMembership}). Polling thread only.
     */
    private void followTopics() {
        Set<String> subscribed = group != null ? group.subscribedTopics() : Set.of();
        long assignments = subscriptions.assignments();
        if (subscribed == followedSubscription && assignments == followedAssignments) {
            return;
        }
        followedSubscription = subscribed;
        followedAssignments = assignments;
        Set<String> wanted = new HashSet<>(subscribed);
        wanted.addAll(TopicPartition.topicsOf(subscriptions.assignment()));
        if (!wanted.equals(followed)) {
            followed = Set.copyOf(wanted);
            client.setTopics(this, followed);
        }
    }

    @Override
    public void enforceRebalance() {
        ensureOpen();
        if (group != null) {
            group.enforceRebalance();
        }
    }

    @Override
    public ConsumerGroupMetadata groupMetadata() {
        ensureOpen();
        requireGroup("groupMetadata()");
        return group.metadata();
    }

    /**
     * The topic ids {@code partitions}' positions were read from, by topic name (a partition without one,
     * not fetched since it was assigned by id, is left out). {@code ExactlyOnceProcessor} hands them to the
     * producer, whose TxnOffsetCommit v6 (KIP-1319) sends them instead of the names: the coordinator then
     * refuses offsets of a topic deleted since, even one created again after {@link #recreatedSince} looked.
     */
    public Map<String, UUID> topicIdsRead(Collection<TopicPartition> partitions) {
        Map<String, UUID> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            UUID read = subscriptions.topicId(tp);
            if (read != null) {
                out.put(tp.topic(), read);
            }
        }
        return out;
    }

    /**
     * Those of {@code partitions} whose topic metadata now names under another id than the one their
     * positions were read from: deleted and created again since (the next poll resets them). For offsets
     * that travel in a request naming topics, as TxnOffsetCommit up to v5 does (a broker below 4.4, or
     * transactions version 1): sent, they would be committed for the new topic. A topic metadata does not
     * describe now is left out.
     */
    public Set<TopicPartition> recreatedSince(Collection<TopicPartition> partitions) {
        Cluster c = client.cluster();
        Set<TopicPartition> out = new HashSet<>();
        for (TopicPartition tp : partitions) {
            UUID read = subscriptions.topicId(tp);
            Cluster.TopicInfo now = c.topic(tp.topic());
            if (read != null && now != null && now.error() == ErrorCode.NONE && now.id() != null
                    && !now.id().equals(read)) {
                out.add(tp);
            }
        }
        return out;
    }

    private boolean inGroup() {
        return group != null && group.subscribed();
    }

    private double lagForMetrics(TopicPartition tp) {
        return subscriptions.lag(tp, settings.isolation() == IsolationLevel.READ_COMMITTED);
    }

    @Override
    public OptionalLong currentLag(TopicPartition tp) {
        long lag = subscriptions.lag(tp, settings.isolation() == IsolationLevel.READ_COMMITTED);
        return lag < 0 ? OptionalLong.empty() : OptionalLong.of(lag);
    }

    @Override
    public void assign(Collection<TopicPartition> partitions) {
        ensureOpen();
        TopicNames.requireLegal(TopicPartition.topicsOf(partitions), "assign()");
        if (inGroup()) {
            throw new IllegalStateException("assign() cannot be mixed with subscribe(); unsubscribe() first");
        }
        collector.retain(partitions);
        subscriptions.assign(partitions);
        metrics.assigned(partitions, this::lagForMetrics);
        followTopics();
        fetcher.wakeup();
    }

    @Override
    public Set<TopicPartition> assignment() {
        return subscriptions.assignment();
    }

    @Override
    public ConsumerRecords<K, V> poll(Duration timeout) {
        ensureOpen();
        long deadline = System.nanoTime() + timeout.toNanos();
        if (group != null) {
            group.beforePoll();
        }
        collector.raiseDeferred();
        do {
            checkWakeup();
            AuthenticationException refused = client.authenticationFailure();
            if (refused != null) {
                // A connection was refused and none has authenticated since (KIP-152): each poll throws it
                // at once while that lasts. Not final: the client connects again after the backoff, and
                // the first poll after a connection authenticates goes on as before.
                throw refused;
            }
            if (inGroup()) {
                group.maintain();
                followTopics(); // the subscription a pattern matches, or the assignment, may have changed
            }
            followRecreatedTopics();
            resolvePositions(deadline, true);
            raisePartitionErrors();
            fetcher.raiseTruncations();
            Map<TopicPartition, List<ConsumerRecord<K, V>>> out = collector.collect();
            if (out.isEmpty()) {
                // With records to return, no fetch can have become due in this poll but by a fetched chunk
                // being used up, and consumed() woke the fetcher then (positions, seeks, pauses and the
                // group wake it themselves). Waking it on every poll ran a task on the event loop, and wrote
                // its eventfd, per max.poll.records records for nothing.
                fetcher.wakeup();
            }
            if (!out.isEmpty()) {
                ConsumerRecords<K, V> records = new ConsumerRecords<>(out);
                if (group == null || group.beforeReturning(records)) {
                    collector.handedOut(); // not before: a rewound poll reads the same records again
                    if (observations != null) {
                        observeReceive(observations, records.count(), settings.groupId(), settings.client().clientId());
                    }
                    return interceptors == null ? records : interceptors.onConsume(records);
                }
                collector.release(); // rewound: what was fetched after those records is stale
            }
            awaitData(deadline);
        } while (System.nanoTime() < deadline);
        return ConsumerRecords.empty();
    }

    /**
     * One "skein.receive" observation per poll that returns records (Apache Kafka's convention under
     * OpenTelemetry's instrumentation). It starts and stops here: the records were fetched in the
     * background, so the poll has no meaningful duration of its own to time.
     */
    static void observeReceive(ObservationRegistry observations, int count, String groupId, String clientId) {
        if (observations.isNoop()) {
            return;
        }
        try {
            Observation.createNotStarted("skein.receive", observations)
                    .contextualName("poll")
                    .lowCardinalityKeyValue("messaging.system", "kafka")
                    .lowCardinalityKeyValue("messaging.operation", "receive")
                    .lowCardinalityKeyValue("messaging.consumer.group.name", groupId == null ? "none" : groupId)
                    .lowCardinalityKeyValue("messaging.client.id", clientId)
                    .highCardinalityKeyValue("messaging.batch.message_count", Integer.toString(count))
                    .start().stop();
        } catch (RuntimeException e) {
            // The records' positions have moved past them: poll() must return them, whatever a
            // tracing handler does, or they are lost (and committed over) for this consumer.
            TRACING_LOG.warn(observations, "skein.receive", "threw; the poll returns its records untraced", e);
        }
    }

    private void awaitData(long deadline) {
        lock.lock();
        try {
            if (!fetcher.completed().isEmpty() || wakeup.get()) {
                return;
            }
            long wait = Math.min(deadline - System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(100));
            if (wait > 0) {
                arrived.awaitNanos(wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException("interrupted during poll", e);
        } finally {
            lock.unlock();
        }
    }

    // ---- positions ----

    /** The metadata whose topic ids the positions were last checked against, and the assignment then. */
    private Cluster idsCheckedAgainst;
    private long idsCheckedAt = -1;

    /**
     * A topic deleted and created again under the same name has a new id: positions into the old log
     * are dropped and reset by {@code auto.offset.reset}, as if the partitions were new (checked once
     * per metadata update and assignment change).
     *
     * <p>The race this closes with the fetcher: metadata is updated on the client's loop, positions are
     * reset here, on the polling thread. Between a snapshot with the new id and this check, the fetcher
     * (on its loop) would fetch the new log from the old position, and a commit taken from the positions
     * (at-least-once's at the start of {@code poll()}, {@code commitSync()}) would be sent for the new
     * topic. So a position belongs to the topic id noted here ({@link SubscriptionState#checkTopicIds}):
     * the fetcher fetches a partition only while metadata shows that same id (until this check, a
     * partition not noted yet or of the old incarnation waits, and this check runs as soon as the fetcher
     * wakes {@code poll()}), and a commit of a position leaves it out when metadata shows another id by
     * the time the request goes ({@link GroupOffsets}). Ids are noted here, before positions are looked
     * up in the same poll, so a committed offset or a reset is always looked up for a noted incarnation.
     */
    private void followRecreatedTopics() {
        Cluster c = client.cluster();
        long assignments = subscriptions.assignments();
        if (c == idsCheckedAgainst && assignments == idsCheckedAt) {
            return;
        }
        idsCheckedAgainst = c;
        idsCheckedAt = assignments;
        Function<String, UUID> ids = t -> {
            Cluster.TopicInfo info = c.topic(t);
            if (info == null || info.error() != ErrorCode.NONE) {
                return null;
            }
            return info.id() != null ? info.id() : new UUID(0, 0); // a broker before KIP-516
        };
        List<TopicPartition> ending = subscriptions.recreated(ids);
        if (ending.isEmpty() || !inGroup()) {
            renewIncarnations(ids);
            return;
        }
        // To the rebalance listener the old log's partitions are lost and the new log's assigned (state kept
        // for them, such as ParallelProcessor's finished offsets, describes records the new log does not have).
        // Lost is told before the positions move, so a commit it makes is for the old log, and left out.
        group.reborn(ending, () -> renewIncarnations(ids));
    }

    /** Notes the topic ids of partitions not noted yet, and resets those whose topic id changed. */
    private List<TopicPartition> renewIncarnations(Function<String, UUID> ids) {
        List<TopicPartition> reborn = subscriptions.checkTopicIds(ids, settings.offsetReset());
        fetcher.wakeup(); // partitions whose ids were just noted may be fetched now
        if (!reborn.isEmpty()) {
            log.warn("{} belong to topics deleted and created again (new topic id): their positions are reset by"
                    + " auto.offset.reset ({})", reborn, settings.offsetReset());
            collector.drop(reborn);
        }
        return reborn;
    }

    /**
     * Gives positions to the partitions that need one: the committed offset, else the reset strategy.
     * From {@code poll()} the committed offsets are awaited only until the poll's deadline; the request
     * goes on, and a later poll picks up its answer. Offsets a transaction holds (UNSTABLE_OFFSET_COMMIT)
     * are waited out that way however long it takes, and never fail a poll; elsewhere
     * ({@code position()}) they fail with a {@link TimeoutException} after {@code default.api.timeout.ms}.
     */
    private void resolvePositions(long deadline, boolean fromPoll) {
        Set<TopicPartition> needing = subscriptions.needingPosition();
        if (needing.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        if (group != null) {
            Set<TopicPartition> fresh = new HashSet<>();
            for (TopicPartition tp : needing) {
                if (subscriptions.pendingReset(tp) == null) {
                    fresh.add(tp);
                }
            }
            if (!fresh.isEmpty()) {
                Map<TopicPartition, OffsetAndMetadata> found = committedForPositions(fresh, deadline, fromPoll);
                if (found == null) {
                    needing.removeAll(fresh); // not known yet: no reset for them either
                } else {
                    committed.putAll(found);
                }
            }
        }
        Map<TopicPartition, Long> queries = new HashMap<>();
        List<TopicPartition> noReset = new ArrayList<>();
        for (TopicPartition tp : needing) {
            OffsetAndMetadata resume = committed.get(tp);
            if (resume != null) {
                subscriptions.seek(tp, resume.offset(), resume.leaderEpoch()); // validated before fetching (KIP-320)
                continue;
            }
            OffsetReset strategy = subscriptions.pendingReset(tp) != null ? subscriptions.pendingReset(tp) : settings.offsetReset();
            switch (strategy) {
                case EARLIEST -> queries.put(tp, OffsetLookup.EARLIEST);
                case LATEST -> queries.put(tp, OffsetLookup.LATEST);
                case BY_DURATION -> queries.put(tp, Math.max(0, System.currentTimeMillis() - settings.offsetResetDuration().toMillis()));
                case NONE -> noReset.add(tp);
            }
        }
        if (!noReset.isEmpty()) {
            throw new NoOffsetForPartitionException("no committed offset (or out of range) for " + noReset
                    + " and auto.offset.reset is none");
        }
        if (!queries.isEmpty()) {
            reset(queries, fromPoll ? deadline : Math.max(deadline, System.nanoTime() + settings.defaultApiTimeout().toNanos()),
                    fromPoll);
        }
        fetcher.wakeup();
    }

    /**
     * Moves the partitions of {@code queries} to the offsets their reset strategy asks for. The
     * ListOffsets lookup runs on its own and is kept across polls: a poll waits for it only until its
     * own deadline, takes the partitions it settled so far (one unreachable leader holds up only its
     * own partitions) and leaves the rest to a later poll; a lookup that gave up (its deadline passed
     * on retriable errors) is started again by the next poll, as Apache Kafka's consumer retries its
     * resets. Elsewhere ({@code position()}) the wait is bounded by {@code default.api.timeout.ms} and
     * a timeout is thrown.
     */
    private void reset(Map<TopicPartition, Long> queries, long deadline, boolean fromPoll) {
        OffsetLookup.Lookup l = pendingLookup;
        if (l == null || !covers(l.queries(), queries)) {
            l = lookup.start(queries, true, System.nanoTime() + settings.defaultApiTimeout().toNanos());
            pendingLookup = l;
        }
        RuntimeException failure = null;
        try {
            Blocking.await(l.done(), deadline, "the offsets of " + queries.keySet());
        } catch (RuntimeException e) {
            failure = e;
        }
        Map<TopicPartition, OffsetAndTimestamp> found = new HashMap<>();
        l.found().forEach((tp, ot) -> {
            if (queries.containsKey(tp)) {
                found.put(tp, ot);
            }
        });
        found.forEach((tp, ot) -> subscriptions.seek(tp, ot.offset(), ot.leaderEpoch()));
        if (!found.isEmpty()) {
            log.debug("reset positions: {}", found);
        }
        if (l.done().isDone()) {
            pendingLookup = null;
        }
        if (failure == null) {
            return;
        }
        if (fromPoll && Retry.retriable(failure)) {
            log.debug("offsets for resetting {} not found yet: {}", queries.keySet(), failure.getMessage());
            return;
        }
        throw failure;
    }

    /**
     * True when a lookup asked {@code asked} answers {@code wanted}: the same query for each partition,
     * a timestamp counting as the same as any other (a reset by duration computes its timestamp afresh
     * on every poll; the lookup under way answers it).
     */
    static boolean covers(Map<TopicPartition, Long> asked, Map<TopicPartition, Long> wanted) {
        for (Map.Entry<TopicPartition, Long> e : wanted.entrySet()) {
            Long q = asked.get(e.getKey());
            if (q == null || !(q.equals(e.getValue()) || (q >= 0 && e.getValue() >= 0))) {
                return false;
            }
        }
        return true;
    }

    /** The committed offsets of {@code partitions}, or null when a poll stops waiting before they are known. */
    private Map<TopicPartition, OffsetAndMetadata> committedForPositions(Set<TopicPartition> partitions, long deadline,
                                                                        boolean fromPoll) {
        // A lookup asked before a partition was taken away is not reused: the partition may have had
        // another owner meanwhile, whose commits it cannot show. Committed offsets are read after the
        // partitions were assigned, as Apache Kafka's consumer reuses a pending OffsetFetch only for the
        // same partitions in the same generation.
        long takenAway = subscriptions.takenAway();
        if (pendingCommitted == null || !pendingCommittedFor.containsAll(partitions) || pendingCommittedAt != takenAway) {
            pendingCommittedFor = Set.copyOf(partitions);
            pendingCommittedAt = takenAway;
            pendingCommitted = group.committed(pendingCommittedFor,
                    System.nanoTime() + settings.defaultApiTimeout().toNanos());
        }
        try {
            Map<TopicPartition, OffsetAndMetadata> found = Blocking.await(pendingCommitted, deadline,
                    "the committed offsets of " + partitions);
            pendingCommitted = null;
            return found;
        } catch (TimeoutException e) {
            if (pendingCommitted.isDone()) {
                pendingCommitted = null; // it gave up (the offsets stayed unstable, say): the next poll asks again
            }
            if (fromPoll) {
                log.debug("no committed offsets for {} yet: {}", partitions, e.getMessage());
                return null;
            }
            throw e;
        } catch (RuntimeException e) {
            pendingCommitted = null;
            throw e;
        }
    }

    private void raisePartitionErrors() {
        for (TopicPartition tp : fetcher.partitionsWithErrors()) {
            SkeinException error = fetcher.takeError(tp);
            if (error != null) {
                throw error;
            }
        }
    }

    // ---- commits ----

    @Override
    public void commitSync() {
        commitSync(subscriptions.positions());
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        ensureOpen();
        requireGroup("commitSync()");
        group.commitSync(offsets);
    }

    @Override
    public void commitAsync(OffsetCommitCallback callback) {
        ensureOpen();
        requireGroup("commitAsync()");
        group.commitAsync(subscriptions.positions(), callback);
    }

    @Override
    public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        ensureOpen();
        requireGroup("commitAsync()");
        group.commitAsync(Map.copyOf(offsets), callback);
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        ensureOpen();
        requireGroup("committed()");
        long deadline = System.nanoTime() + settings.defaultApiTimeout().toNanos();
        return Blocking.await(group.committed(partitions, deadline), deadline, "committed offsets");
    }

    private void requireGroup(String what) {
        if (group == null) {
            throw new IllegalStateException(what + " needs a group.id, and this consumer has none");
        }
    }

    // ---- positions API ----

    @Override
    public long position(TopicPartition tp) {
        ensureOpen();
        requireAssigned(tp);
        if (subscriptions.position(tp) < 0 || subscriptions.pendingReset(tp) != null) {
            resolvePositions(System.nanoTime() + settings.defaultApiTimeout().toNanos(), false);
        }
        return subscriptions.position(tp);
    }

    @Override
    public void seek(TopicPartition tp, long offset) {
        ensureOpen();
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        requireAssigned(tp);
        subscriptions.seek(tp, offset);
        fetcher.wakeup();
    }

    @Override
    public void seek(TopicPartition tp, OffsetAndMetadata offset) {
        ensureOpen();
        requireAssigned(tp);
        subscriptions.seek(tp, offset.offset(), offset.leaderEpoch());
        fetcher.wakeup();
    }

    @Override
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        reset(partitions, OffsetReset.EARLIEST);
    }

    @Override
    public void seekToEnd(Collection<TopicPartition> partitions) {
        reset(partitions, OffsetReset.LATEST);
    }

    private void reset(Collection<TopicPartition> partitions, OffsetReset strategy) {
        ensureOpen();
        for (TopicPartition tp : partitions) {
            requireAssigned(tp);
            subscriptions.resetTo(tp, strategy);
        }
    }

    @Override
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
        ensureOpen();
        return lookup.lookup(timestamps, settings.defaultApiTimeout());
    }

    @Override
    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        return offsets(partitions, OffsetLookup.EARLIEST);
    }

    @Override
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        return offsets(partitions, OffsetLookup.LATEST);
    }

    private Map<TopicPartition, Long> offsets(Collection<TopicPartition> partitions, long query) {
        ensureOpen();
        Map<TopicPartition, Long> q = new HashMap<>();
        partitions.forEach(tp -> q.put(tp, query));
        Map<TopicPartition, Long> out = new HashMap<>();
        lookup.lookup(q, settings.defaultApiTimeout()).forEach((tp, ot) -> out.put(tp, ot.offset()));
        return out;
    }

    @Override
    public void pause(Collection<TopicPartition> partitions) {
        ensureOpen();
        subscriptions.pause(partitions, true);
    }

    @Override
    public void resume(Collection<TopicPartition> partitions) {
        ensureOpen();
        subscriptions.pause(partitions, false);
        fetcher.wakeup();
    }

    @Override
    public Set<TopicPartition> paused() {
        return subscriptions.paused();
    }

    @Override
    public void wakeup() {
        wakeup.set(true);
        dataArrived();
    }

    private void checkWakeup() {
        if (wakeup.compareAndSet(true, false)) {
            throw new WakeupException("wakeup() was called");
        }
    }

    private void requireAssigned(TopicPartition tp) {
        if (!subscriptions.isAssigned(tp)) {
            throw new IllegalStateException(tp + " is not assigned to this consumer");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the consumer is closed");
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    @Override
    public void close(Duration timeout) {
        if (closed) {
            return;
        }
        try {
            if (group != null) {
                group.close(timeout);
            }
        } finally {
            closed = true;
            metrics.close(); // first: its gauges read the fetcher and the positions, and hold this consumer
            collector.release();
            fetcher.close();
            client.close();
            if (interceptors != null) {
                interceptors.close();
            }
            log.info("consumer {} closed", settings.client().clientId());
        }
    }
}
