package dev.skein.consumer.internal;

import dev.skein.consumer.ConsumerOptions;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.consumer.Delivery;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.records.RecordBatch;
import dev.skein.core.internal.records.RecordBatchReader;
import dev.skein.serdes.Deserializer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.List;
import java.util.Objects;

/**
 * The polling thread's path with no cluster, network or fetcher behind it, for benchmarks: each
 * {@link #poll()} reads up to {@code max.poll.records} records of one fixed chunk of fetched batches
 * through the consumer's own {@link FetchCollector} (positions, cursors, deserializers, records) and
 * returns them as {@code Consumer.poll} does. Whenever nothing is buffered the chunk is "fetched" again
 * from the position, as the consumer refetches, and from its first offset once the position has passed
 * its end. Compressed batches are decompressed on the calling thread (nothing is decompressed ahead).
 * Not thread-safe: one thread polls.
 */
public final class DetachedPoll<K, V> implements FetchCollector.Source {
    private final TopicPartition tp;
    private final ByteBuf chunk;
    private final long firstOffset;
    /** The offset after the chunk's last batch (that frames). */
    private final long endOffset;
    /** True when a batch that does not frame follows the last one: at {@link #endOffset}, polls raise its error. */
    private final boolean endsInError;
    private final SubscriptionState subscriptions = new SubscriptionState();
    private final FetchCollector<K, V> collector;
    private CompletedFetch pending;

    private DetachedPoll(ConsumerOptions settings, Deserializer<K> keys, Deserializer<V> values, TopicPartition tp, ByteBuf chunk,
                         long firstOffset) {
        this.tp = tp;
        this.chunk = chunk;
        this.firstOffset = firstOffset;
        // As far as the chunk frames: a batch that does not is raised by the poll that reaches it.
        RecordBatchReader.Framed framed = RecordBatchReader.frame(chunk, tp.topic(), tp.partition());
        List<RecordBatch> batches = framed.batches();
        this.endOffset = batches.isEmpty() ? firstOffset : batches.get(batches.size() - 1).nextOffset();
        this.endsInError = framed.error() != null;
        subscriptions.assign(List.of(tp));
        collector = new FetchCollector<>(settings, subscriptions, this, keys, values, new ConsumerMetrics(null, "detached"),
                PooledByteBufAllocator.DEFAULT);
    }

    /**
     * @param chunk the record batches of {@code tp} as a Fetch response carries them, the first at
     *              {@code firstOffset}; retained here, released by {@link #close()}
     */
    public static <K, V> DetachedPoll<K, V> of(Deserializer<K> keys, Deserializer<V> values, TopicPartition tp,
                                               ByteBuf chunk, long firstOffset) {
        return of(ConsumerOptions.builder().bootstrapServers("detached:9092").delivery(Delivery.MANUAL).build(), keys, values,
                tp, chunk, firstOffset);
    }

    /** As {@link #of(Deserializer, Deserializer, TopicPartition, ByteBuf, long)}, read under {@code settings} (max.poll.records, check.crcs). */
    public static <K, V> DetachedPoll<K, V> of(ConsumerOptions settings, Deserializer<K> keys, Deserializer<V> values,
                                               TopicPartition tp, ByteBuf chunk, long firstOffset) {
        Objects.requireNonNull(chunk, "chunk");
        return new DetachedPoll<>(settings, keys, values, tp, chunk.retain(), firstOffset);
    }

    /**
     * The next records of the chunk, as {@code Consumer.poll} returns them: an error met after some
     * records (a corrupt record, say) is raised by the next call, as there.
     */
    public ConsumerRecords<K, V> poll() {
        collector.raiseDeferred();
        var out = collector.collect();
        if (out.isEmpty()) {
            // Nothing buffered: "fetched" again from the position, as the consumer refetches (a dropped fetch
            // included), or from the start once the position has passed the chunk's end (unless a batch that
            // does not frame ends it: the position stays there, and each poll raises its error again).
            long from = position();
            if (from < firstOffset || from > endOffset || (from == endOffset && !endsInError)) {
                from = firstOffset;
                subscriptions.seek(tp, from);
            }
            pending = new CompletedFetch(tp, from, chunk.retainedDuplicate(), -1, -1, null);
            out = collector.collect();
        }
        return new ConsumerRecords<>(out);
    }

    /** The position: the offset of the next record to return. */
    public long position() {
        return subscriptions.position(tp);
    }

    @Override
    public CompletedFetch nextCompleted() {
        CompletedFetch f = pending;
        pending = null;
        return f;
    }

    @Override
    public void consumed(CompletedFetch f) {
        f.release();
    }

    /** Releases the chunk and whatever is being read. */
    public void close() {
        collector.release();
        if (pending != null) {
            pending.release();
            pending = null;
        }
        chunk.release();
    }
}
