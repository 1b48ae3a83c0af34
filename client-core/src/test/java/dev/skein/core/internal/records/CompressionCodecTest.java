package dev.skein.core.internal.records;

import dev.skein.core.Compression;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.RecordTooLargeException;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import org.apache.kafka.common.utils.internals.ByteBufferOutputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompressionCodecTest {
    private static final long T0 = 1_700_000_000_000L;
    private static final byte[] TEXT = "the quick brown fox jumps over the lazy dog, then naps; "
            .repeat(3_000).getBytes(StandardCharsets.US_ASCII);

    /**
     * A build that throws (the codec refuses its level) has released the records' buffer: giving the builder
     * back afterwards must not release it again (with kept buffers, a second release can free another
     * batch's live buffer).
     */
    @Test
    void aBuildThatThrowsReleasesTheRecordsOnceAndReleaseAfterItDoesNothing() {
        ByteBuf records = Unpooled.directBuffer(256);
        RecordBatchBuilder b = new RecordBatchBuilder(PooledByteBufAllocator.DEFAULT, records, Compression.GZIP, 12, T0);
        b.append(T0, null, TEXT, null);
        assertThrows(IllegalArgumentException.class, b::build, "gzip has no level 12");
        assertEquals(0, records.refCnt(), "the records' buffer was given back");
        assertDoesNotThrow(b::release);
    }

    /**
     * An Error that is not the codec's verdict on its input (out of memory growing the output) is not
     * corrupt data: reported as CorruptRecordException, it would invite a consumer to skip good records.
     */
    @Test
    void runningOutOfMemoryWhileDecompressingIsNotCorruptData() {
        ByteBuf compressed = Unpooled.buffer();
        CompressionCodec.compress(Compression.GZIP, Unpooled.wrappedBuffer(TEXT), compressed);
        ByteBufAllocator starved = new AbstractByteBufAllocator(false) {
            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity) {
                    @Override
                    protected byte[] allocateArray(int length) {
                        if (length > 64 * 1024) {
                            throw new OutOfMemoryError("test: no room to grow to " + length + " bytes");
                        }
                        return super.allocateArray(length);
                    }
                };
            }

            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                return newHeapBuffer(initialCapacity, maxCapacity);
            }

            @Override
            public boolean isDirectBufferPooled() {
                return false;
            }
        };
        assertThrows(OutOfMemoryError.class,
                () -> CompressionCodec.decompress(Compression.GZIP, compressed, starved, Integer.MAX_VALUE, "t-0"));
    }

    /** As Apache Kafka's writer: lz4 at any level but its default (9) uses the high-compression compressor. */
    @Test
    void lz4LevelsOtherThanTheDefaultCompressAsTheReferenceDoes() throws Exception {
        for (int level : new int[] {1, 9, 12}) {
            ByteBuf ours = Unpooled.buffer();
            CompressionCodec.compress(Compression.LZ4, level, Unpooled.wrappedBuffer(TEXT), ours);
            ByteBufferOutputStream ref = new ByteBufferOutputStream(1024);
            try (OutputStream os = org.apache.kafka.common.compress.Compression.lz4().level(level).build()
                    .wrapForOutput(ref, org.apache.kafka.common.record.internal.RecordBatch.MAGIC_VALUE_V2)) {
                os.write(TEXT);
            }
            ByteBuffer refBytes = ref.buffer().flip();
            byte[] expected = new byte[refBytes.remaining()];
            refBytes.get(expected);
            assertArrayEquals(expected, ByteBufUtil.getBytes(ours), "lz4 level " + level);
            ByteBuf back = CompressionCodec.decompress(Compression.LZ4, ours, UnpooledByteBufAllocator.DEFAULT,
                    Integer.MAX_VALUE, "t-0");
            assertTrue(ByteBufUtil.equals(Unpooled.wrappedBuffer(TEXT), back));
            back.release();
        }
    }

    /** xerial's stream header (magic, version 1, compatible version 1), then the chunks, each a big-endian length and its bytes. */
    private static ByteBuf snappyFramed(byte[]... chunks) {
        ByteBuf out = Unpooled.buffer();
        out.writeBytes(new byte[] {(byte) 0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}).writeInt(1).writeInt(1);
        for (byte[] chunk : chunks) {
            out.writeInt(chunk.length).writeBytes(chunk);
        }
        return out;
    }

    /** Bytes the calling thread allocated on the heap while {@code call} ran. */
    private static <T> long allocatedBy(Supplier<T> call, T[] result) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        try {
            result[0] = call.get();
        } finally {
            result[0] = result[0];
        }
        return threads.getThreadAllocatedBytes(id) - before;
    }

    /**
     * A snappy chunk whose data is sound and decodes to 20 MiB, read within 1 MiB: too large, refused from
     * the chunk's header before snappy-java allocates the 20 MiB it claims; within 32 MiB it decodes whole.
     */
    @Test
    void aSnappyChunkOverTheBoundIsRefusedBeforeWhatItClaimsIsAllocated() throws IOException {
        byte[] zeros = new byte[20 << 20];
        ByteBuf frame = snappyFramed(org.xerial.snappy.Snappy.compress(zeros));
        RuntimeException[] thrown = new RuntimeException[1];
        long allocated = allocatedBy(() -> {
            try {
                CompressionCodec.decompress(Compression.SNAPPY, frame, UnpooledByteBufAllocator.DEFAULT, 1 << 20, "t-0").release();
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        }, thrown);
        assertTrue(allocated < 4 << 20, allocated + " bytes allocated for a batch refused from its header");
        assertTrue(thrown[0] instanceof RecordTooLargeException, "too large, not corrupt: " + thrown[0]);
        assertTrue(thrown[0].getMessage().contains("t-0") && thrown[0].getMessage().contains("more than 1048576"),
                thrown[0].getMessage());
        ByteBuf out = CompressionCodec.decompress(Compression.SNAPPY, frame, UnpooledByteBufAllocator.DEFAULT, 32 << 20, "t-0");
        try {
            assertEquals(zeros.length, out.readableBytes());
            assertEquals(out.readableBytes(), out.capacity(), "allocated once, at the size the chunk claims");
        } finally {
            out.release();
        }
    }

    /**
     * A chunk claiming more than its bytes can decode to (100 MiB from ten), or longer than the data left
     * (400 MiB in a few bytes), is corrupt, and neither claim is allocated.
     */
    @Test
    void snappyChunksClaimingTheImpossibleAreCorruptAndNotAllocated() {
        byte[] claims100MiB = {(byte) 0x80, (byte) 0x80, (byte) 0x80, 0x32, 0, 0, 0, 0, 0, 0}; // varint 100 MiB, then junk
        ByteBuf longer = snappyFramed();
        longer.writeInt(400 << 20).writeBytes(new byte[] {1, 2, 3, 4});
        for (ByteBuf frame : new ByteBuf[] {snappyFramed(claims100MiB), longer, Unpooled.wrappedBuffer(claims100MiB)}) {
            RuntimeException[] thrown = new RuntimeException[1];
            long allocated = allocatedBy(() -> {
                try {
                    CompressionCodec.decompress(Compression.SNAPPY, frame, UnpooledByteBufAllocator.DEFAULT, Integer.MAX_VALUE, "t-0")
                            .release();
                    return null;
                } catch (RuntimeException e) {
                    return e;
                }
            }, thrown);
            assertTrue(thrown[0] instanceof CorruptRecordException, String.valueOf(thrown[0]));
            assertTrue(allocated < 4 << 20, allocated + " bytes allocated for " + thrown[0].getMessage());
        }
    }

    /** A zstd frame streamed with a window of {@code 2^windowLog}, from a direct buffer (as fetched). */
    private static ByteBuf zstdStreamed(byte[] data, int windowLog) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZstdOutputStreamNoFinalizer out = new ZstdOutputStreamNoFinalizer(bytes)) {
            out.setWindowLog(windowLog);
            out.write(data);
        }
        byte[] frame = bytes.toByteArray();
        return PooledByteBufAllocator.DEFAULT.directBuffer(frame.length).writeBytes(frame);
    }

    /**
     * A pooled zstd context that streamed a frame keeps a buffer of about the frame's window (a reset does
     * not free it): after a frame with a 128 MiB window the context is freed, not pooled; after one with
     * Kafka's usual 2 MiB window it goes back to the pool.
     */
    @Test
    void aZstdContextThatStreamedAHugeWindowIsFreedNotPooled() throws IOException {
        byte[] text = TEXT; // compresses so far that its bound is not "reasonable": the streamed path
        ByteBuf small = zstdStreamed(text, 21);
        ByteBuf huge = zstdStreamed(text, 27);
        try {
            assertEquals(2L << 20, ZstdFrames.largestWindow(small));
            assertEquals(128L << 20, ZstdFrames.largestWindow(huge));
            CompressionCodec.decompress(Compression.ZSTD, small, PooledByteBufAllocator.DEFAULT, 1 << 24, "t-0").release();
            int pooled = CompressionCodec.pooledZstdContexts();
            assertTrue(pooled >= 1, "a context that streamed a 2 MiB window is pooled");
            CompressionCodec.decompress(Compression.ZSTD, small, PooledByteBufAllocator.DEFAULT, 1 << 24, "t-0").release();
            assertEquals(pooled, CompressionCodec.pooledZstdContexts(), "taken from the pool and given back");
            ByteBuf out = CompressionCodec.decompress(Compression.ZSTD, huge, PooledByteBufAllocator.DEFAULT, 1 << 24, "t-0");
            try {
                assertTrue(ByteBufUtil.equals(Unpooled.wrappedBuffer(text), out));
            } finally {
                out.release();
            }
            assertEquals(pooled - 1, CompressionCodec.pooledZstdContexts(), "the context that streamed 128 MiB is freed");
        } finally {
            small.release();
            huge.release();
        }
    }
}
