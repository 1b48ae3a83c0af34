package dev.skein.producer.internal;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompressionRatioTest {
    private static final int BATCH = 16 * 1024;
    private static final int MAX_REQUEST = 1024 * 1024;

    @Test
    void startsAtTheBatchSizeUncompressed() {
        CompressionRatio r = new CompressionRatio(BATCH, 32L << 20, MAX_REQUEST);
        assertEquals(1f, r.estimate());
        assertEquals(BATCH, r.batchLimit(), "never fewer than batch.size, though 1 plus the margin would say so");
    }

    @Test
    void fallsAQuarterOfTheWayTowardWhatABatchCompressedTo() {
        CompressionRatio r = new CompressionRatio(BATCH, 32L << 20, MAX_REQUEST);
        r.observe(25, 100);
        assertEquals(0.8125f, r.estimate(), 1e-6);
        for (int i = 0; i < 40; i++) {
            r.observe(25, 100);
        }
        assertEquals(0.25f, r.estimate(), 0.001f);
        int expected = (int) (BATCH / (r.estimate() * CompressionRatio.MARGIN));
        assertEquals(expected, r.batchLimit(), "batch.size over the estimate and its margin");
        assertTrue(r.batchLimit() > 3 * BATCH);
        assertEquals(BATCH, r.compressedSize(r.batchLimit()), 2, "a batch at its limit is estimated at batch.size");
        assertEquals((int) (4000 * 0.25 * CompressionRatio.MARGIN), r.compressedSize(4000), 2);
    }

    @Test
    void risesAtOnceAndByAtLeastAStepWhenABatchCompressedWorse() {
        CompressionRatio r = new CompressionRatio(BATCH, 32L << 20, MAX_REQUEST);
        for (int i = 0; i < 60; i++) {
            r.observe(30, 100);
        }
        r.observe(31, 100);
        assertEquals(0.30f + CompressionRatio.WORSE_STEP, r.estimate(), 0.001f, "a little worse: one step up");
        r.observe(70, 100);
        assertEquals(0.70f, r.estimate(), 1e-6, "much worse: what it was");
    }

    @Test
    void growsAtMostSixteenBatchSizesAndAQuarterOfTheBufferMemory() {
        CompressionRatio roomy = new CompressionRatio(BATCH, 1L << 30, MAX_REQUEST);
        CompressionRatio tight = new CompressionRatio(BATCH, 128 * 1024, MAX_REQUEST);
        for (int i = 0; i < 100; i++) {
            roomy.observe(1, 1000);
            tight.observe(1, 1000);
        }
        assertEquals(CompressionRatio.MAX_GROWTH * BATCH, roomy.batchLimit());
        assertEquals(32 * 1024, tight.batchLimit());
        assertEquals(BATCH, new CompressionRatio(BATCH, BATCH, MAX_REQUEST).batchLimit(), "never below batch.size");
    }

    @Test
    void growsAtMostToMaxRequestSizeSoThatABatchFitsInARequestWhateverItCompressesTo() {
        CompressionRatio r = new CompressionRatio(256 * 1024, 1L << 30, MAX_REQUEST);
        CompressionRatio small = new CompressionRatio(2 * MAX_REQUEST, 1L << 30, MAX_REQUEST);
        for (int i = 0; i < 100; i++) {
            r.observe(1, 1000);
            small.observe(1, 1000);
        }
        assertEquals(MAX_REQUEST, r.batchLimit(), "not sixteen batch sizes, 4 MiB");
        assertEquals(2 * MAX_REQUEST, small.batchLimit(), "a batch.size over max.request.size is the user's");
    }

    @Test
    void aBatchRefusedAsTooLargeSendsTheNextOnesBackToTheBatchSize() {
        CompressionRatio r = new CompressionRatio(BATCH, 32L << 20, MAX_REQUEST);
        for (int i = 0; i < 60; i++) {
            r.observe(10, 100);
        }
        assertTrue(r.batchLimit() > 8 * BATCH);
        r.reset();
        assertEquals(1f, r.estimate());
        assertEquals(BATCH, r.batchLimit());
    }

    @Test
    void aBatchOfNothingTeachesNothing() {
        CompressionRatio r = new CompressionRatio(BATCH, 32L << 20, MAX_REQUEST);
        r.observe(5, 0);
        assertEquals(1f, r.estimate());
    }
}
