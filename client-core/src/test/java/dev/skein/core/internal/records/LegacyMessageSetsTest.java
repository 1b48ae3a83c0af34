package dev.skein.core.internal.records;

import dev.skein.core.Compression;
import dev.skein.core.errors.CorruptRecordException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.Test;
import org.xerial.snappy.SnappyOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The message formats before Kafka 0.11 (magic 0 and 1), on hand-built bytes, framed by
 * {@link RecordBatchReader#frame} into magic-2 batches that read as the messages were written.
 */
class LegacyMessageSetsTest {
    private static final int LAT = 0x08;

    /** What a read record is: offset, timestamp, key and value as strings (null for null). */
    private record Read(long offset, long timestamp, String key, String value) {}

    // ---- building the old formats by hand ----

    /** One message: offset | size | crc32 | magic | attributes | [timestamp] | key | value. */
    private static byte[] message(long offset, int magic, int attributes, long timestamp, String key, byte[] value) {
        ByteBuffer body = ByteBuffer.allocate(1 << 20);
        body.put((byte) magic).put((byte) attributes);
        if (magic == 1) {
            body.putLong(timestamp);
        }
        putBytes(body, key == null ? null : key.getBytes(StandardCharsets.UTF_8));
        putBytes(body, value);
        body.flip();
        byte[] rest = new byte[body.remaining()];
        body.get(rest);
        CRC32 crc = new CRC32();
        crc.update(rest);
        ByteBuffer m = ByteBuffer.allocate(12 + 4 + rest.length);
        m.putLong(offset).putInt(4 + rest.length).putInt((int) crc.getValue()).put(rest);
        return m.array();
    }

    private static byte[] message(long offset, int magic, long timestamp, String key, String value) {
        return message(offset, magic, 0, timestamp, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    private static void putBytes(ByteBuffer b, byte[] bytes) {
        if (bytes == null) {
            b.putInt(-1);
        } else {
            b.putInt(bytes.length).put(bytes);
        }
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The message set compressed as the old producers did: gzip, xerial snappy, or an lz4 frame. */
    private static byte[] compress(Compression codec, byte[] set, boolean brokenLz4Checksum) throws IOException {
        if (codec == Compression.LZ4) {
            ByteBuf out = Unpooled.buffer();
            CompressionCodec.compress(Compression.LZ4, Unpooled.wrappedBuffer(set), out);
            byte[] frame = new byte[out.readableBytes()];
            out.readBytes(frame);
            if (brokenLz4Checksum) {
                // KAFKA-3160: the header checksum over the magic number and the descriptor, not the descriptor alone.
                frame[6] = (byte) ((XXHashFactory.fastestInstance().hash32().hash(frame, 0, 6, 0) >> 8) & 0xFF);
            }
            return frame;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream os = codec == Compression.GZIP ? new GZIPOutputStream(bytes) : new SnappyOutputStream(bytes)) {
            os.write(set);
        }
        return bytes.toByteArray();
    }

    private static byte[] wrapper(long offset, int magic, Compression codec, int timestampType, long timestamp, byte[] set)
            throws IOException {
        return message(offset, magic, codec.id() | timestampType, timestamp, null,
                compress(codec, set, false));
    }

    // ---- reading ----

    private static RecordBatchReader.Framed frame(byte[] records) {
        return RecordBatchReader.frame(Unpooled.wrappedBuffer(records), "old", 3);
    }

    private static List<Read> read(List<RecordBatch> batches) {
        List<Read> out = new ArrayList<>();
        for (RecordBatch b : batches) {
            assertEquals(2, b.magic());
            assertTrue(b.crcMatches(), "a converted batch has a valid CRC32C");
            assertEquals(-1, b.partitionLeaderEpoch());
            assertEquals(RecordBatch.NO_PRODUCER_ID, b.producerId());
            assertFalse(b.isControl() || b.isTransactional());
            ByteBuf[] holder = new ByteBuf[1];
            for (Record r : b.records(PooledByteBufAllocator.DEFAULT, 1 << 20, holder)) {
                assertTrue(r.headers().isEmpty(), "no headers in the old formats");
                out.add(new Read(r.offset(), r.timestamp(), str(r.key()), str(r.value())));
            }
            holder[0].release();
        }
        return out;
    }

    private static List<Read> readAll(byte[] records) {
        RecordBatchReader.Framed framed = frame(records);
        assertNull(framed.error());
        return read(framed.batches());
    }

    private static String str(ByteBuf b) {
        return b == null ? null : b.toString(StandardCharsets.UTF_8);
    }

    // ---- the cases ----

    @Test
    void uncompressedMagic0MessagesReadWithNoTimestampAsCreateTime() {
        byte[] records = concat(message(5, 0, -1, "a", "one"), message(6, 0, -1, null, "two"), message(8, 0, -1, "c", null));
        RecordBatchReader.Framed framed = frame(records);
        assertNull(framed.error());
        assertEquals(List.of(new Read(5, -1, "a", "one"), new Read(6, -1, null, "two"), new Read(8, -1, "c", null)),
                read(framed.batches()));
        assertEquals(1, framed.batches().size(), "one run, one batch");
        assertFalse(framed.batches().get(0).isLogAppendTime());
        assertEquals(9, framed.batches().get(0).nextOffset());
    }

    @Test
    void uncompressedMagic1MessagesKeepTheirTimestampsAndType() {
        byte[] records = concat(message(0, 1, 1000, "a", "one"), message(1, 1, 900, null, null),
                message(2, 1, LAT, 5000, "k", "x".getBytes(StandardCharsets.UTF_8)),
                message(3, 1, LAT, 6000, "k", "y".getBytes(StandardCharsets.UTF_8)));
        RecordBatchReader.Framed framed = frame(records);
        assertNull(framed.error());
        assertEquals(List.of(new Read(0, 1000, "a", "one"), new Read(1, 900, null, null), new Read(2, 5000, "k", "x"),
                new Read(3, 6000, "k", "y")), read(framed.batches()));
        List<Boolean> appendTime = framed.batches().stream().map(RecordBatch::isLogAppendTime).toList();
        assertEquals(List.of(false, true, true), appendTime,
                "create-time messages in one batch; each log-append-time message in its own, keeping its timestamp");
    }

    @Test
    void magic1WrappersOfEachCodecGiveRelativeInnerOffsetsTheirAbsoluteOnesGapsIncluded() throws IOException {
        for (Compression codec : List.of(Compression.GZIP, Compression.SNAPPY, Compression.LZ4)) {
            // Compacted: relative offsets 0, 2, 5; the wrapper's offset is the last one's absolute offset.
            byte[] set = concat(message(0, 1, 100, "a", "one"), message(2, 1, 102, null, "two"), message(5, 1, 99, "c", null));
            byte[] records = concat(message(96, 1, 50, "u", "before"), wrapper(105, 1, codec, 0, 102, set),
                    message(106, 1, 200, "u", "after"));
            assertEquals(List.of(new Read(96, 50, "u", "before"), new Read(100, 100, "a", "one"), new Read(102, 102, null, "two"),
                    new Read(105, 99, "c", null), new Read(106, 200, "u", "after")), readAll(records), codec.toString());
        }
    }

    @Test
    void magic0WrappersOfEachCodecHaveAbsoluteInnerOffsets() throws IOException {
        for (Compression codec : List.of(Compression.GZIP, Compression.SNAPPY, Compression.LZ4)) {
            byte[] set = concat(message(40, 0, -1, "a", "one"), message(41, 0, -1, null, "two"), message(43, 0, -1, "c", "three"));
            byte[] records = wrapper(43, 0, codec, 0, -1, set);
            List<RecordBatch> batches = frame(records).batches();
            assertEquals(List.of(new Read(40, -1, "a", "one"), new Read(41, -1, null, "two"), new Read(43, -1, "c", "three")),
                    read(batches), codec.toString());
            assertEquals(44, batches.get(0).nextOffset());
        }
    }

    /** Kafka before 0.10 wrote lz4 frames with the header checksum over the magic number too (KAFKA-3160). */
    @Test
    void magic0Lz4WithTheBrokenHeaderChecksumIsReadAndMagic1IsHeldToTheSpec() throws IOException {
        byte[] set0 = concat(message(0, 0, -1, "a", "one"), message(1, 0, -1, "b", "two"));
        byte[] broken0 = message(1, 0, Compression.LZ4.id(), -1, null, compress(Compression.LZ4, set0, true));
        assertEquals(List.of(new Read(0, -1, "a", "one"), new Read(1, -1, "b", "two")), readAll(broken0));

        byte[] set1 = concat(message(0, 1, 10, "a", "one"), message(1, 1, 11, "b", "two"));
        byte[] broken1 = message(1, 1, Compression.LZ4.id(), 11, null, compress(Compression.LZ4, set1, true));
        RecordBatchReader.Framed framed = frame(broken1);
        assertEquals(List.of(), framed.batches());
        assertNotNull(framed.error());
        assertTrue(framed.error().getMessage().contains("old-3") && framed.error().getMessage().contains("offset 1")
                && framed.error().getMessage().contains("checksum"), framed.error().getMessage());
    }

    @Test
    void aMagic1WrapperUnderLogAppendTimeGivesEveryInnerMessageItsTimestamp() throws IOException {
        byte[] set = concat(message(0, 1, 100, "a", "one"), message(1, 1, 200, "b", "two"));
        RecordBatchReader.Framed framed = frame(wrapper(11, 1, Compression.GZIP, LAT, 7777, set));
        assertEquals(List.of(new Read(10, 7777, "a", "one"), new Read(11, 7777, "b", "two")), read(framed.batches()));
        assertTrue(framed.batches().get(0).isLogAppendTime());
    }

    @Test
    void aPartialMessageAtTheEndIsSkipped() throws IOException {
        byte[] whole = message(1, 1, 5, "a", "one");
        byte[] next = wrapper(3, 1, Compression.SNAPPY, 0, 5, concat(message(0, 1, 5, "b", "x"), message(1, 1, 6, "c", "y")));
        for (int cut : new int[] {1, 10, 16, 17, next.length - 1}) {
            byte[] records = concat(whole, java.util.Arrays.copyOf(next, cut));
            assertEquals(List.of(new Read(1, 5, "a", "one")), readAll(records), "cut after " + cut + " bytes");
        }
        assertEquals(List.of(), readAll(java.util.Arrays.copyOf(whole, whole.length - 1)), "only a partial message");
    }

    @Test
    void aBadCrcIsACorruptMessageNamingTopicPartitionAndOffsetAfterTheGoodOnes() throws IOException {
        byte[] bad = message(8, 1, 5, "b", "two");
        bad[bad.length - 1] ^= 1;
        RecordBatchReader.Framed framed = frame(concat(message(7, 1, 5, "a", "one"), bad, message(9, 1, 5, "c", "three")));
        assertEquals(List.of(new Read(7, 5, "a", "one")), read(framed.batches()), "the good message before it");
        CorruptRecordException e = framed.error();
        assertNotNull(e);
        assertTrue(e.getMessage().contains("old-3") && e.getMessage().contains("offset 8") && e.getMessage().contains("CRC mismatch"),
                e.getMessage());

        // An inner message's CRC is checked too.
        byte[] inner = message(1, 0, -1, "b", "two");
        inner[inner.length - 1] ^= 1;
        CorruptRecordException innerError = frame(wrapper(1, 0, Compression.GZIP, 0, -1,
                concat(message(0, 0, -1, "a", "one"), inner))).error();
        assertNotNull(innerError);
        assertTrue(innerError.getMessage().contains("offset 1") && innerError.getMessage().contains("inner message"),
                innerError.getMessage());
    }

    @Test
    void aMessageBelowItsMinimumSizeIsCorrupt() {
        for (int magic : new int[] {0, 1}) {
            byte[] m = message(4, magic, 5, "a", "one");
            int min = magic == 0 ? LegacyMessageSets.MIN_SIZE_V0 : LegacyMessageSets.MIN_SIZE_V1;
            ByteBuffer.wrap(m).putInt(8, min - 1);
            CorruptRecordException e = frame(m).error();
            assertNotNull(e, "magic " + magic);
            assertTrue(e.getMessage().contains("offset 4") && e.getMessage().contains("below its minimum of " + min),
                    e.getMessage());
        }
    }

    /** A size whose total (12 more) overflows an int is corrupt, not a partial message waited for in vain. */
    @Test
    void aSizeBeyondAnyMessagesIsCorrupt() {
        byte[] m = message(4, 1, 5, "a", "one");
        ByteBuffer.wrap(m).putInt(8, Integer.MAX_VALUE - 11);
        CorruptRecordException e = frame(m).error();
        assertNotNull(e);
        assertTrue(e.getMessage().contains("offset 4") && e.getMessage().contains("beyond any message's"), e.getMessage());
    }

    /** A partition whose message format changed mid-log: old messages, then magic-2 batches, in one records field. */
    @Test
    void oldMessagesThenMagic2BatchesInOneRecordsField() throws IOException {
        RecordBatchBuilder b = new RecordBatchBuilder(UnpooledByteBufAllocator.DEFAULT, Compression.NONE, 3000L, 256);
        b.append(3000L, "k".getBytes(StandardCharsets.UTF_8), "v2-a".getBytes(StandardCharsets.UTF_8), null);
        b.append(3001L, null, "v2-b".getBytes(StandardCharsets.UTF_8), null);
        ByteBuf v2 = b.build();
        v2.setLong(0, 3L);
        byte[] v2Bytes = new byte[v2.readableBytes()];
        v2.readBytes(v2Bytes);
        v2.release();
        byte[] records = concat(message(0, 0, -1, "z", "v0"), message(1, 1, 1000, "y", "v1"),
                wrapper(2, 1, Compression.LZ4, 0, 2000, message(0, 1, 2000, "x", "v1-lz4")), v2Bytes);
        RecordBatchReader.Framed framed = frame(records);
        assertNull(framed.error());
        assertEquals(List.of(new Read(0, -1, "z", "v0"), new Read(1, 1000, "y", "v1"), new Read(2, 2000, "x", "v1-lz4"),
                new Read(3, 3000, "k", "v2-a"), new Read(4, 3001, null, "v2-b")), read(framed.batches()));
        assertEquals(4, framed.batches().size(), "magic 0, magic 1, the wrapper, the v2 batch");
    }

    @Test
    void aWrapperOfAnUnknownCodecOrOfNothingIsCorrupt() throws IOException {
        byte[] zstd = message(5, 1, 4, 1, null, "whatever".getBytes(StandardCharsets.UTF_8));
        assertTrue(frame(zstd).error().getMessage().contains("codec id 4"), frame(zstd).error().getMessage());
        byte[] empty = message(5, 1, Compression.GZIP.id(), 1, null, compress(Compression.GZIP, new byte[0], false));
        assertTrue(frame(empty).error().getMessage().contains("holds no messages"), frame(empty).error().getMessage());
    }

    @Test
    void aWrapperHoldingMessagesOfAnotherMagicIsCorrupt() throws IOException {
        byte[] inner = concat(message(0, 0, -1, "k", "v0"), message(1, 0, -1, "k", "v1"));
        byte[] mixed = wrapper(1, 1, Compression.GZIP, 0, 1000, inner);
        RecordBatchReader.Framed framed = frame(mixed);
        assertTrue(framed.batches().isEmpty());
        assertTrue(framed.error().getMessage().contains("inner message has magic 0 in a wrapper of magic 1"),
                framed.error().getMessage());
    }

    @Test
    void recordsStartingWithAnOldFormatAreSaidToSoTheEventLoopLeavesThemAlone() {
        assertTrue(RecordBatchReader.startsWithOldFormat(Unpooled.wrappedBuffer(message(0, 1, 5, "k", "v"))));
        assertTrue(RecordBatchReader.startsWithOldFormat(Unpooled.wrappedBuffer(message(0, 0, -1, "k", "v"))));
        assertFalse(RecordBatchReader.startsWithOldFormat(Unpooled.wrappedBuffer(new byte[10])), "too short to tell");
        assertFalse(RecordBatchReader.startsWithOldFormat(null));
    }
}
