package dev.skein.core.internal.records;

import dev.skein.core.errors.CorruptRecordException;
import io.netty.buffer.ByteBuf;

/**
 * Reads the chunk headers of xerial's snappy stream framing (what Kafka's snappy batches hold) to learn
 * what the data claims to decompress to, without decompressing it. snappy-java's stream reader
 * allocates each chunk's claimed compressed size, then its claimed uncompressed size, before it decodes
 * a byte (up to 512 MiB, then up to 2 GiB, from a few bytes of input): {@link CompressionCodec} checks
 * the claims here first, so a batch over its bound is refused before anything is allocated for it.
 *
 * <p>The framing, as snappy-java 1.1.x reads it: a 16-byte header (the 8-byte magic {@code 0x82 SNAPPY 0},
 * a version and a compatible version), then chunks, each a big-endian int32 length and that many bytes of
 * raw snappy, whose first bytes are a varint of the chunk's uncompressed length. A header may appear again
 * where a chunk would (streams concatenated). Input that does not start with the magic is one raw snappy
 * block.
 */
final class SnappyFrames {
    private static final byte[] MAGIC = {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
    private static final int HEADER_SIZE = 16;
    /** The magic's first four bytes as the int a chunk length would be read as: a concatenated header. */
    private static final int MAGIC_HEAD = 0x82534E41;
    /**
     * The most one compressed byte can stand for: a snappy copy of 64 bytes takes 3 (a tag and a 2-byte
     * offset), and nothing expands further. A claim beyond this many times the chunk's size cannot be met.
     */
    private static final int MAX_EXPANSION = 22;

    private SnappyFrames() {}

    /**
     * The uncompressed size the readable bytes of {@code in} (not consumed) claim, when they frame; -1
     * when they do not frame in a way judged here (the stream reader then reports what is wrong).
     *
     * @throws CorruptRecordException   when a chunk runs past the end of the data, has a negative length,
     *                                  or claims more than its bytes can decode to
     * @throws dev.skein.core.errors.RecordTooLargeException when the claims add up to more than {@code maxBytes}
     */
    static long claimedSize(ByteBuf in, int maxBytes, String where) {
        int pos = in.readerIndex();
        int end = in.writerIndex();
        if (!magicAt(in, pos, end)) {
            return check(claim(in, pos, end), end - pos, 0, maxBytes, where); // one raw block
        }
        pos += HEADER_SIZE;
        long total = 0;
        while (end - pos >= 4) {
            int length = in.getInt(pos);
            if (length == MAGIC_HEAD) {
                if (!magicAt(in, pos, end)) {
                    return -1;
                }
                pos += HEADER_SIZE;
                continue;
            }
            if (length < 0 || length > end - pos - 4) {
                throw CompressionCodec.corrupt(where, "snappy", "a chunk of " + length + " bytes where "
                        + (end - pos - 4) + " are left");
            }
            total = check(claim(in, pos + 4, pos + 4 + length), length, total, maxBytes, where);
            if (total < 0) {
                return -1;
            }
            pos += 4 + length;
        }
        return total;
    }

    /** {@code total} plus a chunk's claim, after checking the claim against its chunk and the sum against the bound. */
    private static long check(long claim, int chunkBytes, long total, int maxBytes, String where) {
        if (claim < 0) {
            return -1;
        }
        if (claim > (long) MAX_EXPANSION * chunkBytes) {
            throw CompressionCodec.corrupt(where, "snappy", "a chunk of " + chunkBytes + " bytes claims to hold "
                    + claim + " bytes");
        }
        if (total + claim > maxBytes) {
            throw CompressionCodec.tooLarge(where, "snappy", maxBytes);
        }
        return total + claim;
    }

    /** The varint (at most five bytes, below {@code end}) that opens a raw snappy block; -1 when there is none. */
    private static long claim(ByteBuf in, int pos, int end) {
        long value = 0;
        for (int i = 0; i < 5 && pos + i < end; i++) {
            int b = in.getUnsignedByte(pos + i);
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        return -1;
    }

    private static boolean magicAt(ByteBuf in, int pos, int end) {
        if (end - pos < HEADER_SIZE) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (in.getByte(pos + i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }
}
