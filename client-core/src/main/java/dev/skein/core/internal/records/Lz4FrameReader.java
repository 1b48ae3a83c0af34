package dev.skein.core.internal.records;

import dev.skein.core.errors.CorruptRecordException;
import io.netty.buffer.ByteBuf;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

import java.nio.ByteBuffer;

/**
 * Reads the LZ4 frame format (lz4 frame spec 1.6) straight from one buffer into another, block by
 * block, with no stream and no intermediate arrays: the mirror of {@link Lz4FrameWriter}. A stream
 * reader allocates two arrays of the block size per frame, that is per record batch, which with
 * 64 KiB blocks cost the consumer about 300 bytes of garbage per 100-byte record.
 *
 * <p>Frames whose blocks depend on earlier ones (a flag Kafka's writers leave off) are left to the
 * stream reader: {@link #decompress} returns false for them without consuming anything. Header and
 * block checksums and the content checksum are verified when the frame has them.
 */
final class Lz4FrameReader {
    private static final int MAGIC = 0x184D2204;
    private static final int FLG_VERSION_MASK = 0xC0;
    private static final int FLG_VERSION = 0x40;
    private static final int FLG_INDEPENDENT = 0x20;
    private static final int FLG_BLOCK_CHECKSUM = 0x10;
    private static final int FLG_CONTENT_SIZE = 0x08;
    private static final int FLG_CONTENT_CHECKSUM = 0x04;
    private static final int FLG_DICTIONARY = 0x01;
    private static final int UNCOMPRESSED = 0x80000000;
    private static final LZ4SafeDecompressor SAFE = LZ4Factory.fastestInstance().safeDecompressor();
    private static final XXHash32 XXHASH = XXHashFactory.fastestInstance().hash32();

    private Lz4FrameReader() {}

    /**
     * Decompresses the frame in the readable bytes of {@code in} (not consumed) onto the end of
     * {@code out}, at most {@code maxBytes} in all. False when the frame has dependent blocks (nothing
     * written: read it with the stream reader).
     *
     * @throws CorruptRecordException when the frame is malformed
     * @throws dev.skein.core.errors.RecordTooLargeException when it decompresses past {@code maxBytes}
     */
    static boolean decompress(ByteBuf in, ByteBuf out, int maxBytes, String where) {
        int pos = in.readerIndex();
        int end = in.writerIndex();
        if (end - pos < 7 || in.getIntLE(pos) != MAGIC) {
            throw corrupt(where, "not an LZ4 frame");
        }
        int flg = in.getUnsignedByte(pos + 4);
        int bd = in.getUnsignedByte(pos + 5);
        if ((flg & FLG_VERSION_MASK) != FLG_VERSION || (flg & FLG_DICTIONARY) != 0) {
            throw corrupt(where, "unsupported LZ4 frame flags 0x" + Integer.toHexString(flg));
        }
        if ((flg & FLG_INDEPENDENT) == 0) {
            return false;
        }
        int blockMax = blockMax(bd);
        if (blockMax < 0) {
            throw corrupt(where, "unsupported LZ4 block size code in 0x" + Integer.toHexString(bd));
        }
        int descriptor = (flg & FLG_CONTENT_SIZE) != 0 ? 10 : 2;
        if (end - pos < 4 + descriptor + 1) {
            throw corrupt(where, "truncated LZ4 frame header");
        }
        int checksum = (XXHASH.hash(in.nioBuffer(pos + 4, descriptor), 0) >> 8) & 0xFF;
        if (checksum != in.getUnsignedByte(pos + 4 + descriptor)) {
            throw corrupt(where, "LZ4 frame header checksum mismatch");
        }
        pos += 4 + descriptor + 1;
        int outStart = out.writerIndex();
        boolean blockChecksums = (flg & FLG_BLOCK_CHECKSUM) != 0;
        while (true) {
            if (end - pos < 4) {
                throw corrupt(where, "truncated LZ4 block");
            }
            int size = in.getIntLE(pos);
            pos += 4;
            if (size == 0) {
                break; // end mark
            }
            boolean stored = (size & UNCOMPRESSED) != 0;
            int len = size & ~UNCOMPRESSED;
            if (len > blockMax || len > end - pos - (blockChecksums ? 4 : 0)) {
                throw corrupt(where, "LZ4 block of " + len + " bytes does not fit");
            }
            if (blockChecksums && XXHASH.hash(in.nioBuffer(pos, len), 0) != in.getIntLE(pos + len)) {
                throw corrupt(where, "LZ4 block checksum mismatch");
            }
            int room = maxBytes - (out.writerIndex() - outStart);
            if (stored) {
                if (len > room) {
                    throw CompressionCodec.tooLarge(where, "lz4", maxBytes);
                }
                out.writeBytes(in, pos, len);
            } else {
                int limit = Math.min(blockMax, room);
                out.ensureWritable(limit);
                ByteBuffer src = in.nioBuffer(pos, len);
                ByteBuffer dst = out.nioBuffer(out.writerIndex(), limit);
                int n;
                try {
                    n = SAFE.decompress(src, src.position(), len, dst, dst.position(), limit);
                } catch (LZ4Exception e) {
                    // With less room than a block may fill, the failure may only be the room: the block
                    // decoded again with a block's room tells a batch over the bound from a damaged one.
                    if (limit < blockMax && decodes(src, len, blockMax)) {
                        throw CompressionCodec.tooLarge(where, "lz4", maxBytes);
                    }
                    throw corrupt(where, "malformed LZ4 block: " + e.getMessage());
                }
                out.writerIndex(out.writerIndex() + n);
            }
            pos += len + (blockChecksums ? 4 : 0);
        }
        if ((flg & FLG_CONTENT_CHECKSUM) != 0) {
            if (end - pos < 4) {
                throw corrupt(where, "truncated LZ4 content checksum");
            }
            int expected = in.getIntLE(pos);
            if (XXHASH.hash(out.nioBuffer(outStart, out.writerIndex() - outStart), 0) != expected) {
                throw corrupt(where, "LZ4 content checksum mismatch");
            }
        }
        return true;
    }

