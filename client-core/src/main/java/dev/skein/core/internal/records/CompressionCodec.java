package dev.skein.core.internal.records;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.skein.core.Compression;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.RecordTooLargeException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import net.jpountz.lz4.LZ4FrameInputStream;
import org.xerial.snappy.SnappyError;
import org.xerial.snappy.SnappyInputStream;
import org.xerial.snappy.SnappyOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Streams record data through Kafka's codecs, into and out of pooled buffers. The framings are the
 * ones Kafka uses: gzip streams, xerial's snappy stream framing, the LZ4 frame format (64 KiB
 * independent blocks, no checksums, as Kafka's own writer produces), and zstd frames.
 */
public final class CompressionCodec {
    private static final int CHUNK = 16 * 1024;
    private static final int ZSTD_CHUNK = 128 * 1024;
    private static final int ZSTD_POOL_MAX = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    private static final ConcurrentLinkedQueue<ZstdDecompressCtx> ZSTD_CONTEXTS =
            new ConcurrentLinkedQueue<>();
    /**
     * The largest window a pooled context may have streamed: 8 MiB, the window zstd streams with up to level 19 (Kafka's
     * default level 3: 2 MiB); levels 20-22 reach 32-128 MiB, and a frame may declare up to 128 MiB.
     */
    static final long ZSTD_POOL_WINDOW_MAX = 8L << 20;
    /** How many contexts the pool holds (bounded by ZSTD_POOL_MAX). */
    private static final AtomicInteger ZSTD_POOLED = new AtomicInteger();

    private CompressionCodec() {}

    /** Compresses the readable bytes of {@code in} (not consumed) onto the end of {@code out}. */
    public static void compress(Compression codec, ByteBuf in, ByteBuf out) {
        compress(codec, null, in, out);
    }

    /**
     * As {@link #compress(Compression, ByteBuf, ByteBuf)} at a codec level ({@link Compression#acceptsLevel}):
     * gzip 1-9 or -1, lz4 1-17 (any but its default 9 selects LZ4 HC, as Apache Kafka's writer), zstd
     * -131072..22; null for the codec's default. A level the codec refuses throws IllegalArgumentException.
     */
    public static void compress(Compression codec, Integer level, ByteBuf in, ByteBuf out) {
        if (codec == Compression.LZ4) {
            Lz4FrameWriter.compress(in, out, level); // buffer to buffer, no stream
            return;
        }
        try (OutputStream os = wrap(codec, level, new ByteBufOutputStream(out))) {
            in.getBytes(in.readerIndex(), os, in.readableBytes());
        } catch (IOException e) {
            throw new IllegalStateException(codec + " compression failed", e);
        }
    }

