package dev.skein.consumer.internal;

import dev.skein.consumer.ConsumerOptions;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.RecordDeserializationException;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.records.RecordCursor;
import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.internal.ContextFree;
import io.netty.buffer.ByteBufAllocator;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The polling thread's reader of fetched data: takes {@link CompletedFetch}es from the {@link Fetcher},
 * decodes and deserializes records in place, advances positions, and hands each chunk back when done.
 * An error (corrupt batch, undeserializable record) leaves the position on the bad record; records
 * before it in the same poll are returned first and the error is raised by the next call.
 */
final class FetchCollector<K, V> {
    private final ConsumerOptions settings;
    private final SubscriptionState subscriptions;
    private final Source fetcher;
    private final Deserializer<K> keys;
    private final Deserializer<V> values;
    private final boolean keysFree;
    private final boolean valuesFree;
    private final boolean keysAsArrays;
    private final boolean valuesAsArrays;
    private final ConsumerMetrics metrics;
    private final ByteBufAllocator allocator;
    private CompletedFetch current;
    private RuntimeException deferred;
    /** The partition and position {@link #deferred} was met at. */
    private TopicPartition deferredTp;
    private long deferredAt;
    /** Records and bytes of the last {@link #collect()}, counted in the meters only once handed out. */
    private int collectedRecords;
    private long collectedBytes;

    /** Where fetched data comes from: the {@link Fetcher}, or a benchmark's fixed chunk ({@link DetachedPoll}). */
    interface Source {
        /** The next fetched chunk to read, or null when none is buffered. */
        CompletedFetch nextCompleted();

        /** The polling thread is done with {@code f}: its memory goes back and its partition may be fetched again. */
        void consumed(CompletedFetch f);
    }

    FetchCollector(ConsumerOptions settings, SubscriptionState subscriptions, Source fetcher, Deserializer<K> keys,
                   Deserializer<V> values, ConsumerMetrics metrics, ByteBufAllocator allocator) {
        this.settings = settings;
        this.subscriptions = subscriptions;
        this.fetcher = fetcher;
        this.keys = keys;
        this.values = values;
        this.keysFree = keys instanceof ContextFree;
        this.valuesFree = values instanceof ContextFree;
        this.keysAsArrays = readsArrays(keys);
        this.valuesAsArrays = readsArrays(values);
        this.metrics = metrics;
        this.allocator = allocator;
    }

    /**
     * Raises the error held back from the previous collect, if any, unless its partition's position moved
     * since (a seek, a reset, or the partition unassigned). Per the poll() contract of Apache Kafka's
     * consumer, the error names the record the position stands on and the user seeks to get past it: once
     * the position moved, the error no longer describes what this poll reads, and records of the new
     * position are returned instead.
     */
    void raiseDeferred() {
        if (deferred != null) {
            RuntimeException e = deferred;
            deferred = null;
            if (subscriptions.position(deferredTp) == deferredAt) {
                throw e;
            }
        }
    }

    /** Drops the chunk being read if it belongs to one of {@code partitions} (revoked, unassigned). */
    void drop(Collection<TopicPartition> partitions) {
        if (current != null && partitions.contains(current.tp)) {
            release();
        }
    }

    /** Drops the chunk being read unless it belongs to one of {@code partitions}. */
    void retain(Collection<TopicPartition> partitions) {
        if (current != null && !partitions.contains(current.tp)) {
            release();
        }
    }

    void release() {
        if (current != null) {
            fetcher.consumed(current);
            current = null;
        }
    }

    /**
     * The records of the last {@link #collect()} go to the application: only now do they count in
     * {@code records.consumed} and {@code bytes.consumed}. Records collected and then not handed out (an
     * at-most-once commit that failed rewinds their positions, and a later collect reads them again) are
     * not counted, so each record handed out counts once.
     */
    void handedOut() {
        metrics.consumed(collectedRecords, collectedBytes);
        collectedRecords = 0;
        collectedBytes = 0;
    }

