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
 * batch's worth of bytes has been sent there, or the batch they were filling has left, then to
 * another. The next one is the less loaded of two random partitions that have a leader (fewer queued
 * batches wins), so a slow broker gets less.
 */
final class StickyPartitioner {
    /** One topic's sticky run; {@link SendPath} keeps it with the topic's queues. */
    static final class Sticky {
        int partition = -1;
        long bytes;
        int records;
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
        return byTopic.computeIfAbsent(topic, t -> new Sticky());
    }

    int partition(Sticky s, String topic, Cluster.TopicInfo info, int recordBytes) {
        synchronized (s) {
            if (s.partition < 0 || s.partition >= info.partitionCount() || s.bytes >= batchSize) {
                s.partition = choose(topic, info, s.partition);
                s.bytes = 0;
                s.records = 0;
            }
            s.bytes += recordBytes;
            s.records++;
            return s.partition;
        }
    }

    /**
     * A record of the sticky run started a new batch. After the run's first record, that means the batch
     * the run was filling has left (lingered or full): the run ends with this record, rather than fill a
     * batch that would then wait out its whole linger with the few records left of the run.
     */
    void newBatch(Sticky s, int partition) {
        synchronized (s) {
            if (s.partition == partition && s.records > 1) {
                s.bytes = batchSize;
            }
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
