package dev.skein.consumer.internal;

import dev.skein.consumer.IsolationLevel;
import dev.skein.core.Compression;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.core.internal.records.RecordCursor;
import dev.skein.core.internal.records.RecordBatch;
import dev.skein.core.internal.records.RecordBatchReader;
import dev.skein.core.message.FetchResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * The records of one partition from one fetch response, consumed on the polling thread a batch at
 * a time: CRC checked when a batch is reached, and a batch that cannot be framed (bad length or magic)
 * raised when it is reached, so the records before a corrupt batch are still delivered; control
 * batches skipped, aborted transactions filtered under read_committed, records below the position
 * trimmed. A batch that decompresses to more than {@code skein.buffer.max.bytes} raises a
 * {@link RecordTooLargeException}, not a corruption. Holds a retained slice of the response until
 * {@link #release()}.
 *
 * <p>Compressed batches may be decompressed ahead by a {@link DecompressAhead} on another thread. Each
 * such batch has a slot that one thread claims before decompressing it: empty, {@code AHEAD} (being
 * decompressed away from the polling thread), the decompressed buffer (or the error it failed with),
 * {@code HERE} (the polling thread's from now on), {@code DROPPED} (released). The polling thread,
 * reaching a batch being decompressed, decompresses a later one meanwhile and waits only when there is
 * none, at most {@link #MAX_WAIT_NANOS} before it takes the batch over.
 */
final class CompletedFetch {
    final TopicPartition tp;
    final long fetchOffset;
    final int sizeInBytes;
    final long highWatermark;
    final long lastStableOffset;
    /** The position this fetch continues from; any other position means a seek made it stale. */
    long expectedPosition;
    /**
     * How many fetches from the broker this one came from are queued and not yet consumed, this one
     * included (set by the {@link Fetcher} before queueing it), or null.
     */
    AtomicInteger fromNode;
    private ByteBuf records;
    private List<RecordBatch> batches;
    /** Raised once the batches before it are read: the first batch of the response that did not frame, or null. */
    private CorruptRecordException framingError;
    private int batchIndex;
    private RecordCursor current;
    private final PriorityQueue<FetchResponse.AbortedTransaction> aborted;
    private final Set<Long> abortedProducers = new HashSet<>();
    /**
     * The partition leader epoch of the batch that last raised {@link #next}'s {@code positionOut}: a
     * position moved past a batch no record was returned from takes that batch's epoch (KIP-320).
     */
    int passedEpoch = -1;

    /** The setting that bounds one batch's decompressed size, named in the error of a batch over it. */
    static final String BUFFER_MAX_BYTES = "skein.buffer.max.bytes";
    private static final Object AHEAD = new Object();
    private static final Object HERE = new Object();
    private static final Object DROPPED = new Object();
    /** The most the polling thread waits for a batch being decompressed elsewhere before doing it itself. */
    static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How many batches past the one it waits for the polling thread may decompress meanwhile. */
    private static final int STEAL_WINDOW = 2;
    private final DecompressAhead ahead;
    /** One per batch when some batch is compressed and decompressed ahead; null otherwise. */
    private final AtomicReferenceArray<Object> slots;
    /** The helper's reference to the response, released by {@link #aheadDone()}. */
    private final ByteBuf aheadRef;
    /** The next batch the helper looks at; confined to the helper's thread. */
    private int aheadIndex;
    private volatile Thread waiter;

    CompletedFetch(TopicPartition tp, long fetchOffset, ByteBuf records, long highWatermark, long lastStableOffset,
                   List<FetchResponse.AbortedTransaction> abortedTransactions) {
        this(tp, fetchOffset, records, highWatermark, lastStableOffset, abortedTransactions, null);
    }

    /**
     * @param ahead decompresses batches ahead of the polling thread, or null; when given, the batches are
     *              split here (on the fetcher's thread) so both threads share one list
     */
    CompletedFetch(TopicPartition tp, long fetchOffset, ByteBuf records, long highWatermark, long lastStableOffset,
                   List<FetchResponse.AbortedTransaction> abortedTransactions, DecompressAhead ahead) {
        this.tp = tp;
        this.fetchOffset = fetchOffset;
        this.expectedPosition = fetchOffset;
        this.records = records;
        this.sizeInBytes = records.readableBytes();
        this.highWatermark = highWatermark;
        this.lastStableOffset = lastStableOffset;
        this.aborted = new PriorityQueue<>((a, b) -> Long.compare(a.firstOffset(), b.firstOffset()));
        if (abortedTransactions != null) {
            aborted.addAll(abortedTransactions);
        }
        this.ahead = ahead;
        AtomicReferenceArray<Object> s = null;
        // Old-format records (magic 0/1) are converted as they are framed, decompression and copies included: not
        // on the event loop that builds this, but on the polling thread when it reaches them, with no help ahead.
        if (ahead != null && !RecordBatchReader.startsWithOldFormat(records)) {
            frame(); // here, so both threads share one list; a framing error is kept for the polling thread
            for (int i = 0; s == null && i < batches.size(); i++) {
                if (decompressible(batches.get(i))) { // a loop, not a stream: C2 compiled the stream late, in measured reads
                    s = new AtomicReferenceArray<>(batches.size());
                }
            }
        }
        this.slots = s;
        this.aheadRef = s == null ? null : records;
    }

    /** Splits the records into batches, as far as they frame: per batch, a length, a magic byte and a slice. */
    private void frame() {
        RecordBatchReader.Framed framed = RecordBatchReader.frame(records, tp.topic(), tp.partition());
        batches = framed.batches();
        framingError = framed.error();
    }

    /**
     * A batch worth decompressing ahead: zstd or gzip, whose decompression outweighs handing the records
     * to another core. With lz4 the hand-over cost more than it saved: bench/ConsumerComparison read
     * about 10% more records/s for 25-40% more CPU per record, the helper's thread spending 1.5-2 times
     * what the polling thread saved (the decompressed records cross cores, and their buffers return to
     * another thread's pool); snappy, as fast, is left to the polling thread too. Read from the codec bits
     * alone (never {@code compression()}, which throws on an unknown codec): an unknown codec is the
     * polling thread's, which raises its error in order.
     */
    private static boolean decompressible(RecordBatch b) {
        int codec = b.attributes() & RecordBatch.COMPRESSION_MASK;
        return (codec == Compression.ZSTD.id() || codec == Compression.GZIP.id()) && !b.isControl();
    }

    /** True when some batch may be decompressed ahead: the helper then holds a reference until {@link #aheadDone()}. */
    boolean decompressesAhead() {
        return slots != null;
    }

    /** Called by the helper before the polling thread can see this fetch. */
    void retainForAhead() {
        aheadRef.retain();
    }

    /** The helper is done with this fetch. */
    void aheadDone() {
        aheadRef.release();
    }

    /**
     * Decompresses the next batch no thread has claimed (helper's thread). Returns the bytes now held for
     * the polling thread (0 when the batch failed to decompress: the polling thread meets the error when it
     * reaches it), or -1 when no batch is left to decompress.
     */
    long prepareNext(ByteBufAllocator alloc, int maxBatchBytes) {
        while (aheadIndex < batches.size()) {
            long n = prepare(aheadIndex++, alloc, maxBatchBytes);
            if (n >= 0) {
                return n;
            }
        }
        return -1;
    }

    /** Claims batch {@code i} and decompresses it into its slot; -1 when it is not there to claim. */
    private long prepare(int i, ByteBufAllocator alloc, int maxBatchBytes) {
        RecordBatch b = batches.get(i);
        if (!decompressible(b) || b.lastOffset() < fetchOffset || !slots.compareAndSet(i, null, AHEAD)) {
            return -1;
        }
        Object result;
        long n = 0;
        try {
            ByteBuf data = b.decompress(alloc, maxBatchBytes);
            n = data.readableBytes();
            ahead.added(n);
            result = data;
        } catch (RuntimeException e) {
            result = e;
        } catch (Error e) { // out of direct memory, say: unclaim it, so the polling thread meets it there itself
            if (slots.compareAndSet(i, AHEAD, null)) {
                wakeWaiter();
            }
            throw e;
        }
        if (!slots.compareAndSet(i, AHEAD, result)) { // dropped, or taken over by the polling thread
            if (result instanceof ByteBuf data) {
                data.release();
                ahead.taken(n);
            }
            return 0;
        }
        wakeWaiter();
        return n;
    }

    private void wakeWaiter() {
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** A cursor over batch {@code i} (polling thread), decompressed ahead if it was. */
    private RecordCursor open(int i, RecordBatch batch, ByteBufAllocator alloc, int maxBatchBytes) {
        if (slots == null || !decompressible(batch)) {
            return batch.cursor(alloc, maxBatchBytes);
        }
        long deadline = 0;
        while (true) {
            Object s = slots.get(i);
            if (s == HERE) {
                return batch.cursor(alloc, maxBatchBytes);
            } else if (s instanceof ByteBuf data) {
                if (slots.compareAndSet(i, s, HERE)) {
                    ahead.taken(data.readableBytes());
                    return batch.cursor(data);
                }
            } else if (s == null || s instanceof RuntimeException) {
                // Unclaimed, or failed elsewhere: done here, so an error is raised on this thread, in order.
                if (slots.compareAndSet(i, s, HERE)) {
                    return batch.cursor(alloc, maxBatchBytes);
                }
            } else if (s == AHEAD) {
                if (stealAfter(i, alloc, maxBatchBytes)) {
                    continue;
                }
                long now = System.nanoTime();
                if (deadline == 0) {
                    deadline = now + MAX_WAIT_NANOS;
                }
                if (now - deadline >= 0 || Thread.currentThread().isInterrupted()) {
                    // The helper is held up (or this thread cannot park): its result will be dropped.
                    slots.compareAndSet(i, AHEAD, HERE);
                    continue;
                }
                waiter = Thread.currentThread();
                if (slots.get(i) == AHEAD) {
                    LockSupport.parkNanos(this, deadline - now);
                }
                waiter = null;
            } else {
                throw new IllegalStateException("batch " + i + " of " + tp + " read after release");
            }
        }
    }

    /** Decompresses one unclaimed batch just after {@code i} while batch {@code i} is being decompressed elsewhere. */
    private boolean stealAfter(int i, ByteBufAllocator alloc, int maxBatchBytes) {
        for (int j = i + 1; j < Math.min(batches.size(), i + 1 + STEAL_WINDOW); j++) {
            if (slots.get(j) == null && prepare(j, alloc, maxBatchBytes) >= 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Moves to the next record at or after {@code position} and returns the cursor standing on it
     * (valid until the next call), or null when this fetch is used up.
     */
    RecordCursor next(long position, IsolationLevel isolation, boolean checkCrcs, ByteBufAllocator alloc, int maxBatchBytes,
                      long[] positionOut) {
        if (batches == null) {
            frame();
        }
        while (true) {
            if (current != null && current.next()) {
                if (current.offset() >= position) {
                    return current;
                }
                continue;
            }
            if (current != null) {
                RecordBatch done = batches.get(batchIndex - 1);
                positionOut[0] = Math.max(positionOut[0], done.nextOffset()); // compacted gaps after the last record
                passedEpoch = done.partitionLeaderEpoch();
                releaseCurrent();
            }
            if (batchIndex >= batches.size()) {
                if (framingError != null) {
                    throw framingError; // the batches before it were read; the position stays on it
                }
                return null;
            }
            RecordBatch batch = batches.get(batchIndex);
            if (batch.lastOffset() < position) {
                passOver(batchIndex++);
                continue;
            }
            if (checkCrcs) {
                batch.verifyCrc(); // position stays: the caller may seek past it
            }
            batchIndex++;
            boolean skip = isolation == IsolationLevel.READ_COMMITTED ? skipTransactional(batch) : batch.isControl();
            if (skip) {
                passOver(batchIndex - 1); // an aborted batch may have been decompressed ahead
                positionOut[0] = Math.max(positionOut[0], batch.nextOffset());
                passedEpoch = batch.partitionLeaderEpoch();
                continue;
            }
            try {
                current = open(batchIndex - 1, batch, alloc, maxBatchBytes);
            } catch (RecordTooLargeException e) {
                batchIndex--;
                throw overBound(e, maxBatchBytes, "raise it to read the batch, or seek past it");
            } catch (RuntimeException e) {
                batchIndex--;
                throw e;
            }
        }
    }

    /**
     * A batch that decompresses to more than {@code skein.buffer.max.bytes} ({@code bound}), as the consumer
     * reports it: the codec's error ({@code e}: topic, partition, offset, bound) with the setting to raise.
     * Not a {@link CorruptRecordException}: the batch is sound, only larger than this consumer lets one
     * batch take (the producer sizes batches by their compressed size, so a very compressible one can be).
     */
    static RecordTooLargeException overBound(RecordTooLargeException e, int bound, String then) {
        return new RecordTooLargeException(e.getMessage() + ", the most one batch may decompress to ("
                + BUFFER_MAX_BYTES + " = " + bound + "): " + then, e, false);
    }

    /** True when the batch must not reach the user: a control batch or part of an aborted transaction. */
    private boolean skipTransactional(RecordBatch batch) {
        while (!aborted.isEmpty() && aborted.peek().firstOffset() <= batch.lastOffset()) {
            abortedProducers.add(aborted.poll().producerId());
        }
        if (batch.isControl()) {
            // An abort marker ends the aborted transaction of its producer; commit markers end nothing here.
            abortedProducers.remove(batch.producerId());
            return true;
        }
        return batch.isTransactional() && abortedProducers.contains(batch.producerId());
    }

    /** A batch the polling thread passes without reading: what was decompressed for it ahead is let go. */
    private void passOver(int i) {
        if (slots != null) {
            letGo(i, HERE);
        }
    }

    /** Puts {@code state} in batch {@code i}'s slot, releasing a buffer decompressed for it (and its count). */
    private void letGo(int i, Object state) {
        if (slots.getAndSet(i, state) instanceof ByteBuf data) {
            ahead.taken(data.readableBytes());
            data.release();
        }
    }

    private void releaseCurrent() {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    void release() {
        releaseCurrent();
        if (slots != null) {
            for (int i = 0; i < slots.length(); i++) {
                letGo(i, DROPPED);
            }
        }
        if (records != null) {
            records.release();
            records = null;
        }
    }
}
