package dev.skein.consumer.internal;

import dev.skein.core.TopicPartition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a parallel processor holds, and which record may run next: a state machine with no threads,
 * no clock and no I/O. The processor calls it under one lock.
 *
 * <p>Per partition it keeps the records received since the first one not done (the span, in offset
 * order), and per ordering key a queue whose head is the record running for that key: a record starts
 * only when it heads its key's queue, so records with equal keys run one at a time, in offset order. A
 * record with a {@code null} key has no queue and starts at once. The commit point of a partition is
 * the first record not done; the records done above it are described by {@link DoneOffsets}.
 *
 * <p>Records that started (running, or backing off before a retry) and records waiting behind their key
 * are counted apart: only the former take room among the processor's {@code maxInFlight}, so one slow key
 * cannot use that room up with its followers. The waiting ones are bounded per partition instead
 * ({@link #waitingFull}), and the processor pauses a partition at that bound.
 *
 * @param <R> the record carried to the handler
 */
public final class ParallelScheduler<R> {

    /** One record on its way through the processor. */
    public static final class Work<R> {
        private final Part<R> part;
        private final TopicPartition partition;
        private final long offset;
        private final int leaderEpoch;
        private final Object key;
        private final long bytes;
        private volatile R record;
        private boolean started;
        private boolean done;
        private boolean dropped; // left behind by a revoke, a stop or a going back: not done, no longer counts
        private int attempts;

        private Work(Part<R> part, TopicPartition partition, long offset, int leaderEpoch, Object key, long bytes, R record) {
            this.part = part;
            this.partition = partition;
            this.offset = offset;
            this.leaderEpoch = leaderEpoch;
            this.key = key;
            this.bytes = bytes;
            this.record = record;
        }

        public TopicPartition partition() { return partition; }

        public long offset() { return offset; }

        public R record() { return record; }

        public long bytes() { return bytes; }

        public int failed() { return ++attempts; }

        @Override
        public String toString() {
            return partition + "@" + offset;
        }
    }

    /** Where a partition's commit stands: the offset, the leader epoch of the record before it, the metadata. */
    public record CommitPoint(long offset, int leaderEpoch, String metadata) {}

    private static final class Part<R> {
        final ArrayDeque<Work<R>> span = new ArrayDeque<>();
        final Map<Object, ArrayDeque<Work<R>>> keys = new HashMap<>();
        DoneOffsets previous;       // what the member before us committed as done
        long next = -1;             // the offset after the last record received
        int lastEpoch = -1;         // leader epoch of the last record out of the span
        int running;            // started and not returned, those dropped by a going back included
        long runningBytes;
        int waiting;            // behind their key, not started
        long waitingBytes;
        boolean throttled;      // its waiting records reached the bound: paused until half of it
        volatile boolean revoking;

        Part(DoneOffsets previous) {
            this.previous = previous;
        }
    }

    private final Map<TopicPartition, Part<R>> parts = new LinkedHashMap<>();
    private final int maxMetadataChars;
    private final int maxWaiting;
    private final long maxWaitingBytes;
    private int waiting;
    private long waitingBytes;
    private int running;
    private long runningBytes;
    private volatile boolean stopped;

    /** A scheduler without a bound on the records waiting behind their key. */
    public ParallelScheduler(int maxMetadataChars) {
        this(maxMetadataChars, Integer.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * @param maxMetadataChars the longest commit metadata, by default (see {@link #commitPoint(TopicPartition, int)})
     * @param maxWaiting       records of one partition waiting behind their key at which {@link #waitingFull} says so
     * @param maxWaitingBytes  the same in bytes of keys and values
     */
    public ParallelScheduler(int maxMetadataChars, int maxWaiting, long maxWaitingBytes) {
        this.maxMetadataChars = maxMetadataChars;
        this.maxWaiting = maxWaiting;
        this.maxWaitingBytes = maxWaitingBytes;
    }

    /** Takes a partition on, with what its previous owner committed (records it finished are skipped). */
    public void assign(TopicPartition tp, DoneOffsets previous) {
        parts.put(tp, new Part<>(previous));
    }

    /**
     * A record received from the consumer, in offset order per partition. Returns it when it may start
     * now (the caller starts it), else {@code null}: it waits behind its key, or the member that had the
     * partition before finished it already, or the partition is not (or no longer) ours.
     */
    public Work<R> add(TopicPartition tp, long offset, int leaderEpoch, Object key, long bytes, R record) {
        Part<R> part = parts.get(tp);
        if (part == null || part.revoking || stopped) {
            return null;
        }
        if (offset < part.next) {
            goBack(part, offset);
        }
        Work<R> w = new Work<>(part, tp, offset, leaderEpoch, key, bytes, record);
        part.span.addLast(w);
        part.next = offset + 1;
        if (part.previous.isDone(offset)) {
            w.done = true;
            w.record = null;
            trimDone(part);
            return null;
        }
        if (key != null) {
            ArrayDeque<Work<R>> queue = part.keys.computeIfAbsent(key, k -> new ArrayDeque<>());
            queue.addLast(w);
            if (queue.size() > 1) {
                part.waiting++;
                part.waitingBytes += bytes;
                waiting++;
                waitingBytes += bytes;
                return null;
            }
        }
        return start(w);
    }

    /**
     * The consumer went back to {@code offset} without a rebalance (KIP-320: the log diverged below what
     * was received; a reset). What was received from {@code offset} on is dropped, to be received again;
     * what lies below it is still the partition's log and stays: a record there not done yet keeps
     * holding the commit point, so going back never commits past it. A record dropped while running has
     * its result ignored, but stays counted as running and stays the head of its key's queue until its
     * handler returns: the record received again (or the next of its key) must not run beside it. The
     * previous owner's done offsets are forgotten when they reach past {@code offset}: they describe
     * records the log no longer has.
     */
    private void goBack(Part<R> part, long offset) {
        for (Iterator<Work<R>> it = part.span.descendingIterator(); it.hasNext(); ) {
            Work<R> w = it.next();
            if (w.offset < offset) {
                break;
            }
            it.remove();
            boolean wasWaiting = !w.done && !w.dropped && !w.started;
            w.dropped = true;
            w.record = null;
            if (w.started) {
                continue; // still running: counted, and heading its key's queue, until it returns
            }
            if (wasWaiting) {
                unwait(w);
            }
            if (w.key != null) {
                ArrayDeque<Work<R>> queue = part.keys.get(w.key);
                if (queue != null) {
                    queue.remove(w); // a suffix of the key's queue: its head, if kept, is unchanged
                    if (queue.isEmpty()) {
                        part.keys.remove(w.key);
                    }
                }
            }
        }
        part.next = offset;
        if (part.previous.end() > offset) {
            part.previous = DoneOffsets.none(-1);
        }
    }

    private Work<R> start(Work<R> w) {
        w.started = true;
        w.part.running++;
        w.part.runningBytes += w.bytes;
        running++;
        runningBytes += w.bytes;
        return w;
    }

    /** {@code w} no longer waits behind its key (it starts, or is let go). */
    private void unwait(Work<R> w) {
        w.part.waiting--;
        w.part.waitingBytes -= w.bytes;
        waiting--;
        waitingBytes -= w.bytes;
    }

    /** Drops the done records from the head of the span: it starts at the first record not done. */
    private static <R> void trimDone(Part<R> part) {
        Work<R> head;
        while ((head = part.span.peekFirst()) != null && head.done) {
            part.lastEpoch = part.span.pollFirst().leaderEpoch;
        }
    }

    /**
     * True while {@code w}'s result still counts: its partition is ours and not being given up. Safe
     * without the lock for a record that started (the flags it reads are volatile; a stale answer only
     * runs a record whose partition is going, which the revoke waits for anyway).
     */
    public boolean startable(Work<R> w) {
        return !stopped && !w.part.revoking && w.record != null;
    }

    /** True while {@code w}'s result still counts: its partition is ours and not being given up. */
    public boolean live(Work<R> w) {
        return !stopped && !w.part.revoking && parts.get(w.partition) == w.part && !w.dropped;
    }

    /**
     * {@code w} finished; returns the record of the same key that may start now, if any. A record
     * dropped by a going back is not done (it is received again), but its key moves on.
     */
    public Work<R> complete(Work<R> w) {
        if (!finish(w)) {
            return null;
        }
        if (!w.dropped) {
            w.done = true;
            trimDone(w.part);
        }
        return startNextOfKey(w);
    }

    /**
     * {@code w} ends without being done. When its partition is being given up, or the processor stops,
     * it is left for the next owner, and so is everything after it in its key's queue. When it was
     * dropped by a going back (it is received again), its key moves on: returns the record of its key
     * that may start now, if any.
     */
    public Work<R> abandon(Work<R> w) {
        boolean wentBack = w.dropped;
        if (!finish(w)) {
            return null;
        }
        w.dropped = true; // not done, and no longer counted: a later remove() must not count it again
        return wentBack ? startNextOfKey(w) : stopKey(w);
    }

    private Work<R> startNextOfKey(Work<R> w) {
        Work<R> next = nextOfKey(w);
        if (next == null || next.part.revoking || stopped) {
            return null;
        }
        unwait(next);
        return start(next);
    }

    private Work<R> stopKey(Work<R> w) {
        nextOfKey(w);
        return null;
    }

    private boolean finish(Work<R> w) {
        if (!w.started || w.done) {
            return false;
        }
        w.started = false;
        w.record = null;
        if (parts.get(w.partition) != w.part) {
            return false; // the partition was dropped meanwhile, and its counts with it
        }
        w.part.running--;
        w.part.runningBytes -= w.bytes;
        running--;
        runningBytes -= w.bytes;
        return true;
    }

    private Work<R> nextOfKey(Work<R> w) {
        if (w.key == null) {
            return null;
        }
        ArrayDeque<Work<R>> queue = w.part.keys.get(w.key);
        if (queue == null) {
            return null;
        }
        queue.remove(w); // the head, unless a revoke dropped the queue around it
        if (queue.isEmpty()) {
            w.part.keys.remove(w.key);
            return null;
        }
        return queue.peekFirst();
    }

    /**
     * Stops starting records of these partitions and lets go of those that have not started (the next
     * owner reads them again). The ones running are waited for by the caller ({@link #running}).
     */
    public void revoke(Collection<TopicPartition> tps) {
        for (TopicPartition tp : tps) {
            Part<R> part = parts.get(tp);
            if (part != null) {
                part.revoking = true;
                dropWaiting(part);
            }
        }
    }

    /** Stops starting anything; what has not started is let go. */
    public void stop() {
        stopped = true;
        parts.values().forEach(this::dropWaiting);
    }

    private void dropWaiting(Part<R> part) {
        for (Iterator<ArrayDeque<Work<R>>> it = part.keys.values().iterator(); it.hasNext(); ) {
            ArrayDeque<Work<R>> queue = it.next();
            queue.removeIf(w -> {
                if (w.started) {
                    return false;
                }
                w.dropped = true;
                w.record = null;
                unwait(w);
                return true;
            });
            if (queue.isEmpty()) {
                it.remove();
            }
        }
    }

    /** Records of these partitions that started and have not finished. */
    public int running(Collection<TopicPartition> tps) {
        int n = 0;
        for (TopicPartition tp : tps) {
            Part<R> part = parts.get(tp);
            n += part == null ? 0 : part.running;
        }
        return n;
    }

    /** Records that started and have not returned (running, or backing off before a retry). */
    public int running() {
        return running;
    }

    /** Bytes of keys and values of the records {@link #running}. */
    public long runningBytes() {
        return runningBytes;
    }

    /** Forgets these partitions; results of their records still running are ignored from now on. */
    public void remove(Collection<TopicPartition> tps) {
        for (TopicPartition tp : tps) {
            Part<R> part = parts.remove(tp);
            if (part == null) {
                continue;
            }
            running -= part.running;
            runningBytes -= part.runningBytes;
            waiting -= part.waiting;
            waitingBytes -= part.waitingBytes;
        }
    }

    /** Records received and not done (running or waiting), over every partition. */
    public int held() {
        return running + waiting;
    }

    public long heldBytes() {
        return runningBytes + waitingBytes;
    }

    /**
     * True while {@code tp}'s records waiting behind their key are too many to take more of its records:
     * from the moment they reach the bound (records or bytes) until they are down to half of it, so a
     * partition paused for it is not resumed and paused again for every record that starts.
     */
    public boolean waitingFull(TopicPartition tp) {
        Part<R> part = parts.get(tp);
        if (part == null) {
            return false;
        }
        if (part.throttled) {
            part.throttled = part.waiting > maxWaiting / 2 || part.waitingBytes > maxWaitingBytes / 2;
        } else {
            part.throttled = part.waiting >= maxWaiting || part.waitingBytes >= maxWaitingBytes;
        }
        return part.throttled;
    }

    /** The offset of {@code tp}'s first record not done, or -1 when it has none. */
    public long oldestNotDone(TopicPartition tp) {
        Part<R> part = parts.get(tp);
        if (part == null) {
            return -1;
        }
        trimDone(part);
        Work<R> head = part.span.peekFirst();
        return head == null ? -1 : head.offset;
    }

    /** Records of {@code tp} received since its first one not done (done ones above it included). */
    public int span(TopicPartition tp) {
        Part<R> part = parts.get(tp);
        return part == null ? 0 : part.span.size();
    }

    /** The longest line of records waiting behind a running one of the same key. */
    public int maxWaitingPerKey() {
        int max = 0;
        for (Part<R> part : parts.values()) {
            for (ArrayDeque<Work<R>> queue : part.keys.values()) {
                max = Math.max(max, queue.size() - 1);
            }
        }
        return max;
    }

    public Collection<TopicPartition> partitions() {
        return List.copyOf(parts.keySet());
    }

    /**
     * Where {@code tp}'s commit stands now: the first record not done, and the done ones above it (with
     * what the previous owner finished beyond what we received). {@code null} when no record was
     * received yet, so there is nothing new to say.
     */
    public CommitPoint commitPoint(TopicPartition tp) {
        return commitPoint(tp, maxMetadataChars);
    }

    /** As {@link #commitPoint(TopicPartition)}, with metadata of at most {@code maxChars} (0: none). */
    public CommitPoint commitPoint(TopicPartition tp, int maxChars) {
        Part<R> part = parts.get(tp);
        if (part == null || part.next < 0) {
            return null;
        }
        trimDone(part);
        long offset = part.span.isEmpty() ? part.next : part.span.peekFirst().offset;
        long end = offset;
        List<Long> notDone = new ArrayList<>();
        for (Work<R> w : part.span) {
            if (w.done) {
                end = w.offset + 1;
            }
        }
        for (Work<R> w : part.span) {
            if (!w.done && w.offset < end) {
                notDone.add(w.offset);
            }
        }
        DoneOffsets previous = part.previous;
        if (previous.end() > part.next && previous.end() > end) {
            // The previous owner finished records we have not received yet: keep saying so.
            for (Work<R> w : part.span) {
                if (!w.done && w.offset >= end) {
                    notDone.add(w.offset);
                }
            }
            end = previous.end();
            for (long o : previous.notDone()) {
                if (o >= part.next) {
                    notDone.add(o);
                }
            }
            if (part.next < previous.committed()) {
                end = offset; // cannot happen with offsets in order; say nothing rather than something wrong
                notDone.clear();
            }
        }
        long[] list = new long[notDone.size()];
        for (int i = 0; i < list.length; i++) {
            list[i] = notDone.get(i);
        }
        return new CommitPoint(offset, part.lastEpoch, DoneOffsets.encode(offset, end, list, list.length, maxChars));
    }
}