    /**
     * Decompresses the readable bytes of {@code in} into a new pooled buffer that the caller owns.
     *
     * @param where what the data is, for errors ("record batch in orders-4 at offset 100")
     * @throws CorruptRecordException  when the data does not decode
     * @throws RecordTooLargeException when the data decodes (or, snappy, claims to) to more than {@code maxBytes}:
     *                                 not corrupt, only more than the caller lets one batch take
     */
    public static ByteBuf decompress(Compression codec, ByteBuf in, ByteBufAllocator alloc, int maxBytes,
                                     String where) {
        // lz4: the bound its block headers give, within reason (a frame of many tiny blocks promises a
        // full block each). zstd: the bound its block headers give when within the same reason, which
        // lets the whole frame decode in one call (not a tiny batch's frame, which promises a 128 KiB
        // block: decompressing ahead holds up to 1 MiB of decompressed bytes, which would be a thousand
        // such buffers). Otherwise a guess, and the buffer grows if the data outgrows it.
        long reasonable = 8L * in.readableBytes() + 64 * 1024;
        int bound = switch (codec) {
            case LZ4 -> Lz4FrameReader.decompressedBound(in);
            case ZSTD -> {
                int b = ZstdFrames.decompressedBound(in);
                yield b <= reasonable ? b : -1;
            }
            // Checked before the stream reader allocates what a chunk claims. The claims are exact (the
            // decoder holds each chunk to its own), so the buffer is allocated once at their sum.
            case SNAPPY -> (int) SnappyFrames.claimedSize(in, maxBytes, where);
            default -> -1;
        };
        long initial = bound < 0 ? Math.max(256, in.readableBytes() * 4L)
                : codec == Compression.SNAPPY ? bound : Math.min(bound, reasonable);
        ByteBuf out = alloc.buffer((int) Math.min(maxBytes, initial));
        try {
            if (codec == Compression.LZ4 && Lz4FrameReader.decompress(in, out, maxBytes, where)) { // buffer to buffer
                return out;
            }
            if (codec == Compression.ZSTD && in.isDirect() && in.nioBufferCount() == 1 && out.isDirect()) {
                zstd(in, out, bound >= 0 && bound <= maxBytes && bound <= out.writableBytes(), maxBytes, where);
                return out;
            }
        } catch (RuntimeException | Error e) { // an Error too (out of direct memory growing it): never leak out
            out.release();
            throw e;
        }
        try (InputStream is = unwrap(codec, new ByteBufInputStream(in.duplicate()))) {
            while (true) {
                if (out.writerIndex() >= maxBytes) {
                    if (is.read() < 0) {
                        break;
                    }
                    throw tooLarge(where, codec.toString(), maxBytes);
                }
                if (!out.isWritable()) {
                    // Full, perhaps at exactly the size the data claimed: grown only if more comes.
                    int b = is.read();
                    if (b < 0) {
                        break;
                    }
                    out.writeByte(b);
                    continue;
                }
                int n = out.writeBytes(is, Math.min(Math.min(CHUNK, out.writableBytes()), maxBytes - out.writerIndex()));
                if (n < 0) {
                    break;
                }
            }
            return out;
        } catch (IOException | RuntimeException | SnappyError e) {
            // snappy-java reports some malformed input as an Error of its own (SnappyError). Any other Error
            // (out of memory, out of direct memory growing the buffer) says nothing about the data: it is not
            // a CorruptRecordException, which would invite the application to skip good records.
            out.release();
            if (e instanceof CorruptRecordException || e instanceof RecordTooLargeException) {
                throw (RuntimeException) e;
            }
            throw new CorruptRecordException("corrupt " + where + ": " + codec + " data does not decompress: " + e, e, false);
        } catch (Error e) {
            out.release();
            throw e;
        }
    }

