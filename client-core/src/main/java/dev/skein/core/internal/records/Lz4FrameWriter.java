package dev.skein.core.internal.records;

import io.netty.buffer.ByteBuf;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.xxhash.XXHashFactory;

import java.nio.ByteBuffer;

/**
 * Writes the LZ4 frame format (lz4 frame spec 1.6) straight from one buffer into another, block by
 * block, with no stream and no intermediate arrays: the framing Kafka's own writer produces, 64 KiB
 * independent blocks, no block or content checksum, no content size.
 */
final class Lz4FrameWriter {
    private static final int MAGIC = 0x184D2204;
    /** Version 01, independent blocks, no checksums, no content size, no dictionary. */
    private static final byte FLG = 0x60;
    /** Blocks of at most 64 KiB. */
    private static final byte BD = 0x40;
    private static final int BLOCK = 64 * 1024;
    /** The size field's high bit: the block is stored as is. */
    private static final int UNCOMPRESSED = 0x80000000;
    private static final byte HEADER_CHECKSUM = (byte) (XXHashFactory.fastestInstance().hash32()
            .hash(new byte[] {FLG, BD}, 0, 2, 0) >> 8);
    private static final LZ4Compressor FAST = LZ4Factory.fastestInstance().fastCompressor();
    /** lz4's default level, the one Apache Kafka's writer compresses with the fast compressor. */
    private static final int DEFAULT_LEVEL = 9;

    private Lz4FrameWriter() {}

    /** Compresses the readable bytes of {@code in} (not consumed) onto the end of {@code out}, at the default level. */
    static void compress(ByteBuf in, ByteBuf out) {
        compress(in, out, null);
    }

    /**
     * As {@link #compress(ByteBuf, ByteBuf)} at {@code level} (1-17, null for the default 9): as Apache
     * Kafka's writer, the fast compressor at the default level and the high-compression one at any other
     * (lz4-java makes one of each level once, so choosing costs nothing).
     *
     * @throws IllegalArgumentException when the level is outside 1-17
     */
    static void compress(ByteBuf in, ByteBuf out, Integer level) {
        if (level != null && (level < 1 || level > 17)) {
            throw new IllegalArgumentException("lz4 level " + level + " is outside 1..17");
        }
        LZ4Compressor compressor = level == null || level == DEFAULT_LEVEL ? FAST
                : LZ4Factory.fastestInstance().highCompressor(level);
        out.writeIntLE(MAGIC);
        out.writeByte(FLG);
        out.writeByte(BD);
        out.writeByte(HEADER_CHECKSUM);
        int end = in.writerIndex();
        for (int pos = in.readerIndex(); pos < end; pos += BLOCK) {
            int len = Math.min(BLOCK, end - pos);
            int max = compressor.maxCompressedLength(len);
            out.ensureWritable(4 + max);
            int sizeAt = out.writerIndex();
            ByteBuffer src = in.nioBuffer(pos, len);
            ByteBuffer dst = out.nioBuffer(sizeAt + 4, max);
            int compressed = compressor.compress(src, src.position(), len, dst, dst.position(), max);
            if (compressed < len) {
                out.setIntLE(sizeAt, compressed);
                out.writerIndex(sizeAt + 4 + compressed);
            } else { // incompressible: stored, as the format allows
                out.setIntLE(sizeAt, len | UNCOMPRESSED);
                out.setBytes(sizeAt + 4, in, pos, len);
                out.writerIndex(sizeAt + 4 + len);
            }
        }
        out.writeIntLE(0); // end mark
    }
}
