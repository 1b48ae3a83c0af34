package dev.skein.core.internal.records;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.skein.core.Compression;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.RecordTooLargeException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bound read from zstd's frame and block headers, on frames zstd-jni writes in each of the ways a
 * producer can (streamed without a content size, with a checksum, in one call with the size), and the
 * one-call decode into a buffer of that bound.
 */
class ZstdFramesTest {
    private static final int BLOCK = 128 * 1024;
    private static final int[] SIZES = {0, 1, 100, 70_000, BLOCK, BLOCK + 1, 700_000, 3_000_000};

    /** Compressible text with noise, all zeros (RLE), or random bytes (raw blocks). */
    private static byte[] data(int n, String kind) {
        byte[] out = new byte[n];
        Random r = new Random(n);
        switch (kind) {
            case "text" -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (byte) (i % 97 < 60 ? 'a' + (i % 7) : r.nextInt());
                }
            }
            case "random" -> r.nextBytes(out);
            default -> { } // zeros
        }
        return out;
    }

    /** As Kafka's writers make them: streamed, so the header carries no content size. */
    private static byte[] streamed(byte[] data, boolean checksum) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZstdOutputStreamNoFinalizer out = new ZstdOutputStreamNoFinalizer(bytes)) {
            out.setChecksum(checksum);
            out.write(data, 0, data.length / 2);
            out.write(data, data.length / 2, data.length - data.length / 2);
        }
        return bytes.toByteArray();
    }

    private static int bound(byte[] frame) {
        return ZstdFrames.decompressedBound(Unpooled.wrappedBuffer(frame));
    }

    @Test
    void streamedFramesAreBoundedByTheirBlocks() throws IOException {
        for (String kind : new String[] {"text", "zeros", "random"}) {
            for (int n : SIZES) {
                for (boolean checksum : new boolean[] {false, true}) {
                    byte[] frame = streamed(data(n, kind), checksum);
                    int bound = bound(frame);
                    String what = kind + " " + n + (checksum ? " with checksum" : "");
                    assertTrue(bound >= n, what + ": " + bound);
                    // at most the last block short of full: the window does not enter into it
                    assertTrue(bound <= n + BLOCK, what + ": " + bound);
                }
            }
        }
    }

    @Test
    void aFrameThatStatesItsSizeIsBoundedByIt() {
        for (String kind : new String[] {"text", "zeros", "random"}) {
            for (int n : SIZES) {
                assertEquals(n, bound(Zstd.compress(data(n, kind))), kind + " " + n);
            }
        }
    }

    @Test
    void concatenatedAndSkippableFramesAddUp() throws IOException {
        byte[] a = streamed(data(70_000, "text"), false);
        byte[] b = Zstd.compress(data(5_000, "random"));
        byte[] skippable = {0x5A, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 1, 2, 3};
        byte[] all = concat(a, skippable, b);
        assertEquals(bound(a) + bound(b), bound(all));
        ByteBuf in = direct(all);
        ByteBuf out = CompressionCodec.decompress(Compression.ZSTD, in, PooledByteBufAllocator.DEFAULT, 1 << 20, "t-0");
        try {
            assertArrayEquals(concat(data(70_000, "text"), data(5_000, "random")), bytes(out));
        } finally {
            out.release();
            in.release();
        }
    }

    @Test
    void malformedOrPartialFramesHaveNoBound() throws IOException {
        byte[] frame = streamed(data(300_000, "text"), true);
        for (int cut = 0; cut < frame.length; cut++) {
            assertEquals(-1, bound(Arrays.copyOf(frame, cut)), "cut at " + cut);
        }
        byte[] reserved = frame.clone();
        reserved[4] |= 0x08;
        assertEquals(-1, bound(reserved), "the reserved bit of the frame header");
        byte[] lz4 = frame.clone();
        lz4[0] = 0x04;
        assertEquals(-1, bound(lz4), "not a zstd frame");
        byte[] trailing = Arrays.copyOf(frame, frame.length + 3);
        assertEquals(-1, bound(trailing), "bytes after the frame that are not one");
    }

    /**
     * Every frame shape decodes through the codec from direct buffers (the one call where the bound is
     * reasonable, the stream otherwise) to what was written, and a frame bigger than the maximum is
     * refused whichever way it goes.
     */
    @Test
    void everyShapeDecodesToWhatWasWrittenAndTheMaximumHolds() throws IOException {
        for (String kind : new String[] {"text", "zeros", "random"}) {
            for (int n : SIZES) {
                byte[] data = data(n, kind);
                for (byte[] frame : new byte[][] {streamed(data, false), streamed(data, true), Zstd.compress(data)}) {
                    ByteBuf in = direct(frame);
                    try {
                        ByteBuf out = CompressionCodec.decompress(Compression.ZSTD, in, PooledByteBufAllocator.DEFAULT, 1 << 24, "t-0");
                        try {
                            assertArrayEquals(data, bytes(out), kind + " " + n);
                        } finally {
                            out.release();
                        }
                        if (n > 0) {
                            assertThrows(RecordTooLargeException.class, () -> CompressionCodec.decompress(
                                    Compression.ZSTD, in, PooledByteBufAllocator.DEFAULT, n - 1, "t-0").release(), kind + " " + n);
                        }
                    } finally {
                        in.release();
                    }
                }
            }
        }
    }

    /** A block that decodes past what its frame states, or a damaged block, is a corrupt record error. */
    @Test
    void damageInTheOneCallDecodeIsACorruptRecordError() throws IOException {
        byte[] data = data(70_000, "text");
        byte[] frame = streamed(data, true);
        int failed = 0;
        for (int at = 0; at < frame.length; at += 7) {
            byte[] damaged = frame.clone();
            damaged[at] ^= 0x5A;
            ByteBuf in = direct(damaged);
            try {
                ByteBuf out = CompressionCodec.decompress(Compression.ZSTD, in, PooledByteBufAllocator.DEFAULT, 1 << 24, "t-0");
                out.release(); // damage zstd cannot see (its checksum covers the content, not every header bit)
            } catch (CorruptRecordException expected) {
                failed++;
            } finally {
                in.release();
            }
        }
        assertTrue(failed > frame.length / 7 / 2, failed + " of " + (frame.length / 7 + 1) + " damaged frames failed");
    }

    private static ByteBuf direct(byte[] bytes) {
        return PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length).writeBytes(bytes);
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
