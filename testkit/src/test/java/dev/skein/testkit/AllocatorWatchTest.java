package dev.skein.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocatorWatchTest {

    @Test
    void seesAHugeAllocationThatLivesAWhile() {
        PooledByteBufAllocator alloc = new PooledByteBufAllocator(false);
        try (AllocatorWatch watch = AllocatorWatch.start(alloc)) {
            assertTrue(watch.peakBytes() < 1 << 20, "nothing allocated yet: " + watch.peakBytes());
            ByteBuf huge = alloc.heapBuffer(128 << 20);
            try {
                assertTrue(watch.peakBytes() >= 128 << 20, "the 128 MiB buffer is seen: " + watch.peakBytes());
            } finally {
                huge.release();
            }
            assertTrue(watch.peakBytes() >= 128 << 20, "the peak stays after the release: " + watch.peakBytes());
        }
    }
}
