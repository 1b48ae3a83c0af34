package dev.skein.producer.internal;

import dev.skein.core.TopicPartition;
import dev.skein.core.internal.metadata.Cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Uniform sticky partitioning for records without a key: all go to one partition until about a
 * batch's worth of bytes has been sent there (with compression, as many as a batch is estimated to
 * take: {@link CompressionRatio}), or the batch they were filling has left, then to another. The next
 * one is the less loaded of two random partitions that have a leader (fewer queued batches wins), so a
 * slow broker gets less.
 */
final class StickyPartitioner {
    /**
     * One topic's sticky run; {@link SendPath} keeps it with the topic's queues. Read and written by the
     * sending threads without a lock (see {@link #partition}).
     */
    static final class Sticky {
        /** What the topic's batches compress to, or null: a run is as long as the batch it fills. */
        final CompressionRatio ratio;
        int partition = -1;
        long bytes;
        int records;
        /** The bytes after which the run ends, fixed when it starts. */
        long end;

        Sticky(CompressionRatio ratio) {
            this.ratio = ratio;
        }
    }

    private final Map<String, Sticky> byTopic = new ConcurrentHashMap<>();
    private final int batchSize;
    private final RecordAccumulator accumulator;

    StickyPartitioner(int batchSize, RecordAccumulator accumulator) {
        this.batchSize = batchSize;
        this.accumulator = accumulator;
    }

    /** The topic's sticky run (the same object for as long as the partitioner lives). */
    Sticky sticky(String topic) {
        return byTopic.computeIfAbsent(topic, t -> new Sticky(accumulator.ratio(t)));
    }

    /**
     * The partition for a keyless record of {@code recordBytes}. No lock: it was one locked instruction
     * per send besides the queue's. Threads that send to the same topic at once may count a few bytes
     * twice or not at all, or both choose the next partition, which only moves the run's end by a record
     * or two; each reads the partition once and checks it against the topic's partition count, so none
     * returns a partition that does not exist.
     */
    int partition(Sticky s, String topic, Cluster.TopicInfo info, int recordBytes) {
        int p = s.partition;
        long bytes = s.bytes;
        if (p < 0 || p >= info.partitionCount() || bytes >= s.end) {
            p = choose(topic, info, p);
            s.end = s.ratio == null ? batchSize : s.ratio.batchLimit();
            s.partition = p;
            bytes = 0;
            s.records = 0;
        }
        s.bytes = bytes + recordBytes;
        s.records++;
        return p;
    }

    /**
     * A record of the sticky run started a new batch. After the run's first record, that means the batch
     * the run was filling has left (lingered or full): the run ends with this record, rather than fill a
     * batch that would then wait out its whole linger with the few records left of the run.
     */
    void newBatch(Sticky s, int partition) {
        if (s.partition == partition && s.records > 1) {
            s.bytes = s.end;
        }
    }

    private int choose(String topic, Cluster.TopicInfo info, int previous) {
        List<Integer> available = new ArrayList<>();
        for (Cluster.PartitionInfo p : info.partitions()) {
            if (p.leader() >= 0) {
                available.add(p.partition());
            }
        }
        int n = info.partitionCount();
        if (available.isEmpty()) {
            return ThreadLocalRandom.current().nextInt(n);
        }
        if (available.size() > 1) {
            available.remove((Integer) previous);
        }
        ThreadLocalRandom r = ThreadLocalRandom.current();
        int a = available.get(r.nextInt(available.size()));
        int b = available.get(r.nextInt(available.size()));
        return accumulator.queuedBatches(new TopicPartition(topic, a)) <= accumulator.queuedBatches(new TopicPartition(topic, b))
                ? a : b;
    }
}
