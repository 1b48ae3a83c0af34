package dev.skein.core.internal.net;

import dev.skein.core.errors.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
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
}
