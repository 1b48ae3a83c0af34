package dev.skein.consumer.internal;

import dev.skein.consumer.IsolationLevel;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.record.Record;
import dev.skein.core.internal.record.RecordBatch;
import dev.skein.core.internal.record.RecordBatchReader;
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
    private List<Record> current;
    private ByteBuf currentHolder;
    private int recordIndex;
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

    /** The next record at or after {@code position}, or null when this fetch is used up. */
    Record next(long position, IsolationLevel isolation, boolean checkCrcs, ByteBufAllocator alloc, int maxBatchBytes,
                long[] positionOut) {
        if (batches == null) {
            batches = RecordBatchReader.batches(records, tp.topic(), tp.partition(), false);
        }
        while (true) {
            if (current != null && recordIndex < current.size()) {
                Record r = current.get(recordIndex++);
                if (r.offset() >= position) {
                    return r;
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
            ByteBuf[] holder = new ByteBuf[1];
            try {
                current = batch.records(alloc, maxBatchBytes, holder);
            } catch (RuntimeException e) {
                if (holder[0] != null) {
                    holder[0].release();
                }
                batchIndex--;
                throw e;
            }
            currentHolder = holder[0];
            recordIndex = 0;
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
        if (currentHolder != null) {
            currentHolder.release();
            currentHolder = null;
        }
        current = null;
    }

    void release() {
        releaseCurrent();
        if (records != null) {
            records.release();
            records = null;
        }
    }
}
