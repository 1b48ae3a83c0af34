package dev.skein.producer.internal;

import dev.skein.core.Header;
import dev.skein.core.internal.records.Record;
import dev.skein.core.internal.records.RecordBatch;
import dev.skein.core.internal.records.RecordBatchReader;
import dev.skein.producer.ProducerOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits a batch the broker refused as too large: its records are decoded back from the built bytes
 * and packed into batches of half the size, each record keeping its own future. A rare path, so it
 * copies.
 */
final class BatchSplitter {
    private BatchSplitter() {}

    static List<ProducerBatch> split(ProducerBatch big, RecordAccumulator accumulator, ProducerOptions settings) {
        if (big.bytes() == null) {
            throw new IllegalStateException("cannot split " + big + ": its bytes are gone");
        }
        int target = Math.max(1, big.uncompressedSize() / 2);
        CompressionRatio ratio = accumulator.ratio(big.tp.topic());
        if (ratio != null) {
            ratio.reset(); // the estimate let the batch grow too large: the next ones start from batch.size
        }
        RecordBatch batch = RecordBatchReader.batches(big.bytes(), big.tp.topic(), big.tp.partition(), false).get(0);
        ByteBuf[] holder = new ByteBuf[1];
        List<ProducerBatch> parts = new ArrayList<>();
        try {
            List<Record> records = batch.records(PooledByteBufAllocator.DEFAULT, Integer.MAX_VALUE, holder);
            ProducerBatch current = null;
            for (int i = 0; i < records.size(); i++) {
                Record r = records.get(i);
                byte[] key = r.key() == null ? null : ByteBufUtil.getBytes(r.key());
                byte[] value = r.value() == null ? null : ByteBufUtil.getBytes(r.value());
                Header[] headers = r.headers().toArray(new Header[0]);
                long ts = big.timestamp(i);
                if (current == null || !current.tryAppend(ts, key, value, headers, big.future(i), big.callback(i))) {
                    long reserve = Math.max(target, RecordAccumulator.recordSizeBound(key, value, headers));
                    accumulator.pool().reserveNoWait(reserve);
                    current = new ProducerBatch(big.tp, PooledByteBufAllocator.DEFAULT, settings.compression(),
                            settings.compressionLevel(), ts, target, reserve, big.createdNanos);
                    current.tryAppend(ts, key, value, headers, big.future(i), big.callback(i));
                    current.order = Arrays.copyOf(big.order, big.order.length + 1);
                    current.order[big.order.length] = parts.size();
                    parts.add(current);
                }
            }
        } finally {
            if (holder[0] != null) {
                holder[0].release();
            }
        }
        // A part takes its place in the queue: a record sent later joining one would be written before the
        // batches sent after the split one, under sequence numbers they already hold.
        parts.forEach(ProducerBatch::seal);
        return parts;
    }
}
