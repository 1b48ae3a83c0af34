package dev.skein.consumer.internal;

import dev.skein.consumer.IsolationLevel;
import dev.skein.core.TopicPartition;
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

/**
 * The records of one partition from one fetch response, consumed on the polling thread a batch at
 * a time: CRC checked when a batch is reached (records before a corrupt batch are still delivered),
 * control batches skipped, aborted transactions filtered under read_committed, records below the
 * position trimmed. Holds a retained slice of the response until {@link #release()}.
 */
final class CompletedFetch {
    final TopicPartition tp;
    final long fetchOffset;
    final int sizeInBytes;
    final long highWatermark;
    final long lastStableOffset;
    /** The position this fetch continues from; any other position means a seek made it stale. */
    long expectedPosition;
    private ByteBuf records;
    private List<RecordBatch> batches;
    private int batchIndex;
    private RecordCursor current;
    private final PriorityQueue<FetchResponse.AbortedTransaction> aborted;
    private final Set<Long> abortedProducers = new HashSet<>();

    CompletedFetch(TopicPartition tp, long fetchOffset, ByteBuf records, long highWatermark, long lastStableOffset,
                   List<FetchResponse.AbortedTransaction> abortedTransactions) {
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
    }

    /**
     * Moves to the next record at or after {@code position} and returns the cursor standing on it
     * (valid until the next call), or null when this fetch is used up.
     */
    RecordCursor next(long position, IsolationLevel isolation, boolean checkCrcs, ByteBufAllocator alloc, int maxBatchBytes,
                      long[] positionOut) {
        if (batches == null) {
            batches = RecordBatchReader.batches(records, tp.topic(), tp.partition(), false);
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
                releaseCurrent();
            }
            if (batchIndex >= batches.size()) {
                return null;
            }
            RecordBatch batch = batches.get(batchIndex);
            if (batch.lastOffset() < position) {
                batchIndex++;
                continue;
            }
            if (checkCrcs) {
                batch.verifyCrc(); // position stays: the caller may seek past it
            }
            batchIndex++;
            boolean skip = isolation == IsolationLevel.READ_COMMITTED ? skipTransactional(batch) : batch.isControl();
            if (skip) {
                positionOut[0] = Math.max(positionOut[0], batch.nextOffset());
                continue;
            }
            try {
                current = batch.cursor(alloc, maxBatchBytes);
            } catch (RuntimeException e) {
                batchIndex--;
                throw e;
            }
        }
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

    private void releaseCurrent() {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    void release() {
        releaseCurrent();
        if (records != null) {
            records.release();
            records = null;
        }
    }
}
