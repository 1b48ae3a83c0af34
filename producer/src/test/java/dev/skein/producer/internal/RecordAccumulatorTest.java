package dev.skein.producer.internal;

import dev.skein.core.Compression;
import dev.skein.core.TopicPartition;
import dev.skein.producer.ProducerOptions;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordAccumulatorTest {
    private static final TopicPartition TP = new TopicPartition("t", 0);

    @Test
    void retriedAndSplitBatchesGoBackInRecordOrderWhateverOrderTheyReturnIn() {
        ProducerOptions s = ProducerOptions.builder().bootstrapServers("x:1").linger(Duration.ZERO)
                .batchSize(1024).bufferMemory(1 << 20).maxBlock(Duration.ZERO).deliveryTimeout(Duration.ofMinutes(1))
                .retries(1).build();
        int[][] orders = {{0}, {1, 0}, {1, 1, 0}, {1, 1, 1}, {1, 2}, {2}, {3, 0}, {3, 1}, {4}};
        for (int round = 0; round < 20; round++) {
            RecordAccumulator acc = new RecordAccumulator(s, UnpooledByteBufAllocator.DEFAULT);
            List<ProducerBatch> batches = new ArrayList<>();
            for (int[] o : orders) {
                ProducerBatch b = new ProducerBatch(TP, UnpooledByteBufAllocator.DEFAULT, Compression.NONE, null, 0, 1024, 0, 0);
                b.order = o;
                batches.add(b);
            }
            ProducerBatch fresh = new ProducerBatch(TP, UnpooledByteBufAllocator.DEFAULT, Compression.NONE, null, 0, 1024, 0, 0);
            List<ProducerBatch> shuffled = new ArrayList<>(batches);
            Collections.shuffle(shuffled, new Random(round));
            acc.reenqueue(fresh); // never drained: stays behind everything
            shuffled.forEach(acc::reenqueue);
            List<ProducerBatch> queued = new ArrayList<>(acc.queue(TP));
            List<ProducerBatch> expected = new ArrayList<>(batches);
            expected.add(fresh);
            assertEquals(expected, queued, "round " + round);
        }
    }

    @Test
    void withCompressionABatchTakesTheRecordsEstimatedToCompressToTheBatchSize() {
        ProducerOptions s = ProducerOptions.builder().bootstrapServers("x:1").batchSize(4096).bufferMemory(1 << 20)
                .compression(Compression.LZ4).build();
        RecordAccumulator acc = new RecordAccumulator(s, UnpooledByteBufAllocator.DEFAULT);
        CompressionRatio ratio = acc.ratio(TP.topic());
        for (int i = 0; i < 60; i++) {
            ratio.observe(1, 4);
        }
        byte[] value = new byte[100];
        java.util.Deque<ProducerBatch> dq = acc.queueFor(TP);
        while (dq.size() < 2) { // until the first batch is full and a second one starts
            acc.append(dq, TP, 0L, null, value, new dev.skein.core.Header[0], new java.util.concurrent.CompletableFuture<>(),
                    null, RecordAccumulator.MAX_BLOCK_FROM_NOW);
        }
        ProducerBatch b = dq.peekFirst();
        assertTrue(b.isFull());
        int limit = ratio.batchLimit();
        assertEquals((int) (4096 / (0.25 * CompressionRatio.MARGIN)), limit, 2);
        assertEquals(limit, b.reservedBytes, "the batch reserves from buffer.memory what it may grow to");
        assertEquals(limit, b.uncompressedSize(), 100, "it took records up to the limit");
        int estimated = b.estimatedSize();
        assertEquals(4096, estimated, 100, "about the batch size as sent, for packing it into a request");
        b.build(-1L, (short) -1, -1);
        assertEquals(b.bytes().readableBytes(), b.estimatedSize(), "once built, its size as built");
        float seen = (float) (b.bytes().readableBytes() - 61) / (b.uncompressedSize() - 61);
        assertTrue(ratio.estimate() < 0.25f && ratio.estimate() >= seen, "zeros compress better: the estimate fell toward them");
        acc.deallocate(b);
        acc.deallocate(dq.peekLast());
        assertEquals(1 << 20, acc.pool().available(), "and gave it all back");
        acc.close();
    }
}
