package dev.skein.core.internal.records;

import dev.skein.core.Compression;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

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
}
