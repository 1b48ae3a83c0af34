package dev.skein.consumer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The default pool's size: one thread per record held, but no more than 256 per CPU and 1,024 in all. */
class ParallelProcessorDefaultsTest {
    @Test
    void theDefaultPoolIsBoundedByTheRecordsHeldTheCpusAndAThousand() {
        assertEquals(512, ParallelProcessor.Builder.defaultThreads(1_000, 2));
        assertEquals(256, ParallelProcessor.Builder.defaultThreads(1_000, 1));
        assertEquals(256, ParallelProcessor.Builder.defaultThreads(1_000, 0), "a JVM that reports no CPU counts as one");
        assertEquals(1_000, ParallelProcessor.Builder.defaultThreads(1_000, 8));
        assertEquals(1_024, ParallelProcessor.Builder.defaultThreads(5_000, 16));
        assertEquals(10, ParallelProcessor.Builder.defaultThreads(10, 4));
    }
}
