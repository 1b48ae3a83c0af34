package dev.skein.core.internal.records;

import dev.skein.core.Compression;
import dev.skein.core.Header;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.RecordTooLargeException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.apache.kafka.common.compress.Compression.Builder;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.MemoryRecordsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordBatchTest {
    private static final PooledByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final long T0 = 1_700_000_000_000L;

    @ParameterizedTest
    @EnumSource(Compression.class)
    void ourBatchesDecodeWithTheReferenceInEveryCodec(Compression codec) {
        RecordBatchBuilder b = new RecordBatchBuilder(ALLOC, codec, T0, 1024).producer(42L, (short) 3, 7, false);
        for (int i = 0; i < 200; i++) {
            b.append(T0 + i, key(i), value(i), new Header[] {new Header("h" + i, ("x" + i).getBytes(StandardCharsets.UTF_8)),
                    new Header("null", null)});
        }
        b.append(T0 + 500, null, null, null);
        ByteBuf batch = b.build();
        try {
            MemoryRecords ref = MemoryRecords.readableRecords(ByteBuffer.wrap(ByteBufUtil.getBytes(batch)));
            var refBatch = ref.batches().iterator().next();
            refBatch.ensureValid();
            assertEquals(codec.id(), refBatch.compressionType().id);
            assertEquals(42L, refBatch.producerId());
            assertEquals(3, refBatch.producerEpoch());
            assertEquals(7, refBatch.baseSequence());
            assertEquals(T0 + 500, refBatch.maxTimestamp());
            int i = 0;
            for (org.apache.kafka.common.record.internal.Record r : ref.records()) {
                if (i == 200) {
                    assertTrue(!r.hasKey() && !r.hasValue());
                    assertEquals(T0 + 500, r.timestamp());
                } else {
                    assertEquals(i, r.offset());
                    assertEquals(T0 + i, r.timestamp());
                    assertArrayEquals(key(i), bytes(r.key()));
                    assertArrayEquals(value(i), bytes(r.value()));
                    assertEquals(2, r.headers().length);
                    assertEquals("h" + i, r.headers()[0].key());
                    assertNull(r.headers()[1].value());
                }
                i++;
            }
            assertEquals(201, i);
        } finally {
            batch.release();
        }
    }

    /**
     * LZ4 frames are written block by block: a batch of several 64 KiB blocks, some of random bytes
     * (stored uncompressed, as the format allows), decodes with the reference and with our reader.
     */
    @Test
    void lz4BatchesOfManyBlocksAndIncompressibleDataDecode() {
        java.util.Random random = new java.util.Random(7);
        List<byte[]> values = new ArrayList<>();
        RecordBatchBuilder b = new RecordBatchBuilder(ALLOC, Compression.LZ4, T0, 1024);
        for (int i = 0; i < 40; i++) {
            byte[] v = new byte[10_000];
            if (i % 3 == 0) {
                random.nextBytes(v);
            } else {
                java.util.Arrays.fill(v, (byte) ('a' + i % 26));
            }
            values.add(v);
            b.append(T0 + i, null, v, null);
        }
        ByteBuf batch = b.build();
        try {
            MemoryRecords ref = readByReference(batch);
            int i = 0;
            for (org.apache.kafka.common.record.internal.Record r : ref.records()) {
                assertArrayEquals(values.get(i), bytes(r.value()), "record " + i);
                i++;
            }
            assertEquals(40, i);
            ByteBuf decompressed = CompressionCodec.decompress(Compression.LZ4, batch.slice(RecordBatch.HEADER_SIZE,
                    batch.readableBytes() - RecordBatch.HEADER_SIZE), ALLOC, 1 << 20, "test");
            try {
                assertTrue(decompressed.readableBytes() > 400_000, "all blocks: " + decompressed.readableBytes());
            } finally {
                decompressed.release();
            }
        } finally {
            batch.release();
        }
    }

    /**
     * Every varint width the record format uses, from the reference's writer: key and value lengths
     * on each side of the 1/2/3-byte boundaries (63/64, 8191/8192 zig-zagged), null and empty fields,
     * timestamp deltas negative, small and needing 5+ bytes, a record past offset delta 8191.
     */
    @Test
    void fieldsOfEveryVarintWidthFromTheReferenceDecode() {
        int[] lengths = {-1, 0, 1, 63, 64, 65, 127, 128, 8191, 8192, 8193, 100_000};
        long[] deltas = {0, -1, 1, -64, 64, -100_000, 8192, 1L << 35, -(1L << 40)};
        ByteBuffer buf = ByteBuffer.allocate(8 << 20);
        MemoryRecordsBuilder rb = MemoryRecords.builder(buf, referenceCodec(Compression.NONE), TimestampType.CREATE_TIME, 0L);
        List<long[]> expected = new ArrayList<>(); // timestamp, key length, value length
        int n = 0;
        for (int k : lengths) {
            for (int v : lengths) {
                long ts = T0 + deltas[n % deltas.length];
                rb.append(ts, k < 0 ? null : filled(k, 1), v < 0 ? null : filled(v, 2));
                expected.add(new long[] {ts, k, v});
                n++;
            }
        }
        for (int i = n; i < 8300; i++) { // offset deltas past two varint bytes
            rb.append(T0, null, filled(1, 2));
            expected.add(new long[] {T0, -1, 1});
        }
        ByteBuffer built = rb.build().buffer();
        ByteBuf direct = ALLOC.directBuffer(built.remaining()).writeBytes(built.duplicate());
        try {
            // A heap buffer, read through its NIO view, and a direct one, read from its memory address.
            for (ByteBuf records : List.of(Unpooled.wrappedBuffer(built), direct)) {
                assertCursorReads(RecordBatchReader.batches(records, "t", 0, true).get(0), expected);
            }
        } finally {
            direct.release();
        }
    }

    private static void assertCursorReads(RecordBatch batch, List<long[]> expected) {
        try (RecordCursor c = batch.cursor(ALLOC, 64 << 20)) {
            for (int i = 0; i < expected.size(); i++) {
                long[] e = expected.get(i);
                assertTrue(c.next(), "record " + i);
                assertEquals(i, c.offset());
                assertEquals(e[0], c.timestamp(), "record " + i);
                assertEquals((int) e[1], c.keyLength(), "record " + i);
                assertEquals((int) e[2], c.valueLength(), "record " + i);
                assertEquals(e[1] < 0 ? null : ByteBuffer.wrap(filled((int) e[1], 1)), c.key(), "record " + i);
                assertEquals(e[2] < 0 ? null : ByteBuffer.wrap(filled((int) e[2], 2)), c.value(), "record " + i);
                // The copies a deserializer of arrays gets: from the memory address, or the heap buffer's view.
                assertArrayEquals(e[1] < 0 ? null : filled((int) e[1], 1), c.copyKey(), "record " + i);
                assertArrayEquals(e[2] < 0 ? null : filled((int) e[2], 2), c.copyValue(), "record " + i);
                assertEquals(List.of(), c.headers());
            }
            assertTrue(!c.next());
            c.close();
            assertTrue(!c.next(), "a closed cursor reads nothing");
        }
    }

    /**
     * The mirror of {@link #fieldsOfEveryVarintWidthFromTheReferenceDecode}: our writer, whose records
     * without headers go straight into the buffer's memory (and, on a heap buffer, through ByteBuf
     * calls), with every varint width, read back by the reference in every codec.
     */
    @ParameterizedTest
    @EnumSource(Compression.class)
    void fieldsOfEveryVarintWidthFromOurWriterDecodeWithTheReference(Compression codec) {
        for (io.netty.buffer.ByteBufAllocator alloc : List.of(ALLOC, new io.netty.buffer.UnpooledByteBufAllocator(false))) {
            int[] lengths = {-1, 0, 1, 63, 64, 65, 127, 128, 8191, 8192, 8193, 100_000};
            long[] deltas = {0, -1, 1, -64, 64, -100_000, 8192, 1L << 35, -(1L << 40)};
            RecordBatchBuilder b = new RecordBatchBuilder(alloc, codec, T0, 1024);
            List<long[]> expected = new ArrayList<>(); // timestamp, key length, value length
            int n = 0;
            for (int k : lengths) {
                for (int v : lengths) {
                    long ts = T0 + deltas[n % deltas.length];
                    b.append(ts, k < 0 ? null : filled(k, 1), v < 0 ? null : filled(v, 2), null);
                    expected.add(new long[] {ts, k, v});
                    n++;
                }
            }
            for (int i = n; i < 8300; i++) { // offset deltas past two varint bytes
                b.append(T0, null, filled(1, 2), new Header[0]);
                expected.add(new long[] {T0, -1, 1});
            }
            ByteBuf batch = b.build();
            try {
                MemoryRecords ref = readByReference(batch);
                int i = 0;
                for (org.apache.kafka.common.record.internal.Record r : ref.records()) {
                    long[] e = expected.get(i);
                    assertEquals(i, r.offset());
                    assertEquals(e[0], r.timestamp(), "record " + i);
                    assertEquals((int) e[1], r.keySize(), "record " + i);
                    assertEquals((int) e[2], r.valueSize(), "record " + i);
                    if (e[1] > 0) {
                        assertArrayEquals(filled((int) e[1], 1), bytes(r.key()), "record " + i);
                    }
                    if (e[2] > 0) {
                        assertArrayEquals(filled((int) e[2], 2), bytes(r.value()), "record " + i);
                    }
                    assertEquals(0, r.headers().length);
                    i++;
                }
                assertEquals(expected.size(), i);
            } finally {
                batch.release();
            }
        }
    }

    /** Our batch as the reference reads it, its structure and CRC checked. */
    private static MemoryRecords readByReference(ByteBuf batch) {
        MemoryRecords ref = MemoryRecords.readableRecords(ByteBuffer.wrap(ByteBufUtil.getBytes(batch)));
        ref.batches().iterator().next().ensureValid();
        return ref;
    }

    private static byte[] filled(int length, int b) {
        byte[] a = new byte[length];
        java.util.Arrays.fill(a, (byte) b);
        return a;
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void referenceBatchesDecodeWithOursInEveryCodec(Compression codec) {
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        MemoryRecordsBuilder rb = MemoryRecords.builder(buf, referenceCodec(codec), TimestampType.CREATE_TIME, 100L);
        for (int i = 0; i < 300; i++) {
            rb.append(T0 + i, key(i), value(i), new org.apache.kafka.common.header.Header[] {new RecordHeader("k", key(i))});
        }
        MemoryRecords recs = rb.build();
        ByteBuf records = Unpooled.wrappedBuffer(recs.buffer());
        List<RecordBatch> batches = RecordBatchReader.batches(records, "t", 0, true);
        assertEquals(1, batches.size());
        RecordBatch batch = batches.get(0);
        assertEquals(codec, batch.compression());
        assertEquals(100L, batch.baseOffset());
        assertEquals(399L, batch.lastOffset());
        ByteBuf[] holder = new ByteBuf[1];
        try {
            List<Record> decoded = batch.records(ALLOC, 16 << 20, holder);
            assertEquals(300, decoded.size());
            for (int i = 0; i < 300; i++) {
                Record r = decoded.get(i);
                assertEquals(100L + i, r.offset());
                assertEquals(T0 + i, r.timestamp());
                assertArrayEquals(key(i), ByteBufUtil.getBytes(r.key()));
                assertArrayEquals(value(i), ByteBufUtil.getBytes(r.value()));
                assertEquals(List.of(new Header("k", key(i))), r.headers());
            }
        } finally {
            holder[0].release();
        }
    }

    @Test
    void aFlippedByteIsACorruptRecordErrorNamingTopicPartitionAndOffset() {
        ByteBuf batch = twoRecordBatch();
        try {
            batch.setByte(batch.writerIndex() - 3, batch.getByte(batch.writerIndex() - 3) ^ 0x55);
            CorruptRecordException e = assertThrows(CorruptRecordException.class,
                    () -> RecordBatchReader.batches(batch, "orders", 4, true));
            assertTrue(e.getMessage().contains("orders-4") && e.getMessage().contains("offset 0")
                    && e.getMessage().contains("CRC"), e.getMessage());
            assertEquals(1, RecordBatchReader.batches(batch, "orders", 4, false).size(), "check.crcs=false skips the check");
        } finally {
            batch.release();
        }
    }

    /**
     * Every single-byte change inside the records (CRC checks off, so the decoder meets it) either
     * decodes or is a CorruptRecordException: never an IndexOutOfBoundsException, a negative-size
     * allocation or another surprise, whatever varint or length the byte lands in.
     */
    @Test
    void anyDamagedByteInTheRecordsIsACorruptRecordErrorOrDecodes() {
        RecordBatchBuilder b = new RecordBatchBuilder(ALLOC, Compression.NONE, T0, 1024);
        for (int i = 0; i < 3; i++) {
            b.append(T0 + i, key(i), value(i), new Header[] {new Header("h" + i, value(i)), new Header("n", null)});
        }
        b.append(T0, null, null, null);
        // Longer records after them: damage to a length or varint there meets more bytes behind it.
        b.append(T0 + 1000, null, filled(64, 3), null);
        b.append(T0 - 1000, key(9), filled(64, 4), null);
        ByteBuf batch = b.build();
        try {
            for (int at = RecordBatch.HEADER_SIZE; at < batch.writerIndex(); at++) {
                for (int flip : new int[] {0x01, 0x40, 0x80, 0xFF, -0x01, -0x40, -0x80, -0xFF}) {
                    // Negative flips: the same damage in a direct buffer, whose records are read from memory.
                    ByteBuf damaged = flip > 0 ? Unpooled.copiedBuffer(batch)
                            : ALLOC.directBuffer(batch.readableBytes()).writeBytes(batch, batch.readerIndex(), batch.readableBytes());
                    damaged.setByte(at, damaged.getByte(at) ^ Math.abs(flip));
                    try {
                        for (RecordBatch rb : RecordBatchReader.batches(damaged, "t", 0, false)) {
                            try (RecordCursor c = rb.cursor(ALLOC, 1 << 20)) {
                                while (c.next()) {
                                    c.key();
                                    c.value();
                                    c.headers();
                                }
                            }
                        }
                    } catch (CorruptRecordException expected) {
                        // the damage was seen
                    } finally {
                        damaged.release();
                    }
                }
            }
        } finally {
            batch.release();
        }
    }

    /**
     * The arrays a deserializer of arrays is given hold the record's own key and value, in batches that
     * lie past the start of their buffer, read from a direct buffer's memory address and from a heap
     * buffer alike; a null key or value is a null array, an empty one an empty array.
     */
    @Test
    void copiedKeysAndValuesAreTheRecordsOwnWhereverTheBatchLies() {
        ByteBuf direct = ALLOC.directBuffer();
        ByteBuf heap = Unpooled.buffer();
        try {
            int n = 0;
            for (int batch = 0; batch < 3; batch++) {
                RecordBatchBuilder b = new RecordBatchBuilder(ALLOC, Compression.NONE, T0, 1024);
                for (int i = 0; i < 50; i++, n++) {
                    b.append(T0, n % 7 == 0 ? null : key(n), n % 11 == 0 ? null : n % 13 == 0 ? new byte[0] : value(n), null);
                }
                ByteBuf built = b.build();
                direct.writeBytes(built, built.readerIndex(), built.readableBytes());
                heap.writeBytes(built, built.readerIndex(), built.readableBytes());
                built.release();
            }
            for (ByteBuf records : List.of(direct, heap)) {
                int i = 0;
                for (RecordBatch rb : RecordBatchReader.batches(records, "t", 0, false)) {
                    try (RecordCursor c = rb.cursor(ALLOC, 1 << 20)) {
                        while (c.next()) {
                            assertArrayEquals(i % 7 == 0 ? null : key(i), c.copyKey(), "key " + i);
                            assertArrayEquals(i % 11 == 0 ? null : i % 13 == 0 ? new byte[0] : value(i), c.copyValue(), "value " + i);
                            i++;
                        }
                    }
                }
                assertEquals(150, i);
            }
            // Records that start past the reader index 0 of their own buffer, as decompressed ones may.
            int i = 0;
            for (RecordBatch rb : RecordBatchReader.batches(direct, "t", 0, false)) {
                ByteBuf records = ALLOC.directBuffer().writeBytes(new byte[] {9, 9, 9, 9, 9});
                records.writeBytes(rb.buffer(), rb.buffer().readerIndex() + RecordBatch.HEADER_SIZE, rb.sizeInBytes() - RecordBatch.HEADER_SIZE);
                records.readerIndex(5);
                try (RecordCursor c = rb.cursor(records)) {
                    while (c.next()) {
                        assertArrayEquals(i % 7 == 0 ? null : key(i), c.copyKey(), "key " + i);
                        assertArrayEquals(i % 11 == 0 ? null : i % 13 == 0 ? new byte[0] : value(i), c.copyValue(), "value " + i);
                        i++;
                    }
                }
            }
            assertEquals(150, i);
        } finally {
            direct.release();
            heap.release();
        }
    }

    /**
     * Compressed batches in direct buffers (as fetched) take the buffer-to-buffer decoders of lz4 and
     * zstd: they decode what was written, and any damaged byte of the compressed data is a decode or a
     * CorruptRecordException.
     */
    @ParameterizedTest
    @EnumSource(value = Compression.class, names = {"LZ4", "ZSTD"})
    void directCompressedBatchesDecodeAndDamageIsACorruptRecordError(Compression codec) {
        RecordBatchBuilder b = new RecordBatchBuilder(ALLOC, codec, T0, 1024);
        for (int i = 0; i < 300; i++) {
            b.append(T0 + i, key(i), value(i), null);
        }
        ByteBuf built = b.build();
        ByteBuf batch = Unpooled.directBuffer(built.readableBytes()).writeBytes(built);
        built.release();
        try {
            try (RecordCursor c = RecordBatchReader.batches(batch, "t", 0, true).get(0).cursor(ALLOC, 1 << 20)) {
                for (int i = 0; i < 300; i++) {
                    assertTrue(c.next());
                    byte[] v = new byte[c.valueLength()];
                    c.value().get(v);
                    assertArrayEquals(value(i), v);
                }
                assertTrue(!c.next());
            }
            assertThrows(RecordTooLargeException.class,
                    () -> RecordBatchReader.batches(batch, "t", 0, true).get(0).cursor(ALLOC, 100).close(),
                    "bounded by the maximum");
            for (int at = RecordBatch.HEADER_SIZE; at < batch.writerIndex(); at += 3) {
                ByteBuf damaged = Unpooled.directBuffer(batch.readableBytes()).writeBytes(batch, 0, batch.readableBytes());
                damaged.setByte(at, damaged.getByte(at) ^ 0x5A);
                try {
                    for (RecordBatch rb : RecordBatchReader.batches(damaged, "t", 0, false)) {
                        try (RecordCursor c = rb.cursor(ALLOC, 1 << 20)) {
                            while (c.next()) {
                                c.value();
                            }
                        }
                    }
                } catch (CorruptRecordException expected) {
                    // the damage was seen
                } finally {
                    damaged.release();
                }
            }
        } finally {
            batch.release();
        }
    }

    @Test
    void aPartialBatchAtTheEndIsSkipped() {
        ByteBuf one = twoRecordBatch();
        ByteBuf two = twoRecordBatch();
        ByteBuf both = Unpooled.buffer().writeBytes(one).writeBytes(two, 0, two.readableBytes() - 10);
        try {
            assertEquals(1, RecordBatchReader.batches(both, "t", 0, true).size());
            assertEquals(0, RecordBatchReader.batches(both.slice(0, 11), "t", 0, true).size());
        } finally {
            one.release();
            two.release();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void decompressionIsBoundedByTheConfiguredMaximum(Compression codec) {
        RecordBatchBuilder b = new RecordBatchBuilder(ALLOC, codec, T0, 1024);
        b.append(T0, null, new byte[1 << 20], null); // 1 MiB of zeros compresses to almost nothing
        ByteBuf batch = b.build();
        try {
            RecordBatch rb = RecordBatchReader.batches(batch, "t", 0, true).get(0);
            ByteBuf[] holder = new ByteBuf[1];
            // Too large, not corrupt: the batch is sound, and a larger bound reads it.
            RecordTooLargeException e = assertThrows(RecordTooLargeException.class,
                    () -> rb.records(ALLOC, 64 * 1024, holder));
            assertTrue(e.getMessage().contains("record batch in t-0 at offset 0") && e.getMessage().contains("more than 65536"),
                    e.getMessage());
            assertNull(holder[0], "nothing is left allocated");
        } finally {
            batch.release();
        }
    }

    /**
     * Data that expands far more, or far less, than the batch before still decompresses whole (the
     * first buffer is a guess, which grows), and exactly to the maximum allowed, and no further.
     */
    @ParameterizedTest
    @EnumSource(value = Compression.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void dataThatExpandsUnlikeTheBatchBeforeDecompressesWhole(Compression codec) {
        byte[] random = new byte[200_000];
        new java.util.Random(7).nextBytes(random);
        byte[] zeros = new byte[3 << 20];
        byte[] text = "the quick brown fox jumps over the lazy dog; ".repeat(5_000).getBytes(StandardCharsets.US_ASCII);
        for (byte[] data : List.of(random, zeros, random, text, zeros, zeros, random)) {
            ByteBuf plain = Unpooled.wrappedBuffer(data);
            ByteBuf compressed = ALLOC.directBuffer();
            CompressionCodec.compress(codec, plain, compressed);
            for (int max : new int[] {Integer.MAX_VALUE, data.length}) {
                ByteBuf out = CompressionCodec.decompress(codec, compressed, ALLOC, max, "t-0");
                try {
                    assertEquals(data.length, out.readableBytes(), codec + ", at most " + max);
                    assertTrue(ByteBufUtil.equals(plain, out), codec + ": the bytes come back as written");
                } finally {
                    out.release();
                }
            }
            assertThrows(RecordTooLargeException.class,
                    () -> CompressionCodec.decompress(codec, compressed, ALLOC, data.length - 1, "t-0"));
            compressed.release();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Compression.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void garbageCompressedDataIsACorruptRecordError(Compression codec) {
        byte[] garbage = new byte[200];
        new java.util.Random(codec.id()).nextBytes(garbage);
        assertThrows(CorruptRecordException.class,
                () -> CompressionCodec.decompress(codec, Unpooled.wrappedBuffer(garbage), ALLOC, 1 << 20, "t-0"));
    }

    private static ByteBuf twoRecordBatch() {
        RecordBatchBuilder b = new RecordBatchBuilder(ALLOC, Compression.NONE, T0, 256);
        b.append(T0, key(1), value(1), null);
        b.append(T0, key(2), value(2), null);
        return b.build();
    }

    private static org.apache.kafka.common.compress.Compression referenceCodec(Compression c) {
        Builder<?> b = org.apache.kafka.common.compress.Compression.of(CompressionType.forId(c.id()));
        return b.build();
    }

    private static byte[] key(int i) {
        return ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(int i) {
        return ("value-" + i + "-" + "x".repeat(i % 50)).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
