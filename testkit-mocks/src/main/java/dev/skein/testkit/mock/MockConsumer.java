package dev.skein.testkit.mock;

import dev.skein.consumer.CommitFailedException;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerOptions;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.NoOffsetForPartitionException;
import dev.skein.consumer.OffsetCommitCallback;
import dev.skein.consumer.OffsetReset;
import dev.skein.consumer.RebalanceListener;
import dev.skein.consumer.SubscriptionPattern;
import dev.skein.consumer.WakeupException;
import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.OffsetAndTimestamp;
import dev.skein.core.TopicPartition;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A {@link Consumer} over records a test adds in memory, for unit tests of code that consumes.
 *
 * <pre>{@code
 * MockConsumer<String, String> consumer = MockConsumer.<String, String>builder()
 *         .groupId("billing").offsetReset(OffsetReset.EARLIEST).build();
 * TopicPartition orders = new TopicPartition("orders", 0);
 * consumer.addRecord(orders, "customer-1", "two apples");
 * consumer.rebalance(List.of(orders));      // applied by the next poll(), as a group would
 * new BillingLoop(consumer).run();          // the code under test: subscribes, polls, bills, closes
 * assertEquals(List.of(Map.of(orders, OffsetAndMetadata.of(1))), consumer.commitHistory()); // at-least-once, on close
 * }</pre>
 *
 * <p>Each partition is a log: {@link #addRecord} appends, and {@code poll()} returns the records at and
 * after each assigned, unpaused partition's position, at most {@code maxPollRecords}, and moves the
 * positions past them. A partition without a position starts at its committed offset, else where
 * {@code auto.offset.reset} says ({@code NONE}: {@link NoOffsetForPartitionException}).
 *
 * <p>What it does as the real consumer does: {@code poll()} waits up to its timeout when there is
 * nothing to return (records added or {@link #wakeup()} from another thread end the wait), and throws
 * {@link WakeupException} once after {@code wakeup()}; the delivery mode's commits (at-least-once:
 * what the previous poll returned, when the next poll starts, before a revocation, and on close;
 * at-most-once: before poll returns; manual and exactly-once: none); {@code subscribe} and the group
 * calls need a group id ({@link IllegalStateException}); {@code assign} while subscribed, and
 * {@code position}, {@code seek} or {@code pause} of a partition not assigned throw
 * {@link IllegalStateException}; a member out of its group ({@link #fenceMember()}) fails its commits
 * with {@link CommitFailedException}; asynchronous commits' callbacks run inside the next poll; a
 * rebalance is applied inside {@code poll()}, calling the listener there; every call but
 * {@code assignment}, {@code paused} and {@code wakeup} throws {@link IllegalStateException} after close.
 *
 * <p>Rebalances are simulated: {@link #rebalance} gives the member a new assignment at its next poll.
 * By default revocations are incremental, as under the consumer group protocol (the default on
 * brokers that offer it): only the partitions taken away are revoked, and the listener's
 * {@code onPartitionsAssigned} gets the ones added; {@link Builder#eagerRebalances()} revokes
 * everything first and assigns the whole set, as the classic protocol's eager assignors do. Like the
 * real consumer, the mock does not refuse a commit of a partition it does not own: the broker accepts
 * a current member's commit for any partition of the group.
 *
 * <p>Where it differs: there is no fetching or deserializing (records are added as objects); the
 * beginning and end offsets are what {@link #updateBeginningOffsets} and {@link #updateEndOffsets}
 * set, or the log's bounds (0 and 0 for a partition the test never mentioned); the lag is known at once.
 *
 * <p>Threading: use it from one thread, as the real consumer; {@link #wakeup()}, {@link #addRecord} and
 * the other test methods may be called from any thread.
 *
 * <p>One class, long on purpose: it implements every method of {@link Consumer} over one set of
 * partition logs, positions and commits kept under one lock, and the test-side methods that change them;
 * split, each piece would need all of that state.
 *
 * @param <K> key type
 * @param <V> value type
 */
public final class MockConsumer<K, V> implements Consumer<K, V> {
    private final String groupId;
    private final String groupInstanceId;
    private final Delivery delivery;
    private final OffsetReset offsetReset;
    private final int maxPollRecords;
    private final boolean eager;

    private final Map<TopicPartition, TreeMap<Long, ConsumerRecord<K, V>>> logs = new HashMap<>();
    private final Map<TopicPartition, Long> beginningOffsets = new HashMap<>();
    private final Map<TopicPartition, Long> endOffsets = new HashMap<>();
    private final Map<TopicPartition, Position> assigned = new LinkedHashMap<>();
    private final Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
    private final List<Map<TopicPartition, OffsetAndMetadata>> commitHistory = new ArrayList<>();
    private final Deque<Runnable> pollTasks = new ArrayDeque<>();
    private final Deque<Runnable> commitCallbacks = new ArrayDeque<>();

    private boolean subscribed;
    private Set<String> topics = Set.of();
    private Pattern pattern;
    private SubscriptionPattern brokerPattern;
    private RebalanceListener listener;
    private List<TopicPartition> pendingAssignment;
    private boolean pendingLoss;
    /** Out of the group: no generation until the next rebalance (commits refused meanwhile). */
    private boolean stale = true;
    private int generation;
    private String memberId = "";
    private RuntimeException nextCommitFailure;
    private int rebalancesRequested;
    private volatile boolean wakeup;
    private boolean closed;
    /** The first exception a rebalance listener threw in the rebalance being applied ({@link #listen}). */
    private RuntimeException listenerFailure;

    /** A partition's place: the next offset to return, -1 until resolved, or a reset to apply first. */
    private static final class Position {
        long offset = -1;
        OffsetReset reset;
        boolean paused;
    }

    private MockConsumer(Builder<K, V> b) {
        this.groupId = b.groupId;
        this.groupInstanceId = b.groupInstanceId;
        this.delivery = b.delivery;
        this.offsetReset = b.offsetReset;
        this.maxPollRecords = b.maxPollRecords;
        this.eager = b.eager;
    }

    /** A builder with the real consumer's defaults: no group, at-least-once, {@code latest}, 500 records a poll. */
    public static <K, V> Builder<K, V> builder() {
        return new Builder<>();
    }

    // ---- what the test feeds in ----

    /**
     * Appends a record to its partition's log. Its offset must be past the partition's last one (gaps
     * are allowed, as in a compacted log). Wakes a {@code poll()} waiting for records.
     *
     * @throws IllegalArgumentException when the offset is not past the last
     */
    public synchronized void addRecord(ConsumerRecord<K, V> record) {
        Objects.requireNonNull(record, "record");
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        TreeMap<Long, ConsumerRecord<K, V>> log = logs.computeIfAbsent(tp, t -> new TreeMap<>());
        long next = logEnd(tp);
        if (record.offset() < next) {
            throw new IllegalArgumentException("offset " + record.offset() + " of " + tp + " is not past the log's end ("
                    + next + ")");
        }
        log.put(record.offset(), record);
        notifyAll();
    }

    /**
     * Appends a record with this key and value at the partition's end offset, timestamped now, and
     * returns it.
     */
    public synchronized ConsumerRecord<K, V> addRecord(TopicPartition tp, K key, V value) {
        ConsumerRecord<K, V> r = new ConsumerRecord<>(tp.topic(), tp.partition(), logEnd(tp), System.currentTimeMillis(),
                false, key, value, List.of(), -1, -1, -1);
        addRecord(r);
        return r;
    }

    /** Sets the earliest offsets of these partitions (a log whose start was deleted). */
    public synchronized void updateBeginningOffsets(Map<TopicPartition, Long> offsets) {
        beginningOffsets.putAll(offsets);
    }

    /** Sets the end offsets of these partitions; the records added later go after them. */
    public synchronized void updateEndOffsets(Map<TopicPartition, Long> offsets) {
        endOffsets.putAll(offsets);
    }

    /**
     * Gives this member {@code partitions} at its next {@code poll()}, as a finished rebalance would: the
     * listener is told there, on the polling thread (see the class comment for which partitions it is
     * told of). Only a subscribed consumer takes it; it waits until then.
     */
    public synchronized void rebalance(Collection<TopicPartition> partitions) {
        pendingAssignment = List.copyOf(partitions);
        notifyAll();
    }

    /**
     * Puts the member out of its group, as a session timeout or a fence would: its next {@code poll()}
     * tells the listener the partitions are lost and drops them; until a {@link #rebalance} its commits
     * fail with {@link CommitFailedException} and {@link #groupMetadata()} shows generation -1.
     */
    public synchronized void fenceMember() {
        stale = true;
        pendingLoss = true;
        notifyAll();
    }

    /**
     * Runs {@code task} at the start of a later {@code poll()}, on the polling thread: one task per poll,
     * in the order scheduled. For code under test that runs its own poll loop: add records, rebalance,
     * or call {@link #wakeup()} between its polls.
     */
    public synchronized void schedulePollTask(Runnable task) {
        pollTasks.add(Objects.requireNonNull(task, "task"));
    }

    /** The next commit (sync or async) fails with a {@link CommitFailedException} caused by {@code error}. */
    public synchronized void failNextCommit(RuntimeException error) {
        nextCommitFailure = Objects.requireNonNull(error, "error");
    }

    // ---- what the test inspects ----

    /** Every successful commit, oldest first, each as the offsets it carried. */
    public synchronized List<Map<TopicPartition, OffsetAndMetadata>> commitHistory() {
        return List.copyOf(commitHistory);
    }

    /** How many times {@link #enforceRebalance()} was called while subscribed. */
    public synchronized int rebalancesRequested() {
        return rebalancesRequested;
    }

    /** The topics of the current subscription (empty for a pattern or when not subscribed). */
    public synchronized Set<String> subscription() {
        return topics;
    }

    public synchronized boolean closed() {
        return closed;
    }

    // ---- Consumer: subscriptions and assignment ----

    @Override
    public synchronized void subscribe(Collection<String> topics, RebalanceListener listener) {
        startSubscription(listener);
        this.topics = Set.copyOf(topics);
    }

    @Override
    public synchronized void subscribe(Pattern pattern, RebalanceListener listener) {
        startSubscription(listener);
        this.pattern = Objects.requireNonNull(pattern, "pattern");
    }

    @Override
    public synchronized void subscribe(SubscriptionPattern pattern, RebalanceListener listener) {
        startSubscription(listener);
        this.brokerPattern = Objects.requireNonNull(pattern, "pattern");
    }

    private void startSubscription(RebalanceListener listener) {
        ensureOpen();
        requireGroup("subscribe()");
        if (!subscribed) {
            assigned.clear(); // a manual assignment is replaced
        }
        subscribed = true;
        topics = Set.of();
        pattern = null;
        brokerPattern = null;
        this.listener = listener;
    }

    @Override
    public synchronized void unsubscribe() {
        ensureOpen();
        if (subscribed && !assigned.isEmpty()) {
            revoke(new ArrayList<>(assigned.keySet()));
        }
        subscribed = false;
        topics = Set.of();
        pattern = null;
        brokerPattern = null;
        listener = null;
        assigned.clear();
        stale = true;
        generation = 0;
        raiseListenerFailure();
    }

    @Override
    public synchronized void assign(Collection<TopicPartition> partitions) {
        ensureOpen();
        if (subscribed) {
            throw new IllegalStateException("assign() cannot be mixed with subscribe(); unsubscribe() first");
        }
        Map<TopicPartition, Position> kept = new HashMap<>(assigned);
        assigned.clear();
        for (TopicPartition tp : partitions) {
            assigned.put(tp, kept.getOrDefault(tp, new Position()));
        }
    }

    @Override
    public synchronized Set<TopicPartition> assignment() {
        return Set.copyOf(assigned.keySet());
    }

    // ---- poll ----

    @Override
    public synchronized ConsumerRecords<K, V> poll(Duration timeout) {
        ensureOpen();
        long deadline = System.nanoTime() + timeout.toNanos();
        Runnable task = pollTasks.poll();
        if (task != null) {
            task.run();
        }
        for (Runnable r; (r = commitCallbacks.poll()) != null; ) {
            r.run();
        }
        if (groupId != null && delivery == Delivery.AT_LEAST_ONCE && !(subscribed && stale)) {
            commitQuietly(uncommittedPositions());
        }
        while (true) {
            checkWakeup();
            applyGroupChanges();
            raiseListenerFailure();
            resolvePositions();
            Map<TopicPartition, List<ConsumerRecord<K, V>>> out = collect();
            if (!out.isEmpty()) {
                if (groupId != null && delivery == Delivery.AT_MOST_ONCE) {
                    Map<TopicPartition, OffsetAndMetadata> positions = new LinkedHashMap<>();
                    out.keySet().forEach(tp -> positions.put(tp, OffsetAndMetadata.of(assigned.get(tp).offset)));
                    try {
                        commit(positions);
                    } catch (RuntimeException e) {
                        // As the real one: never hand out records whose offsets are not committed.
                        out.forEach((tp, records) -> assigned.get(tp).offset = records.get(0).offset());
                        throw e;
                    }
                }
                return new ConsumerRecords<>(out);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return ConsumerRecords.empty();
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left); // addRecord, rebalance and wakeup notify
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException("interrupted during poll", e);
            }
        }
    }

    private void checkWakeup() {
        if (wakeup) {
            wakeup = false;
            throw new WakeupException("wakeup() was called");
        }
    }

    /** A loss or a finished rebalance, applied on the polling thread with the listener told. */
    private void applyGroupChanges() {
        if (pendingLoss) {
            pendingLoss = false;
            if (subscribed && !assigned.isEmpty()) {
                List<TopicPartition> lost = new ArrayList<>(assigned.keySet());
                assigned.clear();
                if (listener != null) {
                    RebalanceListener l = listener;
                    listen(() -> l.onPartitionsLost(Set.copyOf(lost)));
                }
            }
            generation = -1;
            memberId = "";
        }
        if (pendingAssignment == null || !subscribed) {
            return;
        }
        List<TopicPartition> next = pendingAssignment;
        pendingAssignment = null;
        for (TopicPartition tp : next) {
            if (!subscribedTo(tp.topic())) {
                throw new IllegalArgumentException("the simulated rebalance assigns " + tp + ", outside the subscription");
            }
        }
        Set<TopicPartition> owned = new LinkedHashSet<>(assigned.keySet());
        Set<TopicPartition> added = new LinkedHashSet<>(next);
        added.removeAll(owned);
        Set<TopicPartition> revoked = new LinkedHashSet<>(owned);
        if (!eager) {
            revoked.removeAll(next);
        }
        if (!revoked.isEmpty() && !stale) {
            revoke(revoked);
        }
        revoked.forEach(assigned::remove);
        for (TopicPartition tp : next) {
            assigned.computeIfAbsent(tp, t -> new Position());
        }
        assigned.keySet().retainAll(next);
        stale = false;
        generation = Math.max(generation, 0) + 1;
        if (memberId.isEmpty()) {
            memberId = "mock-member-" + Integer.toHexString(System.identityHashCode(this));
        }
        if (listener != null) {
            RebalanceListener l = listener;
            listen(() -> l.onPartitionsAssigned(eager ? List.copyOf(next) : List.copyOf(added)));
        }
    }

    /**
     * Runs a listener call of a rebalance. As in the real consumer (its ConsumerGroup), an exception does
     * not stop the rebalance: the first one is kept and raised once the rebalance is applied
     * ({@link #raiseListenerFailure}).
     */
    private void listen(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            if (listenerFailure == null) {
                listenerFailure = e;
            }
        }
    }

    private void raiseListenerFailure() {
        RuntimeException e = listenerFailure;
        if (e != null) {
            listenerFailure = null;
            throw e;
        }
    }

    /** At-least-once commits what was returned of the partitions first, then the listener is told. */
    private void revoke(Collection<TopicPartition> parts) {
        if (delivery == Delivery.AT_LEAST_ONCE && !stale) {
            Map<TopicPartition, OffsetAndMetadata> moved = uncommittedPositions();
            moved.keySet().retainAll(parts);
            commitQuietly(moved);
        }
        if (listener != null) {
            RebalanceListener l = listener;
            listen(() -> l.onPartitionsRevoked(Set.copyOf(parts)));
        }
    }

    private boolean subscribedTo(String topic) {
        if (pattern != null) {
            return pattern.matcher(topic).matches();
        }
        if (brokerPattern != null) {
            return Pattern.compile(brokerPattern.regex()).matcher(topic).matches();
        }
        return topics.contains(topic);
    }

    private void resolvePositions() {
        List<TopicPartition> noReset = new ArrayList<>();
        for (Map.Entry<TopicPartition, Position> e : assigned.entrySet()) {
            TopicPartition tp = e.getKey();
            Position p = e.getValue();
            if (p.reset != null) {
                p.offset = p.reset == OffsetReset.EARLIEST ? beginning(tp) : logEnd(tp);
                p.reset = null;
            } else if (p.offset < 0) {
                OffsetAndMetadata c = groupId == null ? null : committed.get(tp);
                if (c != null) {
                    p.offset = c.offset();
                } else if (offsetReset == OffsetReset.NONE) {
                    noReset.add(tp);
                } else {
                    p.offset = offsetReset == OffsetReset.EARLIEST ? beginning(tp) : logEnd(tp);
                }
            }
        }
        if (!noReset.isEmpty()) {
            throw new NoOffsetForPartitionException("no committed offset (or out of range) for " + noReset
                    + " and auto.offset.reset is none");
        }
    }

    private Map<TopicPartition, List<ConsumerRecord<K, V>>> collect() {
        Map<TopicPartition, List<ConsumerRecord<K, V>>> out = new LinkedHashMap<>();
        int room = maxPollRecords;
        for (Map.Entry<TopicPartition, Position> e : assigned.entrySet()) {
            Position p = e.getValue();
            TreeMap<Long, ConsumerRecord<K, V>> log = logs.get(e.getKey());
            if (room == 0 || p.paused || log == null) {
                continue;
            }
            List<ConsumerRecord<K, V>> records = new ArrayList<>();
            for (ConsumerRecord<K, V> r : log.tailMap(p.offset, true).values()) {
                if (room == 0) {
                    break;
                }
                records.add(r);
                room--;
            }
            if (!records.isEmpty()) {
                p.offset = records.get(records.size() - 1).offset() + 1;
                out.put(e.getKey(), List.copyOf(records));
            }
        }
        return out;
    }

    // ---- commits ----

    @Override
    public synchronized void commitSync() {
        ensureOpen();
        requireGroup("commitSync()");
        commit(positions());
    }

    @Override
    public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        ensureOpen();
        requireGroup("commitSync()");
        commit(Map.copyOf(offsets));
    }

    @Override
    public synchronized void commitAsync(OffsetCommitCallback callback) {
        ensureOpen();
        requireGroup("commitAsync()");
        commitAsync0(positions(), callback);
    }

    @Override
    public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        ensureOpen();
        requireGroup("commitAsync()");
        commitAsync0(Map.copyOf(offsets), callback);
    }

    private void commitAsync0(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        requireCurrentGeneration(offsets); // thrown by the call itself, as in the real consumer
        Exception error = null;
        try {
            commit(offsets);
        } catch (CommitFailedException e) {
            error = e;
        }
        if (callback != null) {
            Exception result = error;
            commitCallbacks.add(() -> callback.onComplete(offsets, result));
        }
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets) {
        requireCurrentGeneration(offsets);
        if (offsets.isEmpty()) {
            return;
        }
        RuntimeException injected = nextCommitFailure;
        if (injected != null) {
            nextCommitFailure = null;
            throw injected instanceof CommitFailedException c ? c
                    : new CommitFailedException("commit of " + offsets.keySet() + " for group " + groupId + " failed: "
                    + injected.getMessage(), injected);
        }
        committed.putAll(offsets);
        commitHistory.add(Map.copyOf(offsets));
    }

    /** The delivery mode's own commits: a failure is left for the next one, as the real consumer does. */
    private void commitQuietly(Map<TopicPartition, OffsetAndMetadata> offsets) {
        try {
            commit(offsets);
        } catch (CommitFailedException e) {
            // retried by the next poll
        }
    }

    private void requireCurrentGeneration(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (subscribed && stale && !offsets.isEmpty()) {
            throw new CommitFailedException("commit of " + offsets.keySet() + " refused: this member is not in group "
                    + groupId + "; the partitions may belong to another member. The next poll() rejoins.");
        }
    }

    private Map<TopicPartition, OffsetAndMetadata> positions() {
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        assigned.forEach((tp, p) -> {
            if (p.offset >= 0) {
                out.put(tp, OffsetAndMetadata.of(p.offset));
            }
        });
        return out;
    }

    private Map<TopicPartition, OffsetAndMetadata> uncommittedPositions() {
        Map<TopicPartition, OffsetAndMetadata> out = positions();
        out.entrySet().removeIf(e -> committed.containsKey(e.getKey())
                && committed.get(e.getKey()).offset() == e.getValue().offset());
        return out;
    }

    @Override
    public synchronized Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
        ensureOpen();
        requireGroup("committed()");
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata c = committed.get(tp);
            if (c != null) {
                out.put(tp, c);
            }
        }
        return out;
    }

    // ---- positions ----

    @Override
    public synchronized long position(TopicPartition tp) {
        ensureOpen();
        Position p = requireAssigned(tp);
        if (p.offset < 0 || p.reset != null) {
            resolvePositions();
        }
        return p.offset;
    }

    @Override
    public synchronized void seek(TopicPartition tp, long offset) {
        ensureOpen();
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        Position p = requireAssigned(tp);
        p.offset = offset;
        p.reset = null;
    }

    @Override
    public synchronized void seek(TopicPartition tp, OffsetAndMetadata offset) {
        seek(tp, offset.offset());
    }

    @Override
    public synchronized void seekToBeginning(Collection<TopicPartition> partitions) {
        requestReset(partitions, OffsetReset.EARLIEST);
    }

    @Override
    public synchronized void seekToEnd(Collection<TopicPartition> partitions) {
        requestReset(partitions, OffsetReset.LATEST);
    }

    /** As in the real consumer the offset is looked up later, by the next poll() or position(). */
    private void requestReset(Collection<TopicPartition> partitions, OffsetReset where) {
        ensureOpen();
        for (TopicPartition tp : partitions) {
            requireAssigned(tp).reset = where;
        }
    }

    @Override
    public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
        ensureOpen();
        Map<TopicPartition, OffsetAndTimestamp> out = new HashMap<>();
        timestamps.forEach((tp, ts) -> {
            TreeMap<Long, ConsumerRecord<K, V>> log = logs.get(tp);
            if (log != null) {
                log.values().stream().filter(r -> r.timestamp() >= ts).findFirst()
                        .ifPresent(r -> out.put(tp, new OffsetAndTimestamp(r.offset(), r.timestamp(), r.leaderEpoch())));
            }
        });
        return out;
    }

    @Override
    public synchronized Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        ensureOpen();
        Map<TopicPartition, Long> out = new HashMap<>();
        partitions.forEach(tp -> out.put(tp, beginning(tp)));
        return out;
    }

    @Override
    public synchronized Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        ensureOpen();
        Map<TopicPartition, Long> out = new HashMap<>();
        partitions.forEach(tp -> out.put(tp, logEnd(tp)));
        return out;
    }

    private long beginning(TopicPartition tp) {
        Long set = beginningOffsets.get(tp);
        if (set != null) {
            return set;
        }
        TreeMap<Long, ConsumerRecord<K, V>> log = logs.get(tp);
        return log == null || log.isEmpty() ? 0 : log.firstKey();
    }

    private long logEnd(TopicPartition tp) {
        long end = endOffsets.getOrDefault(tp, 0L);
        TreeMap<Long, ConsumerRecord<K, V>> log = logs.get(tp);
        return log == null || log.isEmpty() ? end : Math.max(end, log.lastKey() + 1);
    }

    @Override
    public synchronized OptionalLong currentLag(TopicPartition tp) {
        Position p = assigned.get(tp);
        return p == null || p.offset < 0 ? OptionalLong.empty() : OptionalLong.of(Math.max(0, logEnd(tp) - p.offset));
    }

    // ---- flow control, group, lifecycle ----

    @Override
    public synchronized void pause(Collection<TopicPartition> partitions) {
        ensureOpen();
        partitions.forEach(tp -> requireAssigned(tp).paused = true);
    }

    @Override
    public synchronized void resume(Collection<TopicPartition> partitions) {
        ensureOpen();
        partitions.forEach(tp -> requireAssigned(tp).paused = false);
    }

    @Override
    public synchronized Set<TopicPartition> paused() {
        Set<TopicPartition> out = new LinkedHashSet<>();
        assigned.forEach((tp, p) -> {
            if (p.paused) {
                out.add(tp);
            }
        });
        return out;
    }

    /** Counts the request ({@link #rebalancesRequested()}); the test decides the new assignment with {@link #rebalance}. */
    @Override
    public synchronized void enforceRebalance() {
        ensureOpen();
        if (subscribed) {
            rebalancesRequested++;
        }
    }

    @Override
    public synchronized ConsumerGroupMetadata groupMetadata() {
        ensureOpen();
        requireGroup("groupMetadata()");
        boolean in = subscribed && !stale;
        return new ConsumerGroupMetadata(groupId, in ? generation : -1, in ? memberId : "", groupInstanceId);
    }

    /** Makes the current or next {@code poll()} throw {@link WakeupException}, once. Any thread. */
    @Override
    public void wakeup() {
        wakeup = true;
        synchronized (this) {
            notifyAll();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }

    /**
     * At-least-once commits what was returned, the callbacks of asynchronous commits run, the listener is
     * told of the revocation (or loss), then it is closed. As in the real consumer, what a commit callback
     * or the listener throws here is logged, not thrown: the close carries on.
     */
    @Override
    public synchronized void close(Duration timeout) {
        if (closed) {
            return;
        }
        try {
            if (groupId != null && delivery == Delivery.AT_LEAST_ONCE && !(subscribed && stale)) {
                commitQuietly(uncommittedPositions());
            }
            // As the real close: the asynchronous commits' callbacks run here, on the closing thread; one
            // that throws does not stop the others.
            for (Runnable r; (r = commitCallbacks.poll()) != null; ) {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    System.getLogger(MockConsumer.class.getName()).log(System.Logger.Level.WARNING,
                            "a commit callback failed on close", e);
                }
            }
            if (subscribed && listener != null && !assigned.isEmpty()) {
                // As the real close (ConsumerGroup.close): a listener that throws is logged, and the close
                // goes on; poll() is the only call that raises what the listener threw.
                try {
                    if (stale) {
                        listener.onPartitionsLost(Set.copyOf(assigned.keySet()));
                    } else {
                        listener.onPartitionsRevoked(Set.copyOf(assigned.keySet()));
                    }
                } catch (RuntimeException e) {
                    System.getLogger(MockConsumer.class.getName()).log(System.Logger.Level.WARNING,
                            "the rebalance listener failed on close", e);
                }
            }
        } finally {
            closed = true;
        }
    }

    private Position requireAssigned(TopicPartition tp) {
        Position p = assigned.get(tp);
        if (p == null) {
            throw new IllegalStateException(tp + " is not assigned to this consumer");
        }
        return p;
    }

    private void requireGroup(String what) {
        if (groupId == null) {
            throw new IllegalStateException(what + " needs a group.id, and this consumer has none");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the consumer is closed");
        }
    }

    /** Configures a {@link MockConsumer}; the defaults are {@code ConsumerOptions}' own. */
    public static final class Builder<K, V> {
        private String groupId;
        private String groupInstanceId;
        private Delivery delivery = ConsumerOptions.DEFAULT_DELIVERY;
        private OffsetReset offsetReset = ConsumerOptions.DEFAULT_OFFSET_RESET;
        private int maxPollRecords = ConsumerOptions.DEFAULT_MAX_POLL_RECORDS;
        private boolean eager;

        private Builder() {}

        /** The group ({@code group.id}); without one, subscribe and the commit calls throw {@link IllegalStateException}. */
        public Builder<K, V> groupId(String groupId) {
            this.groupId = Objects.requireNonNull(groupId, "groupId");
            return this;
        }

        /** A static member id, reported by {@code groupMetadata()}. */
        public Builder<K, V> groupInstanceId(String id) {
            this.groupInstanceId = id;
            return this;
        }

        /** When offsets are committed (see {@link Delivery}); default at-least-once. */
        public Builder<K, V> delivery(Delivery delivery) {
            this.delivery = Objects.requireNonNull(delivery, "delivery");
            return this;
        }

        /**
         * Where a partition without a committed offset starts: earliest, latest (the default), or none.
         *
         * @throws IllegalArgumentException for {@link OffsetReset#BY_DURATION}, which the mock does not model
         */
        public Builder<K, V> offsetReset(OffsetReset reset) {
            if (Objects.requireNonNull(reset, "offsetReset") == OffsetReset.BY_DURATION) {
                throw new IllegalArgumentException("MockConsumer does not model auto.offset.reset by_duration");
            }
            this.offsetReset = reset;
            return this;
        }

        /** At most this many records per {@code poll()} (at least 1); default 500. */
        public Builder<K, V> maxPollRecords(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("max.poll.records must be at least 1, was " + n);
            }
            this.maxPollRecords = n;
            return this;
        }

        /** Rebalances revoke every partition and then assign the whole new set (classic eager assignors). */
        public Builder<K, V> eagerRebalances() {
            this.eager = true;
            return this;
        }

        public MockConsumer<K, V> build() {
            return new MockConsumer<>(this);
        }
    }
}
