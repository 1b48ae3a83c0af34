package dev.skein.consumer.internal;

import dev.skein.consumer.CommitFailedException;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.NoOffsetForPartitionException;
import dev.skein.consumer.OffsetAndMetadata;
import dev.skein.consumer.OffsetAndTimestamp;
import dev.skein.consumer.OffsetCommitCallback;
import dev.skein.consumer.OffsetReset;
import dev.skein.consumer.RecordDeserializationException;
import dev.skein.consumer.WakeupException;
import dev.skein.core.ClientResources;
import dev.skein.core.ErrorCode;
import dev.skein.core.Header;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.record.Record;
import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SerdeContext;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The consumer. Everything here runs on the thread that calls it (one at a time, as documented on
 * {@link Consumer}); the {@link Fetcher} pre-fetches on an event loop and signals {@link #dataArrived}.
 */
public final class SkeinConsumer<K, V> implements Consumer<K, V> {
    private static final Logger log = LoggerFactory.getLogger(SkeinConsumer.class);

    private final ConsumerSettings settings;
    private final Deserializer<K> keys;
    private final Deserializer<V> values;
    private final ClusterClient client;
    private final SubscriptionState subscriptions = new SubscriptionState();
    private final Fetcher fetcher;
    private final OffsetLookup lookup;
    private final GroupOffsets groupOffsets;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final AtomicBoolean wakeup = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Runnable> callbacks = new ConcurrentLinkedQueue<>();
    private final GroupMembership membership;
    private final ConsumerMetrics metrics;
    private dev.skein.consumer.RebalanceListener listener;
    private java.util.regex.Pattern pattern;
    private CompletedFetch current;
    private RuntimeException deferred;
    private long lastAutoCommitNanos = System.nanoTime();
    private boolean closed;

    public SkeinConsumer(ConsumerSettings settings, Deserializer<K> keys, Deserializer<V> values, ClientResources shared) {
        this.settings = settings;
        this.keys = keys;
        this.values = values;
        this.client = ClusterClient.start(settings.client(), shared);
        this.fetcher = new Fetcher(settings, client, subscriptions, this::dataArrived);
        this.lookup = new OffsetLookup(client, settings);
        this.groupOffsets = settings.groupId() == null ? null : new GroupOffsets(client, settings);
        this.membership = groupOffsets == null ? null : new GroupMembership(client, settings, groupOffsets);
        this.metrics = new ConsumerMetrics(settings.meterRegistry(), settings.client().clientId());
        metrics.gauge("skein.consumer.buffered.bytes", fetcher, Fetcher::bufferedBytes);
        fetcher.latencyListener(metrics::fetchLatency);
        log.info("consumer {} started (group {}, delivery {}, isolation {})", settings.client().clientId(),
                settings.groupId(), settings.delivery(), settings.isolation());
    }

    private void dataArrived() {
        lock.lock();
        try {
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void subscribe(Collection<String> topics, dev.skein.consumer.RebalanceListener listener) {
        ensureOpen();
        if (membership == null) {
            throw new IllegalStateException("subscribe() needs a group.id");
        }
        this.listener = listener;
        this.pattern = null;
        client.metadata().allTopics(false);
        groupOffsets.memberSupplier(membership::identity);
        membership.subscribe(Set.copyOf(topics));
        client.addTopics(Set.copyOf(topics));
    }

    @Override
    public void subscribe(java.util.regex.Pattern topicPattern, dev.skein.consumer.RebalanceListener listener) {
        ensureOpen();
        if (membership == null) {
            throw new IllegalStateException("subscribe() needs a group.id");
        }
        this.listener = listener;
        this.pattern = topicPattern;
        groupOffsets.memberSupplier(membership::identity);
        client.metadata().allTopics(true);
        dev.skein.core.internal.metadata.Cluster c = Blocking.await(client.refreshMetadata(),
                System.nanoTime() + settings.defaultApiTimeout().toNanos(), "metadata of all topics");
        membership.subscribe(matching(c));
    }

    /** The non-internal topics whose whole name matches the pattern subscription. */
    private Set<String> matching(dev.skein.core.internal.metadata.Cluster c) {
        Set<String> out = new java.util.TreeSet<>();
        for (dev.skein.core.internal.metadata.Cluster.TopicInfo t : c.topics().values()) {
            if (!t.internal() && t.error() == ErrorCode.NONE && pattern.matcher(t.name()).matches()) {
                out.add(t.name());
            }
        }
        return out;
    }

    @Override
    public void unsubscribe() {
        ensureOpen();
        if (membership != null && !membership.topics().isEmpty()) {
            revoke(false);
            membership.subscribe(Set.of());
            membership.leave(settings.defaultApiTimeout());
        }
        pattern = null;
        client.metadata().allTopics(false);
        subscriptions.assign(List.of());
    }

    /** Eager rebalance: give up every partition before rejoining (commit first, unless they were lost). */
    private void revoke(boolean lost) {
        Set<TopicPartition> owned = subscriptions.assignment();
        if (owned.isEmpty()) {
            return;
        }
        if (lost) {
            if (listener != null) {
                listener.onPartitionsLost(owned);
            }
        } else {
            if (settings.delivery() == Delivery.AT_LEAST_ONCE) {
                try {
                    Map<TopicPartition, Long> moved = subscriptions.uncommittedPositions();
                    if (!moved.isEmpty()) {
                        commitSync(toOffsets(moved));
                    }
                } catch (RuntimeException e) {
                    log.warn("commit before revoking {} failed: {}", owned, e.getMessage());
                }
            }
            if (listener != null) {
                listener.onPartitionsRevoked(owned);
            }
        }
        if (current != null) {
            fetcher.consumed(current);
            current = null;
        }
        subscriptions.assign(List.of());
    }

    /** In group mode: rejoin when needed, inside poll(). */
    private void maintainMembership(long deadline) {
        if (membership != null && pattern != null) {
            membership.subscribe(matching(client.cluster())); // rejoins when the matching topics changed
        }
        if (membership == null || membership.topics().isEmpty()) {
            return;
        }
        membership.onPoll();
        if (!membership.rejoinNeeded()) {
            return;
        }
        long rebalanceStart = System.nanoTime();
        revoke(membership.takeLost());
        List<TopicPartition> assigned;
        try {
            assigned = membership.join(Math.max(deadline, System.nanoTime() + settings.defaultApiTimeout().toNanos()));
        } catch (dev.skein.core.TimeoutException e) {
            log.debug("join not complete yet: {}", e.getMessage());
            return;
        }
        subscriptions.assign(assigned);
        metrics.assigned(assigned, this::lagForMetrics);
        if (listener != null) {
            listener.onPartitionsAssigned(assigned);
        }
        metrics.rebalanced(System.nanoTime() - rebalanceStart);
        fetcher.wakeup();
    }

    private double lagForMetrics(TopicPartition tp) {
        return subscriptions.lag(tp, settings.isolation() == dev.skein.consumer.IsolationLevel.READ_COMMITTED);
    }

    @Override
    public java.util.OptionalLong currentLag(TopicPartition tp) {
        long lag = subscriptions.lag(tp, settings.isolation() == dev.skein.consumer.IsolationLevel.READ_COMMITTED);
        return lag < 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(lag);
    }

    @Override
    public void assign(Collection<TopicPartition> partitions) {
        ensureOpen();
        if (current != null && !partitions.contains(current.tp)) {
            fetcher.consumed(current);
            current = null;
        }
        subscriptions.assign(partitions);
        metrics.assigned(partitions, this::lagForMetrics);
        client.addTopics(TopicPartition.topicsOf(partitions));
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
        runCallbacks();
        commitBeforePoll();
        maintainMembership(deadline);
        if (deferred != null) {
            RuntimeException e = deferred;
            deferred = null;
            throw e;
        }
        do {
            checkWakeup();
            if (membership != null && !membership.topics().isEmpty() && membership.rejoinNeeded()) {
                maintainMembership(deadline);
            }
            resolvePositions(deadline);
            raisePartitionErrors();
            Map<TopicPartition, List<ConsumerRecord<K, V>>> out = collect();
            if (!out.isEmpty()) {
                fetcher.wakeup();
                ConsumerRecords<K, V> records = new ConsumerRecords<>(out);
                commitAfterPollIfAtMostOnce(records);
                return records;
            }
            fetcher.wakeup();
            awaitData(deadline);
        } while (System.nanoTime() < deadline);
        return ConsumerRecords.empty();
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

    /** Up to max.poll.records records from buffered fetches, advancing positions. */
    private Map<TopicPartition, List<ConsumerRecord<K, V>>> collect() {
        Map<TopicPartition, List<ConsumerRecord<K, V>>> out = new LinkedHashMap<>();
        int left = settings.maxPollRecords();
        while (left > 0) {
            if (current == null) {
                current = fetcher.completed().poll();
                if (current == null) {
                    break;
                }
            }
            CompletedFetch f = current;
            long position = subscriptions.position(f.tp);
            if (position < 0 || position != f.expectedPosition || subscriptions.isPaused(f.tp)
                    || subscriptions.pendingReset(f.tp) != null) {
                // Stale (a seek, reset or reassignment since it was fetched) or paused: drop; it is fetched again.
                fetcher.consumed(f);
                current = null;
                continue;
            }
            List<ConsumerRecord<K, V>> list = out.computeIfAbsent(f.tp, k -> new ArrayList<>());
            try {
                left -= drain(f, list, left);
            } catch (RuntimeException e) {
                if (list.isEmpty()) {
                    out.remove(f.tp);
                }
                if (out.isEmpty()) {
                    throw e;
                }
                deferred = e; // hand out what came before the bad record first
                return out;
            }
            if (list.isEmpty()) {
                out.remove(f.tp);
            }
        }
        return out;
    }

    /** Drains records of one fetch into {@code list}; returns how many it added. */
    private int drain(CompletedFetch f, List<ConsumerRecord<K, V>> list, int max) {
        int added = 0;
        long position = subscriptions.position(f.tp);
        long[] skipTo = {position};
        while (added < max) {
            Record r;
            try {
                r = f.next(position, settings.isolation(), settings.checkCrcs(), client.resources().allocator(),
                        (int) Math.min(Integer.MAX_VALUE, settings.bufferMaxBytes()), skipTo);
            } catch (RuntimeException e) {
                // A corrupt batch: the position stays on it; drop this fetch so a seek can move past.
                fetcher.consumed(f);
                current = null;
                throw e;
            }
            if (r == null) {
                if (skipTo[0] > position) {
                    subscriptions.advance(f.tp, position, skipTo[0]);
                    f.expectedPosition = skipTo[0];
                }
                fetcher.consumed(f);
                current = null;
                return added;
            }
            list.add(toRecord(f, r));
            metrics.consumed(1, (r.key() == null ? 0 : r.key().readableBytes()) + (r.value() == null ? 0 : r.value().readableBytes()));
            subscriptions.advance(f.tp, position, r.offset() + 1);
            position = r.offset() + 1;
            f.expectedPosition = position;
            skipTo[0] = Math.max(skipTo[0], position);
            added++;
        }
        return added;
    }

    private ConsumerRecord<K, V> toRecord(CompletedFetch f, Record r) {
        SerdeContext keyCtx = SerdeContext.forConsumer(f.tp.topic(), SerdeContext.Target.KEY, r.headers(), f.tp.partition(), r.offset());
        SerdeContext valueCtx = SerdeContext.forConsumer(f.tp.topic(), SerdeContext.Target.VALUE, r.headers(), f.tp.partition(), r.offset());
        K k = deserialize(keys, r.key(), keyCtx);
        V v = deserialize(values, r.value(), valueCtx);
        List<Header> headers = r.headers();
        return new ConsumerRecord<>(f.tp.topic(), f.tp.partition(), r.offset(), r.timestamp(), false, k, v, headers,
                r.key() == null ? -1 : r.key().readableBytes(), r.value() == null ? -1 : r.value().readableBytes(), -1);
    }

    private static <T> T deserialize(Deserializer<T> d, ByteBuf data, SerdeContext ctx) {
        try {
            return d.deserialize(data == null ? null : data.nioBuffer(), ctx);
        } catch (RuntimeException e) {
            byte[] bytes = data == null ? null : ByteBufUtil.getBytes(data);
            throw new RecordDeserializationException("cannot deserialize the " + (ctx.isKey() ? "key" : "value")
                    + " of the record at " + ctx.topic() + "-" + ctx.partition() + " offset " + ctx.offset() + ": " + e.getMessage(),
                    ctx, bytes, e);
        }
    }

    // ---- positions ----

    private void resolvePositions(long pollDeadline) {
        Set<TopicPartition> needing = subscriptions.needingPosition();
        if (needing.isEmpty()) {
            return;
        }
        long deadline = Math.max(pollDeadline, System.nanoTime() + settings.defaultApiTimeout().toNanos());
        Map<TopicPartition, Long> committed = new HashMap<>();
        if (groupOffsets != null) {
            Set<TopicPartition> fresh = new java.util.HashSet<>();
            for (TopicPartition tp : needing) {
                if (subscriptions.pendingReset(tp) == null) {
                    fresh.add(tp);
                }
            }
            if (!fresh.isEmpty()) {
                groupOffsets.fetch(fresh, 5).join().forEach((tp, om) -> committed.put(tp, om.offset()));
            }
        }
        Map<TopicPartition, Long> queries = new HashMap<>();
        List<TopicPartition> noReset = new ArrayList<>();
        for (TopicPartition tp : needing) {
            if (committed.containsKey(tp)) {
                subscriptions.seek(tp, committed.get(tp));
                continue;
            }
            OffsetReset strategy = subscriptions.pendingReset(tp) != null ? subscriptions.pendingReset(tp) : settings.offsetReset();
            switch (strategy) {
                case EARLIEST -> queries.put(tp, OffsetLookup.EARLIEST);
                case LATEST -> queries.put(tp, OffsetLookup.LATEST);
                case NONE -> noReset.add(tp);
            }
        }
        if (!noReset.isEmpty()) {
            throw new NoOffsetForPartitionException("no committed offset (or out of range) for " + noReset
                    + " and auto.offset.reset is none");
        }
        if (!queries.isEmpty()) {
            Map<TopicPartition, OffsetAndTimestamp> found = lookup.lookup(queries,
                    Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            found.forEach((tp, ot) -> subscriptions.seek(tp, ot.offset()));
            log.debug("reset positions: {}", found);
        }
        fetcher.wakeup();
    }

    private void raisePartitionErrors() {
        for (TopicPartition tp : fetcher.partitionsWithErrors()) {
            ErrorCode code = fetcher.takeError(tp);
            if (code != null) {
                throw code.exception("Fetch from " + tp);
            }
        }
    }

    // ---- commits ----

    private void commitBeforePoll() {
        if (groupOffsets == null) {
            return;
        }
        boolean due = settings.delivery() == Delivery.AT_LEAST_ONCE || (settings.delivery() == Delivery.MANUAL
                && settings.autoCommit() && System.nanoTime() - lastAutoCommitNanos >= settings.autoCommitInterval().toNanos());
        if (due) {
            lastAutoCommitNanos = System.nanoTime();
            commitPositionsAsync();
        }
    }

    private void commitPositionsAsync() {
        Map<TopicPartition, Long> moved = subscriptions.uncommittedPositions();
        if (moved.isEmpty()) {
            return;
        }
        groupOffsets.commit(toOffsets(moved), 3).whenComplete((v, e) -> {
            if (e == null) {
                moved.forEach(subscriptions::markCommitted);
            } else {
                log.warn("commit of {} failed; it is retried on the next poll: {}", moved.keySet(), e.getMessage());
            }
        });
    }

    private void commitAfterPollIfAtMostOnce(ConsumerRecords<K, V> records) {
        if (settings.delivery() != Delivery.AT_MOST_ONCE) {
            return;
        }
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            positions.put(tp, subscriptions.position(tp));
        }
        try {
            commitSync(toOffsets(positions));
        } catch (RuntimeException e) {
            // Never hand out records whose offsets are not committed: rewind so they are fetched again.
            for (TopicPartition tp : records.partitions()) {
                subscriptions.seek(tp, records.records(tp).get(0).offset());
            }
            throw e;
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> toOffsets(Map<TopicPartition, Long> positions) {
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        positions.forEach((tp, p) -> out.put(tp, OffsetAndMetadata.of(p)));
        return out;
    }

    @Override
    public void commitSync() {
        commitSync(toOffsets(subscriptions.positions()));
    }

    /** A member that knows it lost its generation must not commit: the partitions may have moved on. */
    private void requireCurrentGeneration(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (membership != null && !membership.topics().isEmpty() && membership.isStale() && !offsets.isEmpty()) {
            throw new CommitFailedException("commit of " + offsets.keySet() + " refused: this member is no longer in"
                    + " group " + settings.groupId() + " (poll() was not called within max.poll.interval.ms, or it was"
                    + " fenced); the partitions may already belong to another member. The next poll() rejoins.");
        }
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        ensureOpen();
        requireGroup();
        requireCurrentGeneration(offsets);
        if (offsets.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + settings.defaultApiTimeout().toNanos();
        try {
            Blocking.await(groupOffsets.commit(offsets, 5), deadline, "commit of " + offsets.keySet());
        } catch (CommitFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CommitFailedException("commit of " + offsets.keySet() + " failed: " + e.getMessage(), e);
        }
        offsets.forEach((tp, om) -> subscriptions.markCommitted(tp, om.offset()));
    }

    @Override
    public void commitAsync(OffsetCommitCallback callback) {
        ensureOpen();
        requireGroup();
        Map<TopicPartition, OffsetAndMetadata> offsets = toOffsets(subscriptions.positions());
        requireCurrentGeneration(offsets);
        groupOffsets.commit(offsets, 3).whenComplete((v, e) -> {
            if (e == null) {
                offsets.forEach((tp, om) -> subscriptions.markCommitted(tp, om.offset()));
            }
            if (callback != null) {
                Exception ex = e == null ? null : (e.getCause() instanceof Exception c ? c : new RuntimeException(e));
                callbacks.add(() -> callback.onComplete(offsets, ex));
            }
        });
    }

    private void runCallbacks() {
        for (Runnable r; (r = callbacks.poll()) != null; ) {
            r.run();
        }
    }

    @Override
    public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        ensureOpen();
        requireGroup();
        return Blocking.await(groupOffsets.fetch(partitions, 5),
                System.nanoTime() + settings.defaultApiTimeout().toNanos(), "committed offsets");
    }

    private void requireGroup() {
        if (groupOffsets == null) {
            throw new IllegalStateException("this consumer has no group.id; offsets cannot be committed");
        }
    }

    // ---- positions API ----

    @Override
    public long position(TopicPartition tp) {
        ensureOpen();
        requireAssigned(tp);
        if (subscriptions.position(tp) < 0 || subscriptions.pendingReset(tp) != null) {
            resolvePositions(System.nanoTime());
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
            subscriptions.requestReset(tp, subscriptions.position(tp), strategy);
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
            if (groupOffsets != null && settings.delivery() == Delivery.AT_LEAST_ONCE) {
                Map<TopicPartition, Long> moved = subscriptions.uncommittedPositions();
                if (!moved.isEmpty()) {
                    Blocking.await(groupOffsets.commit(toOffsets(moved), 3), System.nanoTime() + timeout.toNanos(),
                            "the final commit");
                }
            }
        } catch (RuntimeException e) {
            log.warn("final commit on close failed: {}", e.getMessage());
        } finally {
            if (membership != null && !membership.topics().isEmpty()) {
                membership.leave(timeout);
            }
            closed = true;
            if (current != null) {
                fetcher.consumed(current);
                current = null;
            }
            fetcher.close();
            client.close();
            log.info("consumer {} closed", settings.client().clientId());
        }
    }
}
