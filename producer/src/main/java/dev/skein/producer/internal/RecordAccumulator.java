package dev.skein.producer.internal;

import dev.skein.core.Compression;
import dev.skein.core.Header;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.net.KeptBuffers;
import dev.skein.core.internal.records.RecordBatch;
import dev.skein.producer.Callback;
import dev.skein.producer.ProducerOptions;
import dev.skein.producer.RecordMetadata;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Per-partition queues of batches. User threads append under the queue's own lock; the sender loop
 * takes batches from the head under the same lock. Memory comes from the {@link BufferPool} before a
 * batch is created, outside any queue lock, so a thread waiting for memory blocks nobody else.
 */
final class RecordAccumulator {
    /** What an append did, so the caller knows whether to wake the sender. */
    enum Appended { TO_EXISTING, TO_NEW_BATCH, FILLED_BATCH }

    private final ProducerOptions settings;
    private final ByteBufAllocator alloc;
    private final BufferPool pool;
    private final KeptBuffers buffers;
    private final Map<TopicPartition, Deque<ProducerBatch>> queues = new ConcurrentHashMap<>();
    /** The partitions of {@link #queues}, in the order their queues were made (the sender drains by index). */
    private final List<TopicPartition> partitionList = new CopyOnWriteArrayList<>();
    private final Set<ProducerBatch> incomplete = ConcurrentHashMap.newKeySet();
    /** Per topic, what its batches compress to; null without compression. */
    private final Map<String, CompressionRatio> ratios;
    /** Set by {@link #closeAppends()}; read under each queue's lock by {@link #append}. */
    private volatile boolean closed;

    RecordAccumulator(ProducerOptions settings, ByteBufAllocator alloc) {
        this.settings = settings;
        this.alloc = alloc;
        this.pool = new BufferPool(settings.bufferMemory());
        // Batch buffers of the standard capacity come back for reuse, up to buffer.memory's worth, as
        // Apache Kafka's producer keeps its free batch buffers. Not fewer: a producer that outruns the
        // network has all of buffer.memory in flight, and with a cap of 64 buffers a profile still
        // showed new ones being zeroed.
        // With compression a batch's buffer holds as many records as are estimated to compress to the
        // batch size (CompressionRatio): buffers of any capacity from the batch size's are kept.
        int standard = ProducerBatch.initialCapacity(settings.batchSize(), settings.batchSize());
        boolean compressed = settings.compression() != Compression.NONE;
        this.buffers = compressed ? KeptBuffers.atLeast(alloc, standard, settings.bufferMemory())
                : KeptBuffers.ofCapacity(alloc, standard, settings.bufferMemory());
        this.ratios = compressed ? new ConcurrentHashMap<>() : null;
    }

    /** What {@code topic}'s batches compress to, or null when the producer does not compress. */
    CompressionRatio ratio(String topic) {
        return ratios == null ? null
                : ratios.computeIfAbsent(topic, t -> new CompressionRatio(settings.batchSize(), settings.bufferMemory(),
                        settings.maxRequestSize()));
    }