    /** Up to max.poll.records records from buffered fetches, advancing positions. */
    Map<TopicPartition, List<ConsumerRecord<K, V>>> collect() {
        collectedRecords = 0;
        collectedBytes = 0;
        Map<TopicPartition, List<ConsumerRecord<K, V>>> out = new LinkedHashMap<>();
        int left = settings.maxPollRecords();
        while (left > 0) {
            if (current == null) {
                current = fetcher.nextCompleted();
                if (current == null) {
                    break;
                }
            }
            CompletedFetch f = current;
            if (!subscriptions.returnable(f.tp, f.expectedPosition)) {
                // Stale (a seek, reset or reassignment since it was fetched), paused, or its position is being
                // checked against a new leader epoch: drop; it is fetched again.
                release();
                continue;
            }
            int room = left;
            List<ConsumerRecord<K, V>> list = out.computeIfAbsent(f.tp, k -> new ArrayList<>(Math.min(room, 512)));
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
                deferredTp = f.tp;
                deferredAt = subscriptions.position(f.tp); // drain left the position on the bad record
                return out;
            }
            if (list.isEmpty()) {
                out.remove(f.tp);
            }
        }
        return out;
    }

    /**
     * Drains records of one fetch into {@code list}; returns how many it added. The position moves once,
     * at the end (past what was added, or past batches skipped), and only then is a used-up fetch handed
     * back, so the fetcher refetches from the new position.
     */
    private int drain(CompletedFetch f, List<ConsumerRecord<K, V>> list, int max) {
        int added = 0;
        long start = subscriptions.position(f.tp);
        long position = start;
        int epoch = -1;
        long[] skipTo = {position};
        int maxBatch = (int) Math.min(Integer.MAX_VALUE, settings.bufferMaxBytes());
        long bytes = 0;
        boolean usedUp = false;
        try {
            while (added < max) {
                RecordCursor r;
                try {
                    r = f.next(position, settings.isolation(), settings.checkCrcs(), allocator, maxBatch, skipTo);
                } catch (RuntimeException e) {
                    usedUp = true; // a corrupt batch: the position stays on it; drop this fetch so a seek can move past
                    throw e;
                }
                if (r == null) {
                    if (skipTo[0] > position) { // control or aborted batches, or compacted gaps, at the end
                        position = skipTo[0];
                        // KIP-320: the position's epoch is that of the last batch consumed, a skipped one
                        // included; an older one could make OffsetsForLeaderEpoch report a false truncation.
                        if (f.passedEpoch >= 0) {
                            epoch = f.passedEpoch;
                        }
                    }
                    usedUp = true;
                    return added;
                }
                int batchEpoch = r.leaderEpoch();
                // The cursor stands on a record at or after the position, and the rest of its batch follows
                // in offset order: they are read here, the cursor asked directly, rather than one call into
                // the fetch per record (which moves on to the next batch once this one is used up).
                boolean more = true;
                while (more) {
                    ConsumerRecord<K, V> record;
                    try {
                        record = toRecord(f, r, batchEpoch);
                    } catch (RuntimeException e) {
                        // The position stays on the record, and this fetch, whose cursor has moved past it, is
                        // dropped: the next poll fetches it again and fails again, until the user seeks past it.
                        usedUp = true;
                        throw e;
                    }
                    list.add(record);
                    bytes += Math.max(0, r.keyLength()) + Math.max(0, r.valueLength());
                    position = r.offset() + 1;
                    epoch = batchEpoch;
                    added++;
                    if (added >= max) {
                        break;
                    }
                    try {
                        more = r.next() && r.offset() >= position; // one below the position is passed over by the fetch
                    } catch (RuntimeException e) {
                        usedUp = true; // a corrupt record: the position stays on it, as for a corrupt batch
                        throw e;
                    }
                }
                skipTo[0] = Math.max(skipTo[0], position);
            }
            return added;
        } finally {
            if (position != start) {
                subscriptions.advance(f.tp, start, position, epoch);
                f.expectedPosition = position;
            }
            if (usedUp) {
                release();
            }
            collectedRecords += added; // counted by handedOut(), once poll() returns them
            collectedBytes += bytes;
        }
    }

    private ConsumerRecord<K, V> toRecord(CompletedFetch f, RecordCursor r, int leaderEpoch) {
        K k = deserialize(keys, keysFree, keysAsArrays, f, r, SerdeContext.Target.KEY);
        V v = deserialize(values, valuesFree, valuesAsArrays, f, r, SerdeContext.Target.VALUE);
        return new ConsumerRecord<>(f.tp.topic(), f.tp.partition(), r.offset(), r.timestamp(), r.logAppendTime(), k, v, r.headers(),
                r.keyLength(), r.valueLength(), leaderEpoch);
    }

    /**
     * Deserializes in place: the buffer handed over is a reused view, valid only during the call. A
     * built-in deserializer that needs no context ({@link ContextFree}) gets none: two allocations per
     * record saved; a failure is named here either way. One that reads arrays ({@link #readsArrays}) is
     * given the cursor's copy.
     */
    private static <T> T deserialize(Deserializer<T> d, boolean contextFree, boolean asArray, CompletedFetch f,
                                     RecordCursor r, SerdeContext.Target target) {
        boolean key = target == SerdeContext.Target.KEY;
        SerdeContext ctx = contextFree ? null : context(f, r, target);
        try {
            if (asArray) {
                return d.deserialize(key ? r.copyKey() : r.copyValue(), ctx);
            }
            return d.deserialize(key ? r.key() : r.value(), ctx);
        } catch (RuntimeException e) {
            if (ctx == null) {
                ctx = context(f, r, target);
            }
            byte[] bytes = key ? r.copyKey() : r.copyValue();
            throw new RecordDeserializationException("cannot deserialize the " + (ctx.isKey() ? "key" : "value")
                    + " of the record at " + ctx.topic() + "-" + ctx.partition() + " offset " + ctx.offset() + ": " + e.getMessage(),
                    ctx, bytes, e);
        }
    }

    /**
     * True when {@code d} reads arrays only: it keeps {@link Deserializer}'s default for buffers, which
     * copies the bytes into a new array and passes that on (the built-in byte-array deserializer among
     * them). Such a deserializer gets the same array from {@link RecordCursor#copyValue()}, copied at the
     * buffer's memory address: {@code RecordDecodeBenchmark}, 100-byte values, 46 ns per record through
     * the buffer view against 40 from the address.
     */
    static boolean readsArrays(Deserializer<?> d) {
        try {
            Method m = d.getClass().getMethod("deserialize", ByteBuffer.class, SerdeContext.class);
            return m.isDefault() && m.getDeclaringClass() == Deserializer.class;
        } catch (NoSuchMethodException | SecurityException e) {
            return false; // not to be found: the buffer view, as any deserializer takes it
        }
    }

    private static SerdeContext context(CompletedFetch f, RecordCursor r, SerdeContext.Target target) {
        return SerdeContext.forConsumer(f.tp.topic(), target, r.headers(), f.tp.partition(), r.offset());
    }
}
