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

    /**
     * The parts of a split batch take over its records and sequence range; a record sent later must not
     * join one (it would be written before the batches sent after the split one, and overlap their
     * numbers), even when a part is the last batch of an empty queue.
     */
    @Test
    void theLastPartOfASplitBatchTakesNoNewRecords() {
        ProducerOptions s = ProducerOptions.builder().bootstrapServers("x:1").linger(Duration.ZERO).batchSize(4096)
                .bufferMemory(1 << 20).build();
        RecordAccumulator acc = new RecordAccumulator(s, UnpooledByteBufAllocator.DEFAULT);
        java.util.Deque<ProducerBatch> dq = acc.queueFor(TP);
        byte[] value = new byte[100];
        for (int i = 0; i < 10; i++) {
            acc.append(dq, TP, 0L, null, value, new dev.skein.core.Header[0], new java.util.concurrent.CompletableFuture<>(),
                    null, RecordAccumulator.MAX_BLOCK_FROM_NOW, false);
        }
        ProducerBatch big = dq.pollFirst();
        big.order = new int[] {0};
        big.build(7L, (short) 0, 0);
        List<ProducerBatch> parts = BatchSplitter.split(big, acc, s);
        assertTrue(parts.size() >= 2, "split in parts: " + parts.size());
        for (int i = parts.size() - 1; i >= 0; i--) {
            acc.addFirst(parts.get(i));
        }
        ProducerBatch last = parts.get(parts.size() - 1);
        int records = last.recordCount();
        acc.append(dq, TP, 0L, null, value, new dev.skein.core.Header[0], new java.util.concurrent.CompletableFuture<>(),
                null, RecordAccumulator.MAX_BLOCK_FROM_NOW, false);
        assertEquals(records, last.recordCount(), "the new record went into a batch of its own");
        assertEquals(parts.size() + 1, dq.size());
        acc.close();
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
                    null, RecordAccumulator.MAX_BLOCK_FROM_NOW, false);
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

    @Test
    void withCompressionBatchesOfQuietPartitionsTakeTheBatchSizeOnceHalfTheBufferMemoryIsHeld() {
        // batch.size 4 KiB and buffer.memory 256 KiB: a batch may grow to 64 KiB, a quarter of buffer.memory.
        ProducerOptions s = ProducerOptions.builder().bootstrapServers("x:1").batchSize(4096).bufferMemory(256 << 10).maxRequestSize(128 << 10)
                .maxBlock(Duration.ZERO).compression(Compression.LZ4).build();
        RecordAccumulator acc = new RecordAccumulator(s, UnpooledByteBufAllocator.DEFAULT);
        CompressionRatio ratio = acc.ratio(TP.topic());
        for (int i = 0; i < 100; i++) {
            ratio.observe(1, 1000);
        }
        assertEquals(64 << 10, ratio.batchLimit());
        // One record each for 30 partitions, as a keyed producer starts batches for many partitions
        // within one linger. Each batch reserving 64 KiB, the fifth failed: buffer.memory exhausted
        // within max.block.ms (0), where Apache Kafka's producer reserves 4 KiB each (120 KiB in all).
        List<ProducerBatch> open = new ArrayList<>();
        for (int p = 0; p < 30; p++) {
            TopicPartition tp = new TopicPartition(TP.topic(), p);
            java.util.Deque<ProducerBatch> dq = acc.queueFor(tp);
            acc.append(dq, tp, 0L, null, new byte[100], new dev.skein.core.Header[0],
                    new java.util.concurrent.CompletableFuture<>(), null, RecordAccumulator.MAX_BLOCK_FROM_NOW, false);
            open.add(dq.peekLast());
        }
        assertEquals(64 << 10, open.get(0).reservedBytes, "the full limit while that leaves half of buffer.memory free");
        assertEquals(64 << 10, open.get(1).reservedBytes);
        for (ProducerBatch b : open.subList(2, open.size())) {
            assertEquals(4096, b.reservedBytes, "then batch.size");
        }
        assertEquals((256 << 10) - 2 * (64 << 10) - 28 * 4096, acc.pool().available());
        // A batch that took batch.size is full at batch.size before compression.
        ProducerBatch small = open.get(2);
        while (small.tryAppend(0L, null, new byte[100], new dev.skein.core.Header[0],
                new java.util.concurrent.CompletableFuture<>(), null)) {
            assertTrue(small.uncompressedSize() <= 4096, "never past batch.size: " + small.uncompressedSize());
        }
        assertTrue(small.isFull() && small.uncompressedSize() > 4096 - 200, "full at about batch.size: " + small.uncompressedSize());
        open.forEach(acc::deallocate);
        assertEquals(256 << 10, acc.pool().available(), "and gave it all back");

        // The sticky partitioner's run fills a batch to the full limit before it moves on: its batch
        // takes the limit whatever is held, as a partition with batches waiting to be sent does.
        acc.pool().reserve(160 << 10, 0);
        TopicPartition keyless = new TopicPartition(TP.topic(), 40);
        acc.append(acc.queueFor(keyless), keyless, 0L, null, new byte[100], new dev.skein.core.Header[0],
                new java.util.concurrent.CompletableFuture<>(), null, RecordAccumulator.MAX_BLOCK_FROM_NOW, true);
        ProducerBatch sticky = acc.queue(keyless).peekLast();
        assertEquals(64 << 10, sticky.reservedBytes);
        TopicPartition keyed = new TopicPartition(TP.topic(), 41);
        acc.append(acc.queueFor(keyed), keyed, 0L, new byte[8], new byte[100], new dev.skein.core.Header[0],
                new java.util.concurrent.CompletableFuture<>(), null, RecordAccumulator.MAX_BLOCK_FROM_NOW, false);
        ProducerBatch quiet = acc.queue(keyed).peekLast();
        assertEquals(4096, quiet.reservedBytes);
        acc.deallocate(sticky);
        acc.deallocate(quiet);
        acc.pool().release(160 << 10);
        assertEquals(256 << 10, acc.pool().available());
        acc.close();
    }
}