    /**
     * No append succeeds from here on, and a send waiting for buffer memory stops waiting; once this returns,
     * every record appended is in a batch of {@link #incomplete()}, which close() then completes.
     *
     * <p>The race it closes: a send checks that the producer is open, then serializes and waits for metadata
     * or memory, and appends only then. Were the append unchecked, it could land after close() looked for
     * unfinished batches, in a batch nothing would ever send or fail. {@link #append} checks {@link #closed}
     * under the queue's lock; here, after setting it, each queue's lock is taken once. So an append either
     * finished under that lock before (its batch is in {@link #incomplete}) or takes the lock after, and sees
     * {@code closed} (Apache Kafka's accumulator checks it under the queue lock the same way).
     */
    void closeAppends() {
        closed = true;
        pool.close();
        for (Deque<ProducerBatch> dq : queues.values()) {
            synchronized (dq) {
                // Empty on purpose: taking the lock waits out an append under way (see above).
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the producer was closed while this send was in progress");
        }
    }

    /** Frees the batch buffers kept for reuse; call once no batch is in flight. */
    void close() {
        buffers.close();
    }

    BufferPool pool() {
        return pool;
    }

    /**
     * A deadline meaning "max.block.ms from the moment a wait begins": a send that finds its topic's
     * metadata at hand reads no clock for a deadline it almost never needs.
     */
    static final long MAX_BLOCK_FROM_NOW = Long.MIN_VALUE;

    /** The most bytes a record's varints take: length 5, attributes 1, timestamp delta 10, offset delta 5, key and value lengths 5 each, header count 5. */
    private static final int RECORD_OVERHEAD_BOUND = 36;

    /** A record's usual varint overhead in a batch: length 1-2, attributes 1, deltas 1-3 each, lengths 1-2 each, header count 1. */
    private static final int RECORD_OVERHEAD_TYPICAL = 10;

    /** About what a record of this {@link #recordSizeBound} takes in a batch among others. */
    static int estimatedBytesInBatch(int sizeBound) {
        return Math.max(1, sizeBound - RecordBatch.HEADER_SIZE - RECORD_OVERHEAD_BOUND + RECORD_OVERHEAD_TYPICAL);
    }

    /**
     * Upper bound of one record's size in a batch of its own, batch header included: every varint at
     * its widest, so no varint is sized on the send path (headers, when there are any, exactly).
     */
    static int recordSizeBound(byte[] key, byte[] value, Header[] headers) {
        int size = RecordBatch.HEADER_SIZE + RECORD_OVERHEAD_BOUND + (key == null ? 0 : key.length)
                + (value == null ? 0 : value.length);
        for (Header h : headers) {
            int klen = ByteBufUtil.utf8Bytes(h.key());
            size += 10 + klen + (h.value() == null ? 0 : h.value().length);
        }
        return size;
    }

    /** The partition's queue, made when first asked for; the same queue for as long as the accumulator lives. */
    Deque<ProducerBatch> queueFor(TopicPartition tp) {
        return queues.computeIfAbsent(tp, this::newQueue);
    }

    /**
     * Appends to {@code dq}, the queue of {@code tp} ({@link #queueFor}), waiting for buffer memory until
     * {@code deadlineNanos} when a new batch is needed. {@code sticky}: the record is keyless and the
     * sticky partitioner's, whose run fills a batch to its limit before it moves on.
     */
    Appended append(Deque<ProducerBatch> dq, TopicPartition tp, long timestamp, byte[] key, byte[] value, Header[] headers,
                    CompletableFuture<RecordMetadata> future, Callback callback, long deadlineNanos, boolean sticky) {
        boolean busy;
        synchronized (dq) {
            checkOpen();
            Appended a = tryLast(dq, timestamp, key, value, headers, future, callback);
            if (a != null) {
                return a;
            }
            busy = sticky || !dq.isEmpty(); // a sticky run, or batches waiting to be sent: this one will fill up too
        }
        CompressionRatio ratio = ratio(tp.topic());
        int limit = ratio == null ? settings.batchSize() : ratio.batchLimit();
        long bound = recordSizeBound(key, value, headers);
        long reserve = Math.max(limit, bound);
        // A batch reserves all it may grow to: with compression, CompressionRatio's limit, up to sixteen
        // times batch.size. Apache Kafka's producer, which compresses as it appends, reserves batch.size
        // whatever the batch compresses to. So that a few hundred partitions with a batch open each, for a
        // few records, do not hold all of buffer.memory and make send() wait where the reference's would
        // not, a batch of a partition with none waiting to be sent takes its full limit only while that
        // leaves half of buffer.memory free, and batch.size before compression otherwise. Not a sticky
        // run's batch: the run, which ends at the full limit, would go on into a second batch.
        boolean reserved = false;
        if (limit > settings.batchSize() && !busy) {
            reserved = pool.tryReserve(reserve, settings.bufferMemory() / 2);
            if (!reserved) {
                limit = settings.batchSize();
                reserve = Math.max(limit, bound);
            }
        }
        if (!reserved) {
            pool.reserve(reserve, maxWaitNanos(deadlineNanos));
        }
        synchronized (dq) {
            if (closed) {
                pool.release(reserve);
                checkOpen();
            }
            Appended a = tryLast(dq, timestamp, key, value, headers, future, callback);
            if (a != null) {
                pool.release(reserve); // another thread made room meanwhile
                return a;
            }
            ProducerBatch b = new ProducerBatch(tp, alloc, buffers, ratio, settings.compression(), settings.compressionLevel(),
                    timestamp, limit, reserve, System.nanoTime());
            b.tryAppend(timestamp, key, value, headers, future, callback);
            dq.addLast(b);
            incomplete.add(b);
            return b.isFull() ? Appended.FILLED_BATCH : Appended.TO_NEW_BATCH;
        }
    }

    private long maxWaitNanos(long deadlineNanos) {
        return deadlineNanos == MAX_BLOCK_FROM_NOW ? settings.maxBlock().toNanos() : Math.max(0, deadlineNanos - System.nanoTime());
    }

    private static Appended tryLast(Deque<ProducerBatch> dq, long ts, byte[] key, byte[] value, Header[] headers,
                                    CompletableFuture<RecordMetadata> future, Callback callback) {
        ProducerBatch last = dq.peekLast();
        if (last == null || last.attempts > 0 || last.bytes() != null) {
            return null;
        }
        if (last.tryAppend(ts, key, value, headers, future, callback)) {
            return last.isFull() ? Appended.FILLED_BATCH : Appended.TO_EXISTING;
        }
        return null;
    }

    private Deque<ProducerBatch> newQueue(TopicPartition tp) {
        partitionList.add(tp); // once per partition: the map calls this only for a missing key, atomically
        return new ArrayDeque<>();
    }

    /**
     * Every partition with a queue (possibly empty), in the order the queues were made; the list only
     * grows. A partition may be listed a moment before {@link #queue} finds its queue.
     */
    List<TopicPartition> partitions() {
        return partitionList;
    }

    Deque<ProducerBatch> queue(TopicPartition tp) {
        return queues.get(tp);
    }

    /** Batches queued for the partition (for the sticky partitioner's choice). */
    int queuedBatches(TopicPartition tp) {
        Deque<ProducerBatch> dq = queues.get(tp);
        if (dq == null) {
            return 0;
        }
        synchronized (dq) {
            return dq.size();
        }
    }

    /**
     * Puts a batch back for a retry, before every queued batch that comes after it in record order
     * ({@link ProducerBatch#order}); batches never drained stay behind it.
     */
    void reenqueue(ProducerBatch b) {
        Deque<ProducerBatch> dq = queues.computeIfAbsent(b.tp, this::newQueue);
        synchronized (dq) {
            List<ProducerBatch> before = new ArrayList<>();
            while (!dq.isEmpty() && ProducerBatch.compareOrder(dq.peekFirst(), b) < 0) {
                before.add(dq.pollFirst());
            }
            dq.addFirst(b);
            for (int i = before.size() - 1; i >= 0; i--) {
                dq.addFirst(before.get(i));
            }
        }
    }

    /** Adds a batch made by a split, at its parent's place in the queue. */
    void addFirst(ProducerBatch b) {
        incomplete.add(b);
        reenqueue(b);
    }

    /** Marks a batch finished: gives back its memory and buffers. */
    void deallocate(ProducerBatch b) {
        if (incomplete.remove(b)) {
            b.release();
            pool.release(b.reservedBytes);
        }
    }

    /** Batches not yet completed, for flush and close. */
    List<ProducerBatch> incomplete() {
        return new ArrayList<>(incomplete);
    }

    boolean hasIncomplete() {
        return !incomplete.isEmpty();
    }
}
