package dev.skein.core.internal.net;

import dev.skein.core.errors.ProtocolException;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameDecoderTest {

    @Test
    void splitsFramesAcrossReads() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 6, 1, 2}));
        assertNull(ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {3, 4, 5, 6, 0, 0, 0, 4, 9, 9, 9, 9}));
        ByteBuf first = ch.readInbound();
        ByteBuf second = ch.readInbound();
        assertEquals(6, first.readableBytes());
        assertEquals(4, second.readableBytes());
        first.release();
        second.release();
    }

    @Test
    void framesArriveWholeAndInOrderHoweverTheStreamIsCut() {
        // Three frames of 4, 300 and 5 bytes, the stream cut into reads of every length from 1 to its own.
        byte[] stream = stream(frame(4, 7), frame(300, 11), frame(5, 13));
        for (int cut = 1; cut <= stream.length; cut++) {
            EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
            for (int at = 0; at < stream.length; at += cut) {
                ch.writeInbound(Unpooled.copiedBuffer(stream, at, Math.min(cut, stream.length - at)));
            }
            assertFrame(ch.readInbound(), 4, 7, cut);
            assertFrame(ch.readInbound(), 300, 11, cut);
            assertFrame(ch.readInbound(), 5, 13, cut);
            assertNull(ch.readInbound());
            assertFalse(ch.finish());
        }
    }

    @Test
    void aFrameWithinOneReadIsASliceOfItAndTheReadIsReleasedWithTheFrame() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        ByteBuf read = Unpooled.copiedBuffer(stream(frame(10, 1), frame(20, 2)));
        ch.writeInbound(read);
        ByteBuf first = ch.readInbound();
        ByteBuf second = ch.readInbound();
        assertSame(read, first.unwrap(), "no copy");
        assertEquals(2, read.refCnt(), "one reference per frame; the decoder's own is released");
        first.release();
        second.release();
        assertEquals(0, read.refCnt());
    }

    @Test
    void aFrameSpreadOverReadsIsGatheredIntoOneBufferOfItsSizeAndEveryReadIsReleased() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1 << 20));
        byte[] stream = frame(100_000, 3);
        List<ByteBuf> reads = new ArrayList<>();
        for (int at = 0; at < stream.length; at += 4096) {
            ByteBuf read = Unpooled.copiedBuffer(stream, at, Math.min(4096, stream.length - at));
            reads.add(read);
            ch.writeInbound(read);
        }
        ByteBuf frame = ch.readInbound();
        assertEquals(100_000, frame.capacity(), "passed on whole, as a slice like a frame within one read");
        int made = frame.unwrap().capacity();
        assertTrue(made == 100_000 || made == KeptBuffers.roundUp(100_000), "allocated once, at its size (rounded up if kept)");
        assertFrame(frame, 100_000, 3, 4096);
        reads.forEach(r -> assertEquals(0, r.refCnt()));
    }

    @Test
    void aLargeFrameBufferIsReusedOnceEveryPartIsReleasedEvenAfterItsConnectionCloses() {
        KeptBuffers kept = KeptBuffers.atLeast(PooledByteBufAllocator.DEFAULT, FrameDecoder.KEPT_FROM, 1 << 20);
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(PooledByteBufAllocator.DEFAULT);
        ch.pipeline().addLast(new FrameDecoder(1 << 20, kept));
        byte[] stream = stream(frame(200_000, 3), frame(190_000, 4), frame(FrameDecoder.KEPT_FROM - 4, 5));
        int secondAt = 4 + 200_000;
        int thirdAt = secondAt + 4 + 190_000;
        ch.writeInbound(Unpooled.copiedBuffer(stream, 0, 100));
        ch.writeInbound(Unpooled.copiedBuffer(stream, 100, secondAt + 100 - 100)); // the first, and the second's start
        ByteBuf first = ch.readInbound();
        ByteBuf part = first.retainedSlice(1000, 10); // as a fetched partition holds its records
        ByteBuf buffer = first.unwrap();
        assertFrame(first, 200_000, 3, 100);
        assertEquals(1, buffer.refCnt(), "the part still holds it");

        // The second frame is being gathered while the part is held: it cannot have the first one's buffer.
        part.release();
        assertEquals(0, buffer.refCnt());
        ch.writeInbound(Unpooled.copiedBuffer(stream, secondAt + 100, thirdAt - secondAt - 100));
        ByteBuf second = ch.readInbound();
        assertFalse(second.unwrap() == buffer, "taken while the first was still held");
        assertFrame(second, 190_000, 4, 100);

        ch.writeInbound(Unpooled.copiedBuffer(stream, thirdAt, 1)); // a third frame, below the bound
        ch.writeInbound(Unpooled.copiedBuffer(stream, thirdAt + 1, stream.length - thirdAt - 1));
        ByteBuf third = ch.readInbound();
        assertFalse(third.unwrap() instanceof io.netty.buffer.UnpooledUnsafeDirectByteBuf, "a small frame: from the pool");
        assertFrame(third, FrameDecoder.KEPT_FROM - 4, 5, 1);

        byte[] again = frame(205_000, 6); // too large for the second frame's buffer
        ch.writeInbound(Unpooled.copiedBuffer(again, 0, 10));
        ch.writeInbound(Unpooled.copiedBuffer(again, 10, again.length - 10));
        ByteBuf fourth = ch.readInbound();
        assertSame(buffer, fourth.unwrap(), "a buffer kept for reuse, once no part held it");
        ByteBuf held = fourth.retainedSlice(0, 4);
        assertFrame(fourth, 205_000, 6, 10);
        ch.close();
        assertEquals(1, buffer.refCnt(), "still held after close");
        int keptBefore = kept.kept();
        held.release();
        assertEquals(0, buffer.refCnt());
        assertEquals(keptBefore + 1, kept.kept(), "kept for the next connection");
        kept.close();
        assertEquals(0, kept.madeBytes());
    }

    @Test
    void aChannelOnAnotherAllocatorGathersLargeFramesFromIt() {
        KeptBuffers kept = KeptBuffers.atLeast(PooledByteBufAllocator.DEFAULT, FrameDecoder.KEPT_FROM, 1 << 20);
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setAllocator(new PooledByteBufAllocator(true));
        ch.pipeline().addLast(new FrameDecoder(1 << 20, kept));
        byte[] stream = frame(100_000, 8);
        ch.writeInbound(Unpooled.copiedBuffer(stream, 0, 10));
        ch.writeInbound(Unpooled.copiedBuffer(stream, 10, stream.length - 10));
        ByteBuf frame = ch.readInbound();
        assertEquals(100_000, frame.unwrap().capacity());
        assertFrame(frame, 100_000, 8, 10);
        assertEquals(0, kept.madeBytes());
    }

    @Test
    void theRestOfAGatheredFrameIsReadStraightIntoItAndTheNextFrameStillArrives() {
        FrameDecoder decoder = new FrameDecoder(1 << 20);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        RecvByteBufAllocator.Handle reads = decoder.readingIntoFrames(new AdaptiveRecvByteBufAllocator()).newHandle();
        byte[] stream = stream(frame(100_000, 5), frame(10, 6));
        ByteBuf normal = reads.allocate(ch.alloc());
        assertTrue(normal.capacity() < 100_000, "no frame gathered: the channel's own buffer");
        normal.release();

        ch.writeInbound(Unpooled.copiedBuffer(stream, 0, 1000)); // the size and the first bytes
        int at = 1000;
        ByteBuf gathered = null;
        while (at < 4 + 100_000) {
            ByteBuf into = reads.allocate(ch.alloc());
            assertEquals(4 + 100_000 - at, into.writableBytes(), "a view of exactly the bytes missing");
            int n = Math.min(30_000, into.writableBytes());
            into.writeBytes(stream, at, n); // what the socket read puts there
            at += n;
            if (gathered == null) {
                gathered = into.unwrap();
            }
            assertSame(gathered, into.unwrap(), "every read lands in the one frame buffer");
            ch.writeInbound(into);
            assertEquals(1, gathered.refCnt(), "each view's reference is released once counted");
        }
        ByteBuf frame = ch.readInbound();
        assertSame(gathered, frame.unwrap(), "the frame is the buffer the reads went into: no copy");
        assertFrame(frame, 100_000, 5, 30_000);

        ByteBuf after = reads.allocate(ch.alloc());
        assertTrue(after.capacity() < 100_000, "frame done: the channel's own buffer again");
        after.writeBytes(stream, at, stream.length - at);
        ch.writeInbound(after);
        assertFrame(ch.readInbound(), 10, 6, 0);
        assertNull(ch.readInbound());
    }

    @Test
    void aViewTheChannelReadNothingIntoIsReleasedAndTheFrameStillCompletes() {
        FrameDecoder decoder = new FrameDecoder(1 << 20);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        RecvByteBufAllocator.Handle reads = decoder.readingIntoFrames(new AdaptiveRecvByteBufAllocator()).newHandle();
        byte[] stream = frame(5_000, 7);
        ch.writeInbound(Unpooled.copiedBuffer(stream, 0, 100));
        ByteBuf unused = reads.allocate(ch.alloc());
        ByteBuf frameBuffer = unused.unwrap();
        assertEquals(2, frameBuffer.refCnt(), "the decoder's reference and the view's");
        unused.release(); // a read that returned nothing: the channel releases its buffer
        assertEquals(1, frameBuffer.refCnt());
        ch.writeInbound(Unpooled.copiedBuffer(stream, 100, stream.length - 100)); // e.g. after the channel's own buffer
        assertFrame(ch.readInbound(), 5_000, 7, 100);
        assertEquals(0, frameBuffer.refCnt());
    }

    @Test
    void aFramePartlyGatheredIsReleasedWhenTheConnectionClosesOrTheDecoderIsRemoved() {
        for (boolean close : new boolean[] {true, false}) {
            List<ByteBuf> allocated = new ArrayList<>();
            EmbeddedChannel ch = new EmbeddedChannel();
            ch.config().setAllocator(new AbstractByteBufAllocator(false) {
                @Override
                protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                    return Unpooled.buffer(initialCapacity, maxCapacity);
                }

                @Override
                protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                    ByteBuf b = Unpooled.directBuffer(initialCapacity, maxCapacity);
                    allocated.add(b);
                    return b;
                }

                @Override
                public boolean isDirectBufferPooled() {
                    return false;
                }
            });
            FrameDecoder decoder = new FrameDecoder(1024);
            ch.pipeline().addLast(decoder);
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 100, 1, 2, 3}));
            assertEquals(1, allocated.size());
            assertEquals(1, allocated.get(0).refCnt());
            if (close) {
                ch.close();
            } else {
                ch.pipeline().remove(decoder);
            }
            assertEquals(0, allocated.get(0).refCnt(), close ? "closed" : "removed");
            assertNull(ch.readInbound());
        }
    }

    @Test
    void anOversizedFrameIsSkippedWithoutBufferingAndTheNextFrameStillArrives() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(16));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 40}));
        assertEquals(new FrameDecoder.Oversized(40), ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[30]));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[10]));
        assertNull(ch.readInbound());
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 4, 1, 2, 3, 4}));
        ByteBuf next = ch.readInbound();
        assertEquals(4, next.readableBytes());
        next.release();
    }

    @Test
    void anImpossibleSizeAfterAFrameFailsTheStreamAndLaterReadsAreDropped() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(1024));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 4, 1, 2, 3, 4}));
        ((ByteBuf) ch.readInbound()).release();
        ByteBuf bad = Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 2, 9, 9});
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(bad));
        assertTrue(e.getCause().getMessage().contains("impossible response size 2"), e.getCause().getMessage());
        assertEquals(0, bad.refCnt());
        ByteBuf later = Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 4, 1, 2, 3, 4});
        ch.writeInbound(later);
        assertNull(ch.readInbound());
        assertEquals(0, later.refCnt());
    }

    @Test
    void aTlsAnswerSplitInItsFirstBytesIsStillDiagnosed() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100 << 20));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x15}));
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x03, 0x03, 0x00, 0x02, 0x02, 0x28})));
        assertInstanceOf(FrameDecoder.TlsReply.class, e.getCause());
    }

    @Test
    void aTlsAnswerToAPlaintextClientIsDiagnosed() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100 << 20));
        // A TLS alert record: content type 21, version 3.3, length 2, fatal handshake_failure.
        DecoderException e = assertThrows(DecoderException.class,
                () -> ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28})));
        assertInstanceOf(ProtocolException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("TLS"), e.getCause().getMessage());
    }

    @Test
    void anHttpAnswerIsDiagnosed() {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(100 << 20));
        DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(
                Unpooled.wrappedBuffer("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII))));
        assertTrue(e.getCause().getMessage().contains("HTTP"), e.getCause().getMessage());
    }

    /** A frame: its size, then {@code size} bytes counting up from {@code seed}. */
    private static byte[] frame(int size, int seed) {
        byte[] f = new byte[4 + size];
        f[0] = (byte) (size >>> 24);
        f[1] = (byte) (size >>> 16);
        f[2] = (byte) (size >>> 8);
        f[3] = (byte) size;
        for (int i = 0; i < size; i++) {
            f[4 + i] = (byte) (seed + i);
        }
        return f;
    }

    private static byte[] stream(byte[]... frames) {
        ByteBuf all = Unpooled.buffer();
        for (byte[] f : frames) {
            all.writeBytes(f);
        }
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        return bytes;
    }

    private static void assertFrame(ByteBuf frame, int size, int seed, int cut) {
        try {
            assertEquals(size, frame.readableBytes(), "cut " + cut);
            for (int i = 0; i < size; i++) {
                assertEquals((byte) (seed + i), frame.getByte(frame.readerIndex() + i), "cut " + cut + ", byte " + i);
            }
        } finally {
            frame.release();
        }
    }
}
