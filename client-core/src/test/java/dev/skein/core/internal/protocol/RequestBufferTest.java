package dev.skein.core.internal.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batches spliced into a request by reference encode the same bytes as copied ones, and are let go with it. */
class RequestBufferTest {

    private static ByteBuf batch(int size, int seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(size + 100);
        b.writeZero(7).writeBytes(bytes).readerIndex(7); // readable bytes not at the buffer's start
        return b;
    }

    /** A request's shape: fields, then per batch an index and the records, compact and classic. */
    private static void encode(ByteBuf buf, ByteBuf[] batches) {
        buf.writeInt(0).writeShort(0).writeShort(11).writeInt(42);
        Wire.writeUnsignedVarint(buf, batches.length + 1);
        for (int i = 0; i < batches.length; i++) {
            buf.writeInt(i);
            Wire.writeRecords(buf, batches[i], i % 2 == 0, false, "records");
            for (int f = 0; f < 40 * i; f++) {
                buf.writeByte(f); // fields of varying length after a batch, some longer than the room between parts
            }
        }
        buf.writeByte(0);
        buf.setInt(0, buf.writerIndex() - 4);
    }

    @Test
    void batchesAreReferencedNotCopiedAndTheBytesAreTheSame() {
        ByteBuf[] batches = {batch(64 * 1024 + 300, 1), batch(100, 2), batch(5000, 3), batch(1024, 4), batch(200_000, 5)};
        ByteBuf copied = Unpooled.buffer();
        encode(copied, batches);
        ByteBuf request = Wire.requestBuffer(PooledByteBufAllocator.DEFAULT, true);
        encode(request, batches);

        assertTrue(ByteBufUtil.equals(copied, request), "the same bytes, in the same order");
        assertEquals(copied.getInt(0), request.readableBytes() - 4);
        request.setInt(8, 1234); // the correlation id, set later on the event loop
        copied.setInt(8, 1234);
        assertEquals(1234, request.getInt(8));
        for (ByteBuf b : batches) {
            assertEquals(b.readableBytes() >= RequestBuffer.SPLICE_MIN ? 2 : 1, b.refCnt(),
                    "a batch of " + b.readableBytes() + " bytes is held by reference only when large enough");
        }
        ByteBuf nio = Unpooled.wrappedBuffer(request.nioBuffers()); // what a gathering write hands the socket
        assertTrue(ByteBufUtil.equals(copied, nio));

        assertTrue(request.release());
        for (ByteBuf b : batches) {
            assertEquals(1, b.refCnt(), "the request lets its batches go");
            assertTrue(b.release());
        }
        copied.release();
    }

    @Test
    void aRequestWithoutBatchesIsAPlainBuffer() {
        ByteBuf plain = Wire.requestBuffer(PooledByteBufAllocator.DEFAULT, false);
        assertTrue(!(plain instanceof RequestBuffer));
        plain.release();
        ByteBuf empty = Wire.requestBuffer(PooledByteBufAllocator.DEFAULT, true);
        empty.writeInt(5);
        assertEquals(4, empty.readableBytes());
        assertTrue(empty.release());
    }
}
