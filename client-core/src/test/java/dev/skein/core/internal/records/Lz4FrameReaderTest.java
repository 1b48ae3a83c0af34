package dev.skein.core.internal.records;

import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.RecordTooLargeException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import net.jpountz.lz4.LZ4FrameOutputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Frames written by lz4-java's stream writer, every optional part of the format included, read buffer to buffer. */
class Lz4FrameReaderTest {

    private static byte[] data(int n) {
        byte[] out = new byte[n];
        Random r = new Random(7);
        for (int i = 0; i < n; i++) {
            out[i] = (byte) (i % 97 < 60 ? 'a' + (i % 7) : r.nextInt()); // compressible, with noise
        }
        return out;
    }

    private static byte[] frame(byte[] data, LZ4FrameOutputStream.BLOCKSIZE size, LZ4FrameOutputStream.FLG.Bits... bits)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (LZ4FrameOutputStream out = new LZ4FrameOutputStream(bytes, size, data.length, bits)) {
            out.write(data);
        }
        return bytes.toByteArray();
    }

    @Test
    void framesWithChecksumsContentSizeAndLargerBlocksDecode() throws IOException {
        byte[] data = data(700_000);
        for (LZ4FrameOutputStream.BLOCKSIZE size : LZ4FrameOutputStream.BLOCKSIZE.values()) {
            byte[] frame = frame(data, size, LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
                    LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM,
                    LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE);
            ByteBuf out = Unpooled.buffer();
            assertTrue(Lz4FrameReader.decompress(Unpooled.wrappedBuffer(frame), out, 1 << 24, "t-0"), size.name());
            byte[] got = new byte[out.readableBytes()];
            out.readBytes(got);
            assertArrayEquals(data, got, size.name());
        }
    }

    @Test
    void aDamagedBlockFailsItsChecksumAndALimitIsKept() throws IOException {
        byte[] data = data(200_000);
        byte[] frame = frame(data, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM);
        frame[frame.length / 2] ^= 0x10;
        CorruptRecordException e = assertThrows(CorruptRecordException.class,
                () -> Lz4FrameReader.decompress(Unpooled.wrappedBuffer(frame), Unpooled.buffer(), 1 << 24, "t-0"));
        assertTrue(e.getMessage().contains("t-0") && e.getMessage().contains("checksum"), e.getMessage());

        byte[] plain = frame(data, LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE);
        RecordTooLargeException tooLarge = assertThrows(RecordTooLargeException.class,
                () -> Lz4FrameReader.decompress(Unpooled.wrappedBuffer(plain), Unpooled.buffer(), 100_000, "t-0"));
        assertTrue(tooLarge.getMessage().contains("more than 100000"), tooLarge.getMessage());
    }

    /**
     * With less room left than a block may fill, a block that fails to decode may have failed only for the
     * room: it is told apart, so a damaged block is corrupt whatever the bound, and a sound one over the
     * bound is too large. Damage is put in the first block only (with no checksums, so the decoder meets it).
     */
    @Test
    void aDamagedBlockIsCorruptEvenWithLessRoomThanABlock() throws IOException {
        byte[] plain = frame(data(200_000), LZ4FrameOutputStream.BLOCKSIZE.SIZE_64KB, LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE);
        int firstBlock = 4 + 2 + 1 + 4; // magic, FLG and BD, header checksum, the block's size
        int firstBlockEnd = firstBlock + (Unpooled.wrappedBuffer(plain).getIntLE(firstBlock - 4) & 0x7FFFFFFF);
        int corruptEither = 0;
        for (int at = firstBlock; at < firstBlockEnd; at++) {
            byte[] damaged = plain.clone();
            damaged[at] ^= (byte) 0xA5;
            boolean corrupt;
            try {
                Lz4FrameReader.decompress(Unpooled.wrappedBuffer(damaged), Unpooled.buffer(), 1 << 24, "t-0");
                corrupt = false;
            } catch (CorruptRecordException e) {
                corrupt = true;
            }
            if (corrupt) {
                corruptEither++;
                CorruptRecordException e = assertThrows(CorruptRecordException.class,
                        () -> Lz4FrameReader.decompress(Unpooled.wrappedBuffer(damaged), Unpooled.buffer(), 1000, "t-0"),
                        "damage at " + at + " with 1000 bytes of room");
                assertTrue(e.getMessage().contains("malformed LZ4 block"), e.getMessage());
            }
        }
        assertTrue(corruptEither > 10, corruptEither + " damaged frames did not decode");
        assertThrows(RecordTooLargeException.class,
                () -> Lz4FrameReader.decompress(Unpooled.wrappedBuffer(plain), Unpooled.buffer(), 1000, "t-0"), "sound, over the bound");
    }

    @Test
    void theOutputIsSizedFromTheBlockHeadersSoABatchJustOver64KiBIsNeverCopied() throws IOException {
        byte[] data = data(64 * 1024 + 500); // what Skein's producer writes: one full block and a short one
        ByteBuf frame = Unpooled.buffer();
        Lz4FrameWriter.compress(Unpooled.wrappedBuffer(data), frame);
        assertEquals(128 * 1024, Lz4FrameReader.decompressedBound(frame));

        ByteBuf out = CompressionCodec.decompress(dev.skein.core.Compression.LZ4, frame, io.netty.buffer.UnpooledByteBufAllocator.DEFAULT,
                1 << 24, "t-0");
        assertEquals(128 * 1024, out.capacity(), "allocated once at the bound, never grown");
        byte[] got = new byte[out.readableBytes()];
        out.readBytes(got);
        assertArrayEquals(data, got);

        byte[] stored = frame(new byte[0], LZ4FrameOutputStream.BLOCKSIZE.SIZE_256KB, LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM);
        assertEquals(0, Lz4FrameReader.decompressedBound(Unpooled.wrappedBuffer(stored)), "an empty frame");
        byte[] big = frame(data(700_000), LZ4FrameOutputStream.BLOCKSIZE.SIZE_256KB, LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE,
                LZ4FrameOutputStream.FLG.Bits.BLOCK_CHECKSUM, LZ4FrameOutputStream.FLG.Bits.CONTENT_SIZE);
        assertEquals(3 * 256 * 1024, Lz4FrameReader.decompressedBound(Unpooled.wrappedBuffer(big)), "three 256 KiB blocks");
        ByteBuf linked = frame.copy(0, frame.writerIndex());
        linked.setByte(4, linked.getByte(4) & ~0x20); // the independence flag cleared: blocks depend on earlier ones
        assertEquals(-1, Lz4FrameReader.decompressedBound(linked), "dependent blocks");
        assertEquals(-1, Lz4FrameReader.decompressedBound(Unpooled.wrappedBuffer(big, 0, big.length - 4)), "no end mark");

        ByteBuf tiny = Unpooled.buffer(); // 1,000 blocks of one byte stored: each at most its length
        tiny.writeBytes(frame, 0, 7);
        for (int i = 0; i < 1000; i++) {
            tiny.writeIntLE(1 | 0x80000000).writeByte('x');
        }
        tiny.writeIntLE(0);
        assertEquals(1000, Lz4FrameReader.decompressedBound(tiny));
        ByteBuf few = Unpooled.buffer(); // 1,000 compressed blocks of one literal byte: each promises 64 KiB
        few.writeBytes(frame, 0, 7);
        for (int i = 0; i < 1000; i++) {
            few.writeIntLE(2).writeByte(0x10).writeByte('x');
        }
        few.writeIntLE(0);
        assertEquals(1000 * 64 * 1024, Lz4FrameReader.decompressedBound(few));
        ByteBuf got1000 = CompressionCodec.decompress(dev.skein.core.Compression.LZ4, few,
                io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, 1 << 30, "t-0");
        assertEquals(1000, got1000.readableBytes());
        assertTrue(got1000.capacity() <= 8 * few.readableBytes() + 64 * 1024, "not 64 MiB allocated for 1,000 bytes: "
                + got1000.capacity());
    }
}
