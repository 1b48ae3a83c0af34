package dev.skein.core.internal.records;

import dev.skein.core.Compression;
import dev.skein.core.errors.CorruptRecordException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Framing a fetch response's records field into batches, on crafted bytes. */
class RecordBatchReaderTest {

    /** A magic-2 batch of {@code n} records at {@code base}. */
    private static ByteBuf batch(long base, int n) {
        RecordBatchBuilder b = new RecordBatchBuilder(PooledByteBufAllocator.DEFAULT, Compression.NONE, 0L, 256);
        for (int i = 0; i < n; i++) {
            b.append(0L, null, new byte[] {(byte) i}, null);
        }
        ByteBuf buf = b.build();
        buf.setLong(0, base);
        return buf;
    }

    /**
     * A v1 message (Kafka before 0.11) as a broker holding old-format data would send it: offset, size,
     * CRC, magic 1, attributes, timestamp, a null key and a 4-byte value; 34 bytes after the size.
     */
    private static ByteBuf v1Message(long offset) {
        ByteBuf m = Unpooled.buffer();
        m.writeLong(offset).writeInt(34).writeInt(0x12345678).writeByte(1).writeByte(0).writeLong(0L)
                .writeInt(-1).writeInt(4).writeInt(42);
        return m;
    }

    @Test
    void goodBatchesBeforeOneWithABadMagicAreFramedAndItsErrorIsReturnedNotThrown() {
        ByteBuf bad = batch(4, 2);
        bad.setByte(RecordBatch.MAGIC_OFFSET, 3);
        ByteBuf records = Unpooled.wrappedBuffer(batch(0, 2), batch(2, 2), bad, batch(6, 2));
        try {
            RecordBatchReader.Framed framed = RecordBatchReader.frame(records, "orders", 4);
            assertEquals(List.of(0L, 2L), framed.batches().stream().map(RecordBatch::baseOffset).toList(),
                    "the batches before the bad one, none after it");
            assertNotNull(framed.error());
            assertTrue(framed.error().getMessage().contains("orders-4") && framed.error().getMessage().contains("offset 4")
                    && framed.error().getMessage().contains("magic 3"), framed.error().getMessage());
            CorruptRecordException thrown = assertThrows(CorruptRecordException.class,
                    () -> RecordBatchReader.batches(records, "orders", 4, false), "the eager form still throws");
            assertEquals(framed.error().getMessage(), thrown.getMessage());
        } finally {
            records.release();
        }
    }

    @Test
    void goodBatchesBeforeOneWithALengthBelowTheHeaderAreFramed() {
        ByteBuf bad = batch(4, 2);
        bad.setInt(8, 20);
        ByteBuf records = Unpooled.wrappedBuffer(batch(0, 2), bad);
        try {
            RecordBatchReader.Framed framed = RecordBatchReader.frame(records, "t", 0);
            assertEquals(1, framed.batches().size());
            assertTrue(framed.error().getMessage().contains("offset 4")
                    && framed.error().getMessage().contains("batch length 20 is below the header size"), framed.error().getMessage());
        } finally {
            records.release();
        }
    }

    @Test
    void wellFramedBatchesAndAPartialOneAtTheEndHaveNoError() {
        ByteBuf last = batch(4, 2);
        ByteBuf records = Unpooled.wrappedBuffer(batch(0, 2), batch(2, 2), last.slice(0, last.readableBytes() - 5));
        try {
            RecordBatchReader.Framed framed = RecordBatchReader.frame(records, "t", 0);
            assertEquals(2, framed.batches().size());
            assertNull(framed.error());
        } finally {
            records.release(); // and the batches it wraps
        }
    }

    /**
     * A length within 12 of 2^31: the batch's total size, 12 more, does not fit an int. It is a corrupt
     * batch, not a negative size taken for a whole batch (a slice of negative length) or for a partial one.
     */
    @Test
    void aLengthWhoseTotalOverflowsAnIntIsACorruptBatch() {
        for (int length : new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE - 11}) {
            ByteBuf records = batch(7, 2);
            records.setInt(8, length);
            try {
                CorruptRecordException e = assertThrows(CorruptRecordException.class,
                        () -> RecordBatchReader.batches(records, "t", 0, false), "length " + length);
                assertTrue(e.getMessage().contains("offset 7") && e.getMessage().contains("batch length " + length),
                        e.getMessage());
            } finally {
                records.release();
            }
        }
        ByteBuf partial = batch(7, 2);
        partial.setInt(8, Integer.MAX_VALUE - 12); // 12 more is Integer.MAX_VALUE: a batch longer than what came
        try {
            assertEquals(List.of(), RecordBatchReader.batches(partial, "t", 0, false), "a partial batch at the end");
        } finally {
            partial.release();
        }
    }

    /**
     * A v0/v1 message is shorter than a v2 batch header: it is read by its magic (as an old-format message,
     * {@link LegacyMessageSetsTest}), not judged by its length. This one's CRC is wrong: that is what is named.
     */
    @Test
    void anOldFormatMessageIsReadByItsMagicNotJudgedByItsLength() {
        ByteBuf records = Unpooled.wrappedBuffer(v1Message(9), v1Message(10));
        try {
            CorruptRecordException e = assertThrows(CorruptRecordException.class,
                    () -> RecordBatchReader.batches(records, "legacy", 1, false));
            assertTrue(e.getMessage().contains("legacy-1") && e.getMessage().contains("offset 9")
                    && e.getMessage().contains("CRC mismatch"), e.getMessage());
        } finally {
            records.release();
        }
        // Where only the offset and length came (fewer than 17 bytes), there is no magic to read: a length an
        // old-format message may have is the start of one, cut off; a length below any is corrupt.
        ByteBuf head = v1Message(9).writerIndex(16);
        try {
            assertEquals(List.of(), RecordBatchReader.batches(head, "legacy", 1, false));
            head.setInt(8, LegacyMessageSets.MIN_SIZE_V0 - 1);
            CorruptRecordException e = assertThrows(CorruptRecordException.class,
                    () -> RecordBatchReader.batches(head, "legacy", 1, false));
            assertTrue(e.getMessage().contains("below the header size"), e.getMessage());
        } finally {
            head.release();
        }
    }
}