    /**
     * The most bytes the frame in the readable bytes of {@code in} can decompress to, from its block
     * headers alone (a compressed block at most the frame's block size, a stored one its length), so
     * that the output buffer is allocated once at its final size: a batch of a little over 64 KiB,
     * which Skein's producer writes as one full block and a short one, would otherwise outgrow a guess
     * from the compressed size and be copied. -1 when the headers do not add up (the caller guesses,
     * and {@link #decompress} reports what is wrong).
     */
    static int decompressedBound(ByteBuf in) {
        int pos = in.readerIndex();
        int end = in.writerIndex();
        if (end - pos < 7 || in.getIntLE(pos) != MAGIC) {
            return -1;
        }
        int flg = in.getUnsignedByte(pos + 4);
        int blockMax = blockMax(in.getUnsignedByte(pos + 5));
        if ((flg & FLG_INDEPENDENT) == 0 || blockMax < 0) {
            return -1;
        }
        int checksum = (flg & FLG_BLOCK_CHECKSUM) != 0 ? 4 : 0;
        pos += 4 + ((flg & FLG_CONTENT_SIZE) != 0 ? 10 : 2) + 1;
        long bound = 0;
        while (end - pos >= 4) {
            int size = in.getIntLE(pos);
            if (size == 0) {
                return bound > Integer.MAX_VALUE ? -1 : (int) bound;
            }
            int len = size & ~UNCOMPRESSED;
            bound += (size & UNCOMPRESSED) != 0 ? len : blockMax;
            pos += 4 + len + checksum;
            if (pos < 0) {
                return -1;
            }
        }
        return -1; // no end mark
    }

    /** The block size the frame's BD byte names (codes 4-7: 64 KiB, 256 KiB, 1 MiB, 4 MiB), or -1. */
    private static int blockMax(int bd) {
        int code = (bd >> 4) & 0x7;
        return code < 4 ? -1 : 1 << (8 + 2 * code);
    }

    /** True when the block decodes within {@code blockMax} bytes (into scratch memory: an error path only). */
    private static boolean decodes(ByteBuffer src, int len, int blockMax) {
        try {
            SAFE.decompress(src, src.position(), len, ByteBuffer.allocate(blockMax), 0, blockMax);
            return true;
        } catch (LZ4Exception e) {
            return false;
        }
    }

    private static CorruptRecordException corrupt(String where, String what) {
        return CompressionCodec.corrupt(where, "lz4", what);
    }
}
