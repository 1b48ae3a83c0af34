package dev.skein.core.internal.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Buffers come back for reuse only once their last reference is released, and never more than the bound holds. */
class KeptBuffersTest {
    private static final int CAPACITY = 1024;

    @Test
    void aReleasedBufferIsReusedEmptyAndWritable() {
        KeptBuffers buffers = KeptBuffers.ofCapacity(PooledByteBufAllocator.DEFAULT, CAPACITY, 8 * CAPACITY);
        ByteBuf first = buffers.take(CAPACITY);
        first.writeLong(42);
        first.release();
        assertEquals(1, buffers.kept());

        ByteBuf again = buffers.take(CAPACITY);
        assertSame(first, again);
        assertEquals(1, again.refCnt());
        assertEquals(0, again.readableBytes());
        assertEquals(CAPACITY, again.capacity());
        again.writeLong(7);
        assertEquals(7, again.readLong());
        again.release();
        buffers.close();
        assertEquals(0, buffers.kept());
    }

    @Test
    void aBufferStillReferencedIsNotReused() {
        KeptBuffers buffers = KeptBuffers.ofCapacity(PooledByteBufAllocator.DEFAULT, CAPACITY, 8 * CAPACITY);
        ByteBuf batch = buffers.take(CAPACITY);
        batch.writeInt(1);
        ByteBuf beingWritten = batch.retainedSlice(); // as a request holds a batch until it is written
        batch.release();
        assertEquals(0, buffers.kept());
        assertNotSame(batch, buffers.take(CAPACITY));
        assertEquals(1, beingWritten.readInt());
        beingWritten.release();
        assertEquals(1, buffers.kept());
        buffers.close();
    }

    @Test
    void onlyTheOneCapacityIsKeptAndABufferThatGrewIsFreed() {
        KeptBuffers buffers = KeptBuffers.ofCapacity(PooledByteBufAllocator.DEFAULT, CAPACITY, 8 * CAPACITY);
        ByteBuf big = buffers.take(4 * CAPACITY); // a record larger than a batch: from the pool
        big.release();
        assertEquals(0, buffers.kept());

        ByteBuf grew = buffers.take(CAPACITY);
        grew.writeZero(2 * CAPACITY);
        grew.release();
        assertEquals(0, buffers.kept());
        buffers.close();
    }

    @Test
    void makesNoMoreThanTheBoundAndKeepsNothingAfterClose() {
        KeptBuffers buffers = KeptBuffers.ofCapacity(PooledByteBufAllocator.DEFAULT, CAPACITY, 2 * CAPACITY);
        ByteBuf a = buffers.take(CAPACITY);
        ByteBuf b = buffers.take(CAPACITY);
        ByteBuf c = buffers.take(CAPACITY); // past the bound: from the pool
        assertEquals(2 * CAPACITY, buffers.madeBytes());
        a.release();
        b.release();
        c.release();
        assertEquals(2, buffers.kept());
        assertEquals(2 * CAPACITY, buffers.keptBytes());
        assertFalse(c.refCnt() > 0);
        ByteBuf d = buffers.take(CAPACITY);
        assertTrue(d == a || d == b, "a kept one");

        buffers.close();
        assertEquals(CAPACITY, buffers.madeBytes(), "the one in use");
        d.release();
        assertEquals(0, buffers.madeBytes(), "freed when released after close");
        assertThrows(io.netty.util.IllegalReferenceCountException.class, d::readByte);
        ByteBuf late = buffers.take(CAPACITY);
        late.release();
        assertEquals(0, buffers.kept());
        assertThrows(io.netty.util.IllegalReferenceCountException.class, late::readByte);
    }

    @Test
    void framesOfNearbySizesShareBuffersAndSmallOnesComeFromThePool() {
        int min = 64 * 1024;
        KeptBuffers buffers = KeptBuffers.atLeast(PooledByteBufAllocator.DEFAULT, min, 64L * 1024 * 1024);
        ByteBuf small = buffers.take(min - 1);
        small.release();
        assertEquals(0, buffers.kept());

        ByteBuf first = buffers.take(1_100_000);
        assertEquals(KeptBuffers.roundUp(1_100_000), first.capacity());
        assertTrue(first.capacity() >= 1_100_000 && first.capacity() <= 1_100_000 * 9 / 8 + 4096);
        first.release();
        ByteBuf near = buffers.take(1_050_000); // fits the kept one, which is not half as large again
        assertSame(first, near);
        assertEquals(0, near.writerIndex());
        near.release();

        ByteBuf far = buffers.take(300_000); // the kept one is over half as large again: a new one
        assertNotSame(first, far);
        far.release();
        assertEquals(2, buffers.kept());

        ByteBuf bigger = buffers.take(2_000_000); // none kept holds it
        assertNotSame(first, bigger);
        bigger.release();
        assertEquals(3, buffers.kept());
        assertSame(far, buffers.take(290_000)); // the smallest that holds it
        buffers.close();
        assertEquals(0, buffers.keptBytes());
    }

    @Test
    void sizesRoundUpToAnEighthOfTheirPowerOfTwo() {
        assertEquals(64 * 1024, KeptBuffers.roundUp(64 * 1024));
        assertEquals(72 * 1024, KeptBuffers.roundUp(64 * 1024 + 1));
        assertEquals(1024 * 1024, KeptBuffers.roundUp(1000 * 1024));
        assertEquals(4096, KeptBuffers.roundUp(100));
    }
}
