package dev.skein.producer.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Batch buffers come back for reuse only once their last reference is released, and never more than buffer.memory holds. */
class BatchBuffersTest {
    private static final int CAPACITY = 1024;

    @Test
    void aReleasedBufferIsReusedEmptyAndWritable() {
        BatchBuffers buffers = new BatchBuffers(PooledByteBufAllocator.DEFAULT, CAPACITY, 8 * CAPACITY);
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
        BatchBuffers buffers = new BatchBuffers(PooledByteBufAllocator.DEFAULT, CAPACITY, 8 * CAPACITY);
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
    void onlyTheStandardCapacityIsKeptAndABufferThatGrewIsFreed() {
        BatchBuffers buffers = new BatchBuffers(PooledByteBufAllocator.DEFAULT, CAPACITY, 8 * CAPACITY);
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
    void keepsNoMoreThanBufferMemoryHoldsAndNothingAfterClose() {
        BatchBuffers buffers = new BatchBuffers(PooledByteBufAllocator.DEFAULT, CAPACITY, 2 * CAPACITY);
        ByteBuf a = buffers.take(CAPACITY);
        ByteBuf b = buffers.take(CAPACITY);
        ByteBuf c = buffers.take(CAPACITY);
        a.release();
        b.release();
        c.release();
        assertEquals(2, buffers.kept());
        assertFalse(c.refCnt() > 0);

        buffers.close();
        ByteBuf late = buffers.take(CAPACITY);
        late.release();
        assertEquals(0, buffers.kept());
        assertThrows(io.netty.util.IllegalReferenceCountException.class, late::readByte);
    }
}
