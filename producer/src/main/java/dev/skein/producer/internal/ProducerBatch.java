package dev.skein.producer.internal;

import dev.skein.core.Compression;
import dev.skein.core.Header;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.net.KeptBuffers;
import dev.skein.core.internal.records.RecordBatch;
import dev.skein.core.internal.records.RecordBatchBuilder;
import dev.skein.producer.Callback;
import dev.skein.producer.RecordMetadata;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The records of one partition that travel together. Appends happen under the partition queue's
 * lock; once drained, the batch belongs to the sender loop alone. It is built (compressed, header
 * and CRC written) when first drained, and keeps its bytes until it completes, for retries.
 */
final class ProducerBatch {
    final TopicPartition tp;
    final long createdNanos;
    final long reservedBytes;
    private final int batchSize;
    private final CompressionRatio ratio;
    private RecordBatchBuilder builder;
    private ByteBuf built;
    private int uncompressedBytes;
    // What each record's completion needs, in append order: parallel arrays rather than an object per
    // record (the send path's allocation is the future alone). Grown under the queue lock; read on the
    // callback thread only after the batch has left its queue, when they no longer change.
    private int count;
    private CompletableFuture<RecordMetadata>[] futures;
    /** Null until some record has a callback. */
    private Callback[] callbacks;
    private long[] timestamps;
    /** Key size in the high half, value size in the low half (-1 for null). */
    private long[] sizes;
    private boolean full;
    /** Completes (on the callback thread) once this batch's records are done, or its split parts are. */
    final CompletableFuture<Void> done = new CompletableFuture<>();
    /** Set once its completion (callbacks, futures, {@link #done}) is queued on the callback thread. */
    volatile boolean completing;

    // Sender-loop state.
    int attempts;
    /** Some attempt may have been written: no answer, or an error a leader can give after the append (see ProduceErrors). */
    boolean outcomeUnknown;
    long retryNotBeforeNanos;
    /** The producer state {@link IdempotenceManager} assigned; kept across retries unless renumbered. */
    int baseSequence = -1;
    long producerId = -1;
    short producerEpoch = -1;
    /** Per-record failures the broker named (KIP-467), or null: {@link #fail} uses them instead of the batch's error. */
    List<RuntimeException> recordErrors;
    /** The sequence of the latest attempt, as the broker saw it. */
    int sentSequence = -1;
    /**
     * The batch's place in its partition's record order, for putting it back in the queue: a counter
     * taken when it is first drained, extended by the part index for each split (so [5] splits into
     * [5, 0] and [5, 1]). Null until first drained: such batches come after every other. Unlike
     * sequence numbers, it survives epoch bumps.
     */
    int[] order;
    private long builtProducerId = -1;
    private short builtEpoch = -1;
    private int builtSequence = -1;

    ProducerBatch(TopicPartition tp, ByteBufAllocator alloc, Compression compression, Integer level, long firstTimestamp,
                  int batchSize, long reservedBytes, long nowNanos) {
        this(tp, alloc, null, null, compression, level, firstTimestamp, batchSize, reservedBytes, nowNanos);
    }

    /**
     * As above, the records appended into a buffer from {@code buffers} (null: from {@code alloc}), and
     * what the batch compresses to told to {@code ratio} (or nobody) when it is built. {@code batchSize}
     * is the most uncompressed bytes it takes.
     */
    ProducerBatch(TopicPartition tp, ByteBufAllocator alloc, KeptBuffers buffers, CompressionRatio ratio,
                  Compression compression, Integer level, long firstTimestamp, int batchSize, long reservedBytes,
                  long nowNanos) {
        this.tp = tp;
        this.ratio = ratio;
        this.batchSize = batchSize;
        this.reservedBytes = reservedBytes;
        this.createdNanos = nowNanos;
        int capacity = initialCapacity(batchSize, reservedBytes);
        this.builder = buffers == null
                ? new RecordBatchBuilder(alloc, compression, level, firstTimestamp, capacity)
                : new RecordBatchBuilder(alloc, buffers.take(capacity), compression, level, firstTimestamp);
    }

