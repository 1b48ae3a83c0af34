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
}
