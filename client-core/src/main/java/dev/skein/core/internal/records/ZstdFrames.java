package dev.skein.core.internal.records;

import io.netty.buffer.ByteBuf;

/**
 * Reads zstd frame and block headers (RFC 8878, sections 3.1.1 and 3.1.1.2) to bound what a record batch's
 * compressed data decompresses to, without decompressing it: what lets {@link CompressionCodec} give the
 * decoder an output buffer it cannot outgrow and decode the whole frame in one call.
 *
 * <p>Kafka's writers (the reference's and Skein's) stream their frames, so the header carries no content
 * size; each compressed block then regenerates at most the frame's block maximum, the smaller of its
 * window and 128 KiB, while raw and RLE blocks name their size exactly.
 */
final class ZstdFrames {
    private static final int MAGIC = 0xFD2FB528;
    /** Skippable frames take the magic numbers 0x184D2A50 to 0x184D2A5F. */
    private static final int SKIPPABLE_MASK = 0xFFFFFFF0;
    private static final int SKIPPABLE = 0x184D2A50;
    private static final int BLOCK_SIZE_MAX = 128 * 1024;
    private static final int RAW = 0;
    private static final int RLE = 1;
    private static final int COMPRESSED = 2;

    private ZstdFrames() {}

    /**
     * The most that the readable bytes of {@code in} (not consumed), one or more zstd frames, can
     * decompress to; -1 when they are not whole, well-formed frames or the bound exceeds an int. A
     * frame whose header states its content size is bounded by that size (the decoder checks it).
     */
    static int decompressedBound(ByteBuf in) {
        return (int) walk(in, null);
    }

    /**
     * The largest window (the decoder's history buffer) that the frames in the readable bytes of {@code in}
     * (not consumed) declare, a single-segment frame's being its content size; -1 when they are not whole,
     * well-formed frames. A decoding context streaming such a frame allocates about this much and keeps it.
     */
    static long largestWindow(ByteBuf in) {
        long[] window = {0};
        return walk(in, window) < 0 ? -1 : window[0];
    }

    /** {@link #decompressedBound}, and the largest window into {@code window[0]} when given. */
    private static long walk(ByteBuf in, long[] window) {
        int pos = in.readerIndex();
        int end = in.writerIndex();
        long bound = 0;
        do {
            if (end - pos < 8) {
                return -1;
            }
            int magic = in.getIntLE(pos);
            if ((magic & SKIPPABLE_MASK) == SKIPPABLE) {
                pos += 8 + in.getIntLE(pos + 4);
                if (pos < 0 || pos > end) {
                    return -1;
                }
                continue;
            }
            if (magic != MAGIC) {
                return -1;
            }
            long frame = frameBound(in, pos + 4, end, window);
            if (frame < 0) {
                return -1;
            }
            bound += frame >>> 32;
            pos = (int) frame;
            if (bound > Integer.MAX_VALUE) {
                return -1;
            }
        } while (pos < end);
        return bound;
    }

    /**
     * The frame whose header starts at {@code pos}: its bound in the high 32 bits and the position after
     * it in the low 32, or -1 when it is malformed or runs past {@code end}. Raises {@code window[0]} to
     * the frame's window when given.
     */
    private static long frameBound(ByteBuf in, int pos, int end, long[] window) {
        int descriptor = in.getUnsignedByte(pos++);
        if ((descriptor & 0x08) != 0) {
            return -1; // the reserved bit
        }
        boolean singleSegment = (descriptor & 0x20) != 0;
        boolean checksum = (descriptor & 0x04) != 0;
        int dictionaryIdBytes = switch (descriptor & 0x03) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 2;
            default -> 4;
        };
        int contentSizeBytes = switch (descriptor >>> 6) {
            case 0 -> singleSegment ? 1 : 0;
            case 1 -> 2;
            case 2 -> 4;
            default -> 8;
        };
        long windowSize = -1;
        if (!singleSegment) {
            int w = in.getUnsignedByte(pos++);
            long base = 1L << (10 + (w >>> 3));
            windowSize = base + (base >>> 3) * (w & 0x07);
        }
        pos += dictionaryIdBytes;
        if (end - pos < contentSizeBytes + 3) {
            return -1;
        }
        long contentSize = switch (contentSizeBytes) {
            case 0 -> -1;
            case 1 -> in.getUnsignedByte(pos);
            case 2 -> in.getUnsignedShortLE(pos) + 256L;
            case 4 -> in.getUnsignedIntLE(pos);
            default -> in.getLongLE(pos);
        };
        pos += contentSizeBytes;
        if (singleSegment) {
            windowSize = contentSize;
        }
        if (window != null) {
            window[0] = Math.max(window[0], windowSize);
        }
        long blockMax = Math.min(windowSize, BLOCK_SIZE_MAX);
        long blocks = 0;
        boolean last;
        do {
            if (end - pos < 3) {
                return -1;
            }
            int header = in.getUnsignedMediumLE(pos);
            pos += 3;
            last = (header & 1) != 0;
            int size = header >>> 3;
            switch ((header >>> 1) & 0x03) {
                case RAW -> {
                    blocks += size;
                    pos += size;
                }
                case RLE -> {
                    blocks += size;
                    pos += 1;
                }
                case COMPRESSED -> {
                    if (size > blockMax) {
                        return -1;
                    }
                    blocks += blockMax;
                    pos += size;
                }
                default -> {
                    return -1; // reserved block type
                }
            }
            if (pos < 0 || pos > end) {
                return -1;
            }
        } while (!last);
        if (checksum) {
            pos += 4;
            if (pos > end) {
                return -1;
            }
        }
        long bound = contentSize >= 0 ? contentSize : blocks;
        return bound > Integer.MAX_VALUE ? -1 : bound << 32 | pos;
    }
}