    /** The buffer a batch starts with: its reservation, at most the batch size and room for one more record's fields. */
    static int initialCapacity(int batchSize, long reservedBytes) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(RecordBatch.HEADER_SIZE + 64,
                Math.min(reservedBytes, batchSize + 256L)));
    }

    /** Appends unless the batch is full (the first record always fits). Caller holds the queue lock. */
    boolean tryAppend(long timestamp, byte[] key, byte[] value, Header[] headers,
                      CompletableFuture<RecordMetadata> future, Callback callback) {
        if (full || builder == null) {
            return false;
        }
        if (!builder.tryAppend(timestamp, key, value, headers, batchSize)) {
            full = true;
            return false;
        }
        if (futures == null || count == futures.length) {
            grow(builder.uncompressedSize());
        }
        futures[count] = future;
        if (callback != null) {
            if (callbacks == null) {
                callbacks = new Callback[futures.length];
            }
            callbacks[count] = callback;
        }
        timestamps[count] = timestamp;
        sizes[count] = ((long) (key == null ? -1 : key.length) << 32) | ((value == null ? -1 : value.length) & 0xffffffffL);
        count++;
        if (builder.uncompressedSize() >= batchSize) {
            full = true;
        }
        return true;
    }

    /** Room for more records: at first as many as records of the first one's size fill the batch. */
    @SuppressWarnings("unchecked")
    private void grow(int bytesSoFar) {
        int n = futures == null
                ? Math.max(4, Math.min(4096, batchSize / Math.max(1, bytesSoFar - RecordBatch.HEADER_SIZE) + 1))
                : futures.length * 2;
        futures = futures == null ? new CompletableFuture[n] : Arrays.copyOf(futures, n);
        callbacks = callbacks == null ? null : Arrays.copyOf(callbacks, n);
        timestamps = timestamps == null ? new long[n] : Arrays.copyOf(timestamps, n);
        sizes = sizes == null ? new long[n] : Arrays.copyOf(sizes, n);
    }

    /** Record {@code i}'s future, callback and timestamp, for a split: its part takes them over. */
    CompletableFuture<RecordMetadata> future(int i) {
        return futures[i];
    }

    Callback callback(int i) {
        return callbacks == null ? null : callbacks[i];
    }

    long timestamp(int i) {
        return timestamps[i];
    }

    boolean isFull() {
        return full;
    }

    /** Takes no more records: a split part's records and sequence range are fixed. */
    void seal() {
        full = true;
    }

    int recordCount() {
        return count;
    }

    int uncompressedSize() {
        return builder != null ? builder.uncompressedSize() : uncompressedBytes;
    }

    /**
     * The batch's size as sent: its bytes once built, before that its records' size (with compression,
     * times the topic's estimated ratio and its margin), for packing batches into a request.
     */
    int estimatedSize() {
        if (built != null) {
            return built.readableBytes();
        }
        int size = uncompressedSize();
        return ratio == null ? size : Math.min(size, RecordBatch.HEADER_SIZE + ratio.compressedSize(size - RecordBatch.HEADER_SIZE));
    }

    /**
     * Closes the batch for appends and builds it with the given producer state (once).
     *
     * @throws RuntimeException (or an Error) when the bytes cannot be built: the batch has no buffer left
     *     ({@link #release()} does nothing) and can only fail
     */
    ByteBuf build(long pid, short epoch, int sequence) {
        return build(pid, epoch, sequence, false);
    }

    /** As {@link #build(long, short, int)}, marking the batch as part of a transaction when asked. */
    ByteBuf build(long pid, short epoch, int sequence, boolean transactional) {
        if (built == null) {
            full = true;
            RecordBatchBuilder b = builder;
            builder = null; // its buffer is given away or released by build(), even when that throws
            uncompressedBytes = b.uncompressedSize();
            b.producer(pid, epoch, sequence, transactional);
            built = b.build();
            if (ratio != null) {
                ratio.observe(built.readableBytes() - RecordBatch.HEADER_SIZE, uncompressedBytes - RecordBatch.HEADER_SIZE);
            }
        } else if (pid != builtProducerId || epoch != builtEpoch || sequence != builtSequence) {
            RecordBatchBuilder.rewriteProducerState(built, pid, epoch, sequence);
        }
        builtProducerId = pid;
        builtEpoch = epoch;
        builtSequence = sequence;
        return built;
    }

    /** The built bytes, or null before the first drain. */
    ByteBuf bytes() {
        return built;
    }

    /** Releases the buffers (after completion). */
    void release() {
        if (builder != null) {
            builder.release();
            builder = null;
        }
        if (built != null) {
            built.release();
            built = null;
        }
    }

    void complete(long baseOffset, long logAppendTime, Executor executor) {
        int n = count;
        CompletableFuture<RecordMetadata>[] fs = futures;
        Callback[] cbs = callbacks;
        long[] ts = timestamps;
        long[] sz = sizes;
        completing = true;
        executor.execute(() -> {
            for (int i = 0; i < n; i++) {
                long offset = baseOffset < 0 ? -1 : baseOffset + i;
                RecordMetadata md = new RecordMetadata(tp.topic(), tp.partition(), offset,
                        logAppendTime >= 0 ? logAppendTime : ts[i], (int) (sz[i] >> 32), (int) sz[i]);
                if (cbs != null && cbs[i] != null) {
                    runCallback(cbs[i], md, null);
                }
                fs[i].complete(md);
            }
            done.complete(null); // after the futures: flush() returns only once they are complete
        });
    }

    void fail(RuntimeException error, Executor executor) {
        int n = count;
        CompletableFuture<RecordMetadata>[] fs = futures;
        Callback[] cbs = callbacks;
        List<RuntimeException> perRecord = recordErrors != null && recordErrors.size() == n ? recordErrors : null;
        RecordMetadata md = failedMetadata(tp.topic(), tp.partition()); // one per batch: it is immutable
        completing = true;
        executor.execute(() -> {
            for (int i = 0; i < n; i++) {
                RuntimeException e = perRecord != null ? perRecord.get(i) : error;
                if (cbs != null && cbs[i] != null) {
                    runCallback(cbs[i], md, e);
                }
                fs[i].completeExceptionally(e);
            }
            done.complete(null);
        });
    }

    /**
     * What a failed record's callback and interceptors get, as Apache Kafka's producer hands them: the
     * topic, the partition (-1 when none was chosen yet), and -1 for the rest, so that a callback logging
     * {@code metadata.topic()} on error does not throw.
     */
    static RecordMetadata failedMetadata(String topic, int partition) {
        return new RecordMetadata(topic, partition, -1, -1, -1, -1);
    }

    static void runCallback(Callback cb, RecordMetadata md, Exception e) {
        try {
            cb.onCompletion(md, e);
        } catch (RuntimeException ex) {
            LoggerFactory.getLogger(ProducerBatch.class).warn("a producer callback threw", ex);
        }
    }

    /** Compares two batches' places in record order; never-drained batches last. */
    static int compareOrder(ProducerBatch a, ProducerBatch b) {
        if (a.order == null || b.order == null) {
            return a.order == null ? (b.order == null ? 0 : 1) : -1;
        }
        return Arrays.compare(a.order, b.order);
    }

    int lastSequence() {
        return baseSequence + count - 1;
    }

    @Override
    public String toString() {
        return "batch " + tp + " (" + count + " records, seq " + baseSequence + ")";
    }
}
