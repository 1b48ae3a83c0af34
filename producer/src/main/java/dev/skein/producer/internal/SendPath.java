package dev.skein.producer.internal;

import dev.skein.core.Compression;
import dev.skein.core.ErrorCode;
import dev.skein.core.Header;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.producer.Acks;
import dev.skein.producer.Callback;
import dev.skein.producer.Partitioners;
import dev.skein.producer.ProducerOptions;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.SerializationException;
import dev.skein.serdes.Serializer;
import dev.skein.serdes.internal.ContextFree;
import io.micrometer.observation.ObservationRegistry;
import io.netty.buffer.PooledByteBufAllocator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@code send()} does on the caller's thread once the topic's metadata is known: serialize,
 * check the size, pick the partition, append to the partition's open batch. It does no I/O and never
 * waits except for buffer memory, so a benchmark can drive it alone ({@link #detached}).
 */
public final class SendPath<K, V> {
    private static final Header[] NO_HEADERS = new Header[0];

    private final ProducerOptions settings;
    private final Serializer<K> keySerializer;
    private final Serializer<V> valueSerializer;
    private final RecordAccumulator accumulator;
    private final StickyPartitioner sticky;
    /** Both serializers are built-ins that neither read a context nor add headers ({@link ContextFree}). */
    private final boolean contextFree;
    private final RecordClock clock;

    SendPath(ProducerOptions settings, Serializer<K> keySerializer, Serializer<V> valueSerializer,
             RecordAccumulator accumulator, RecordClock clock) {
        this.settings = settings;
        this.clock = clock;
        this.keySerializer = keySerializer;
        this.valueSerializer = valueSerializer;
        this.accumulator = accumulator;
        this.sticky = new StickyPartitioner(settings.batchSize(), accumulator);
        this.contextFree = keySerializer instanceof ContextFree && valueSerializer instanceof ContextFree;
    }

    /**
     * Appends the record to its partition's batch, waiting for buffer memory until {@code deadlineNanos}
     * ({@link RecordAccumulator#MAX_BLOCK_FROM_NOW}: max.block.ms from when the wait begins).
     * Bad input (a serializer failure, a record too large, a partition that does not exist) throws.
     */
    RecordAccumulator.Appended append(ProducerRecord<K, V> record, Cluster.TopicInfo topic,
                                      CompletableFuture<RecordMetadata> future, Callback callback, long deadlineNanos) {
        byte[] key;
        byte[] value;
        Header[] hs;
        if (contextFree) { // no context and no header list per record: three allocations fewer
            key = serializeFree(keySerializer, record.key(), record.topic(), SerdeContext.Target.KEY, record.headers());
            value = serializeFree(valueSerializer, record.value(), record.topic(), SerdeContext.Target.VALUE, record.headers());
            hs = record.headers().isEmpty() ? NO_HEADERS : record.headers().toArray(NO_HEADERS);
        } else {
            // Serializers may add headers: a list of their own, free until they do.
            List<Header> headers = record.headers().isEmpty() ? new ArrayList<>() : new ArrayList<>(record.headers());
            key = serialize(keySerializer, record.key(), record.topic(), SerdeContext.Target.KEY, headers);
            value = serialize(valueSerializer, record.value(), record.topic(), SerdeContext.Target.VALUE, headers);
            hs = headers.toArray(NO_HEADERS);
        }
        int size = RecordAccumulator.recordSizeBound(key, value, hs);
        if (size > settings.maxRequestSize() || size > settings.bufferMemory()) {
            throw new RecordTooLargeException("record of " + size + " bytes for " + record.topic()
                    + " exceeds max.request.size (" + settings.maxRequestSize() + ") or buffer.memory ("
                    + settings.bufferMemory() + ")", null, false);
        }
        Queues q = queues(record.topic(), topic);
        int partition = partition(record, topic, key, size, q);
        long ts = record.timestamp() != null ? record.timestamp() : clock.millis();
        boolean keyless = record.partition() == null && key == null; // the sticky partitioner's
        RecordAccumulator.Appended a = accumulator.append(q.queues[partition], q.partitions[partition], ts, key, value,
                hs, future, callback, deadlineNanos, keyless);
        if (a == RecordAccumulator.Appended.TO_NEW_BATCH && keyless) {
            sticky.newBatch(q.sticky, partition);
        }
        return a;
    }

    /**
     * A topic's partitions, their queues and its sticky run, looked up once per topic and partition
     * count rather than hashed per record. Immutable: a thread that reads a stale {@link #last} finds
     * the same queues through the map.
     */
    private static final class Queues {
        final String topic;
        final TopicPartition[] partitions;
        final Deque<ProducerBatch>[] queues;
        final StickyPartitioner.Sticky sticky;

        @SuppressWarnings("unchecked")
        Queues(String topic, int count, RecordAccumulator accumulator, StickyPartitioner.Sticky sticky) {
            this.topic = topic;
            this.partitions = new TopicPartition[count];
            this.queues = new Deque[count];
            for (int p = 0; p < count; p++) {
                partitions[p] = new TopicPartition(topic, p);
                queues[p] = accumulator.queueFor(partitions[p]);
            }
            this.sticky = sticky;
        }
    }

    private final ConcurrentHashMap<String, Queues> byTopic = new ConcurrentHashMap<>();
    private volatile Queues last;

    private Queues queues(String name, Cluster.TopicInfo topic) {
        Queues q = last;
        if (q != null && q.topic.equals(name) && q.partitions.length == topic.partitionCount()) {
            return q;
        }
        q = byTopic.get(name);
        if (q == null || q.partitions.length != topic.partitionCount()) {
            q = new Queues(name, topic.partitionCount(), accumulator, sticky.sticky(name));
            byTopic.put(name, q);
        }
        last = q;
        return q;
    }

    private static <T> byte[] serialize(Serializer<T> s, T v, String topic, SerdeContext.Target target, List<Header> headers) {
        SerdeContext ctx = SerdeContext.forProducer(topic, target, headers);
        try {
            return s.serialize(v, ctx);
        } catch (SerializationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SerializationException("serializer failed: " + e, ctx, null, e);
        }
    }

    /** A {@link ContextFree} serializer gets no context; a failure still names topic and target. */
    private static <T> byte[] serializeFree(Serializer<T> s, T v, String topic, SerdeContext.Target target, List<Header> headers) {
        try {
            return s.serialize(v, null);
        } catch (RuntimeException e) {
            SerdeContext ctx = SerdeContext.forProducer(topic, target, new ArrayList<>(headers));
            throw e instanceof SerializationException se ? se : new SerializationException("serializer failed: " + e, ctx, null, e);
        }
    }

    private int partition(ProducerRecord<K, V> record, Cluster.TopicInfo topic, byte[] key, int size, Queues q) {
        int n = topic.partitionCount();
        if (record.partition() != null) {
            if (record.partition() >= n) {
                throw new IllegalArgumentException("partition " + record.partition() + " does not exist: " + record.topic()
                        + " has " + n + " partitions");
            }
            return record.partition();
        }
        if (key != null) {
            int p = settings.partitioner().partition(record.topic(), key, n);
            if (p < 0 || p >= n) {
                throw new IllegalStateException("the partitioner returned " + p + " for " + n + " partitions");
            }
            return p;
        }
        // The sticky partition moves on after a batch's worth of record bytes (KIP-794), counted as the
        // batch holds them: not the bound's batch header and widest varints, which made it move on after
        // half a batch and left records lingering in batches that would not fill.
        return sticky.partition(q.sticky, record.topic(), topic, RecordAccumulator.estimatedBytesInBatch(size));
    }

    /**
     * A send path with no producer, cluster or network behind it, for benchmarks: records go to one
     * topic of {@code partitions} partitions (every one led by broker 0), into pooled buffers, and
     * {@link Detached#releaseFull()} gives full batches back as a sender would once they are acknowledged
     * (their futures are never completed).
     */
    public static <K, V> Detached<K, V> detached(Serializer<K> keySerializer, Serializer<V> valueSerializer,
                                                 String topic, int partitions, int batchSize, Compression compression) {
        return detached(keySerializer, valueSerializer, topic, partitions, batchSize, compression, null);
    }

    /**
     * As {@link #detached(Serializer, Serializer, String, int, int, Compression)}, with the producer's
     * tracing step before the append ({@code observations} may be null, as on a producer without a
     * registry); for measuring what tracing costs when off and when on.
     */
    public static <K, V> Detached<K, V> detached(Serializer<K> keySerializer, Serializer<V> valueSerializer,
                                                 String topic, int partitions, int batchSize, Compression compression,
                                                 ObservationRegistry observations) {
        ProducerOptions s = ProducerOptions.builder().bootstrapServers("detached:9092").acks(Acks.LEADER)
                .idempotence(false).linger(Duration.ZERO).batchSize(batchSize).bufferMemory(256L << 20)
                .compression(compression).retries(0).build();
        RecordAccumulator accumulator = new RecordAccumulator(s, PooledByteBufAllocator.DEFAULT);
        List<Cluster.PartitionInfo> parts = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            parts.add(new Cluster.PartitionInfo(topic, p, 0, 0, List.of(0), List.of(0), List.of()));
        }
        Cluster.TopicInfo info = new Cluster.TopicInfo(topic, UUID.randomUUID(), false, ErrorCode.NONE,
                List.copyOf(parts));
        return new Detached<>(new SendPath<>(s, keySerializer, valueSerializer, accumulator, new RecordClock(null)), accumulator, info,
                SendTracing.of(observations, "detached"));
    }

    /** See {@link #detached}. Not thread-safe across {@link #send} and {@link #releaseFull}: one thread drives both. */
    public static final class Detached<K, V> {
        private final SendPath<K, V> path;
        private final RecordAccumulator accumulator;
        private final Cluster.TopicInfo topic;
        private final SendTracing tracing;

        private Detached(SendPath<K, V> path, RecordAccumulator accumulator, Cluster.TopicInfo topic, SendTracing tracing) {
            this.path = path;
            this.accumulator = accumulator;
            this.topic = topic;
            this.tracing = tracing;
        }

        /** Serializes, partitions and appends, as {@code Producer.send} does once metadata is known. */
        public CompletableFuture<RecordMetadata> send(ProducerRecord<K, V> record) {
            CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
            SendTracing.Traced<K, V> traced = tracing == null ? null : tracing.start(record, null);
            path.append(traced == null ? record : traced.record, topic, future, traced, RecordAccumulator.MAX_BLOCK_FROM_NOW);
            return future;
        }

        /** Takes every full batch off its queue and frees it; returns how many records they held. */
        public int releaseFull() {
            int records = 0;
            for (TopicPartition tp : accumulator.partitions()) {
                Deque<ProducerBatch> dq = accumulator.queue(tp);
                if (dq == null) {
                    continue;
                }
                List<ProducerBatch> done = new ArrayList<>();
                synchronized (dq) {
                    while (!dq.isEmpty() && dq.peekFirst().isFull()) {
                        done.add(dq.pollFirst());
                    }
                }
                for (ProducerBatch b : done) {
                    records += b.recordCount();
                    b.build(-1L, (short) -1, -1); // as the sender does on its first drain
                    accumulator.deallocate(b);
                }
            }
            return records;
        }

        /** Frees every batch, full or not. */
        public void close() {
            for (ProducerBatch b : accumulator.incomplete()) {
                accumulator.deallocate(b);
            }
            accumulator.close();
        }
    }
}