    /**
     * Zstd from one direct buffer into another through a pooled decompression context, without the
     * stream reader's input array (128 KiB per stream, that is per record batch). When {@code out} has
     * room for the frames' bound ({@code whole}), they decode in one call straight into it; otherwise
     * through the context's streaming interface, which decodes each block into the context's own
     * window and copies it out (zstd-jni alone on the comparisons' 64 KiB batches: a tenth less time
     * in one call; bench/README.md, {@code CompressedDecodeBenchmark}).
     */
    private static void zstd(ByteBuf in, ByteBuf out, boolean whole, int maxBytes, String where) {
        ByteBuffer src = in.nioBuffer();
        ZstdDecompressCtx ctx = ZSTD_CONTEXTS.poll();
        if (ctx == null) {
            ctx = new ZstdDecompressCtx();
        } else {
            ZSTD_POOLED.decrementAndGet();
        }
        boolean reusable = false;
        try {
            if (whole) {
                // The offsets are from each buffer's start, whatever its position (the native side adds
                // them to the address).
                ByteBuffer dst = out.nioBuffer(out.writerIndex(), out.writableBytes());
                int n = ctx.decompressDirectByteBuffer(dst, dst.position(), dst.remaining(), src, src.position(), src.remaining());
                out.writerIndex(out.writerIndex() + n);
                reusable = true;
                return;
            }
            boolean frameDone = false;
            while (src.hasRemaining() || !frameDone) {
                int room = maxBytes - out.writerIndex();
                if (room <= 0) {
                    throw tooLarge(where, "zstd", maxBytes);
                }
                out.ensureWritable(Math.min(room, ZSTD_CHUNK));
                ByteBuffer dst = out.nioBuffer(out.writerIndex(), Math.min(room, out.writableBytes()));
                int srcBefore = src.position();
                frameDone = ctx.decompressDirectByteBufferStream(dst, src);
                out.writerIndex(out.writerIndex() + dst.position());
                if (!frameDone && dst.position() == 0 && src.position() == srcBefore) {
                    throw corrupt(where, "zstd", "truncated frame");
                }
            }
            // Streaming, the context allocated a buffer of about the frame's window and keeps it (a reset
            // does not free it; zstd shrinks it only after 128 frames in a row that need under a third of
            // it): a context that streamed a window over the pool's limit is freed, not kept holding up to
            // 128 MiB.
            long window = ZstdFrames.largestWindow(in);
            reusable = window >= 0 && window <= ZSTD_POOL_WINDOW_MAX;
        } catch (ZstdException e) {
            throw new CorruptRecordException("corrupt " + where + ": zstd data does not decompress: " + e.getMessage(), e, false);
        } finally {
            release(ctx, reusable);
        }
    }

    /** How many decompression contexts the pool holds now (for tests). */
    static int pooledZstdContexts() {
        return ZSTD_POOLED.get();
    }

    /**
     * Returns a context to the pool (reset), or frees it: after a failure, after streaming a window over
     * {@link #ZSTD_POOL_WINDOW_MAX}, or when the pool is full. A
     * context holds its window buffers natively, so making one per batch cost most of zstd's time; the
     * pool is shared and bounded, so no thread's end can leak one.
     */
    private static void release(ZstdDecompressCtx ctx, boolean reusable) {
        if (reusable && ZSTD_POOLED.incrementAndGet() <= ZSTD_POOL_MAX) {
            ctx.reset();
            ZSTD_CONTEXTS.offer(ctx);
            return;
        }
        if (reusable) {
            ZSTD_POOLED.decrementAndGet();
        }
        ctx.close();
    }

    /** Data of {@code codec} that does not decode: {@code what} says how. */
    static CorruptRecordException corrupt(String where, String codec, String what) {
        return new CorruptRecordException("corrupt " + where + ": " + codec + " data does not decompress: " + what, null, false);
    }

    /** Data of {@code codec} that decodes (or claims to) to more than {@code maxBytes}: not corrupt, only too large. */
    static RecordTooLargeException tooLarge(String where, String codec, int maxBytes) {
        return new RecordTooLargeException(where + " decompresses (" + codec + ") to more than " + maxBytes + " bytes",
                null, false);
    }

    private static OutputStream wrap(Compression codec, Integer level, OutputStream out) throws IOException {
        return switch (codec) {
            case NONE -> out;
            case GZIP -> level == null ? new GZIPOutputStream(out, 8 * 1024) : new GZIPOutputStream(out, 8 * 1024) {
                {
                    def.setLevel(level);
                }
            };
            case SNAPPY -> new SnappyOutputStream(out);
            case LZ4 -> throw new IllegalStateException("unreachable: lz4 goes through Lz4FrameWriter");
            case ZSTD -> {
                ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out);
                if (level != null) {
                    z.setLevel(level);
                }
                yield z;
            }
        };
    }

    private static InputStream unwrap(Compression codec, InputStream in) throws IOException {
        return switch (codec) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, 8 * 1024);
            case SNAPPY -> new SnappyInputStream(in);
            case LZ4 -> new LZ4FrameInputStream(in);
            case ZSTD -> new ZstdInputStreamNoFinalizer(in);
        };
    }
}
