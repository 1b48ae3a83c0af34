package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.producer.ProducerOptions;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the sticky run for keyless records moves to another partition. */
class StickyPartitionerTest {
    private static final int BATCH = 1000;

    private static StickyPartitioner partitioner() {
        ProducerOptions s = ProducerOptions.builder().bootstrapServers("x:1").linger(Duration.ZERO)
                .batchSize(BATCH).bufferMemory(1 << 20).maxBlock(Duration.ZERO).deliveryTimeout(Duration.ofMinutes(1))
                .retries(1).build();
        return new StickyPartitioner(BATCH, new RecordAccumulator(s, UnpooledByteBufAllocator.DEFAULT));
    }

    private static Cluster.TopicInfo topic(int partitions) {
        List<Cluster.PartitionInfo> parts = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            parts.add(new Cluster.PartitionInfo("t", p, 0, 0, List.of(0), List.of(0), List.of()));
        }
        return new Cluster.TopicInfo("t", UUID.randomUUID(), false, ErrorCode.NONE, List.copyOf(parts));
    }

    @Test
    void aRunLastsABatchWorthOfBytes() {
        StickyPartitioner sp = partitioner();
        StickyPartitioner.Sticky s = sp.sticky("t");
        Cluster.TopicInfo t = topic(4);
        int first = sp.partition(s, "t", t, 100);
        for (int i = 1; i < 10; i++) { // 1,000 bytes in all
            assertEquals(first, sp.partition(s, "t", t, 100), "record " + i);
        }
        assertNotEquals(first, sp.partition(s, "t", t, 100), "a batch's worth has gone to the partition");
    }

    @Test
    void aRunEndsWhenTheBatchItFilledHasLeft() {
        StickyPartitioner sp = partitioner();
        StickyPartitioner.Sticky s = sp.sticky("t");
        Cluster.TopicInfo t = topic(4);
        int first = sp.partition(s, "t", t, 100);
        sp.newBatch(s, first); // the run's first record starts its batch: the run goes on
        assertEquals(first, sp.partition(s, "t", t, 100));
        assertEquals(first, sp.partition(s, "t", t, 100));
        sp.newBatch(s, first); // a later record found the batch gone (lingered out): the run ends with it
        assertNotEquals(first, sp.partition(s, "t", t, 100));
    }

    @Test
    void aNewBatchOfAnotherPartitionLeavesTheRunAlone() {
        StickyPartitioner sp = partitioner();
        StickyPartitioner.Sticky s = sp.sticky("t");
        Cluster.TopicInfo t = topic(4);
        int first = sp.partition(s, "t", t, 100);
        sp.partition(s, "t", t, 100);
        sp.newBatch(s, (first + 1) % 4);
        assertEquals(first, sp.partition(s, "t", t, 100));
    }

    @Test
    void threadsSharingARunEachGetAPartitionThatExists() throws Exception {
        StickyPartitioner sp = partitioner();
        StickyPartitioner.Sticky s = sp.sticky("t");
        Cluster.TopicInfo wide = topic(8);
        Cluster.TopicInfo narrow = topic(3); // a thread with older metadata: the run may point past it
        int threads = 4;
        int perThread = 200_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<int[]>> counts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Cluster.TopicInfo info = t % 2 == 0 ? wide : narrow;
                counts.add(pool.submit(() -> {
                    int[] seen = new int[info.partitionCount()];
                    for (int i = 0; i < perThread; i++) {
                        seen[sp.partition(s, "t", info, 100)]++; // out of range would throw here
                    }
                    return seen;
                }));
            }
            int[] wideSeen = new int[8];
            for (int t = 0; t < threads; t++) {
                int[] seen = counts.get(t).get(1, TimeUnit.MINUTES);
                for (int p = 0; p < seen.length; p++) {
                    wideSeen[p] += seen[p];
                }
            }
            assertEquals((long) threads * perThread, java.util.Arrays.stream(wideSeen).asLongStream().sum());
            for (int p = 0; p < 8; p++) { // runs of ten records: every partition gets some
                assertTrue(wideSeen[p] > 0, "partition " + p + " got no records");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
