package dev.skein.core.internal.records;

import dev.skein.core.errors.CorruptRecordException;
import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a {@code records} field of a fetch response into record batches. A partial batch at the end
 * is legal (the broker cuts responses at the size limit) and is skipped; anything else that does
 * not look like a magic-2 batch is a {@link CorruptRecordException} naming topic, partition and offset.
 * Messages in the formats before Kafka 0.11 (magic 0 and 1) are converted to equivalent magic-2
 * batches by {@link LegacyMessageSets}, their CRC32s verified then.
 */
public final class RecordBatchReader {
    private RecordBatchReader() {}

    /**
     * The batches of one {@code records} field as far as they could be framed: {@link #batches} in order,
     * then, when framing stopped at a batch that is not one (bad length or magic), {@link #error} naming
     * it. The bytes after such a batch cannot be framed, so nothing after it is listed.
     *
     * @param batches the well-framed batches before the error (or all of them), as views (not retained)
     * @param error   the framing error at the first bad batch, or null when every complete batch framed
     */
    public record Framed(List<RecordBatch> batches, CorruptRecordException error) {}

    /**
     * The complete batches in {@code records}, as views (slices, not retained) of it.
     *
     * @param checkCrc verify each batch's CRC32C before returning it
     * @throws CorruptRecordException at the first batch that fails its CRC (with {@code checkCrc}) or does
     *                                not frame, losing the good batches before it: a reader that hands
     *                                those out first uses {@link #frame}
     */
    public static List<RecordBatch> batches(ByteBuf records, String topic, int partition, boolean checkCrc) {
        Framed framed = frame(records, topic, partition);
        if (checkCrc) {
            for (RecordBatch batch : framed.batches()) {
                batch.verifyCrc();
            }
        }
        if (framed.error() != null) {
            throw framed.error();
        }
        return framed.batches();
    }

    /**
     * Whether {@code records} starts with a message in a format before Kafka 0.11 (magic 0 or 1), which
     * {@link #frame} converts (decompressing, checking and copying it), so a caller that must not do such work
     * where it frames (an event loop) leaves those records to another thread. A log holds the old formats
     * before the new, so a records field that starts in magic 2 is all magic 2 but where a topic's format was
     * lowered again.
     */
    public static boolean startsWithOldFormat(ByteBuf records) {
        int pos = records == null ? 0 : records.readerIndex();
        return records != null && records.writerIndex() - pos > RecordBatch.MAGIC_OFFSET
                && LegacyMessageSets.isLegacy(records.getByte(pos + RecordBatch.MAGIC_OFFSET));
    }

    /**
     * Frames the batches of {@code records} (views, not retained), stopping at the first one that does
     * not frame: its error is returned, not thrown, so the good batches before it can still be read and
     * the error raised when the reader reaches that batch (as a CRC failure is). The work is per batch:
     * a length, a magic byte and a slice. CRCs are not checked, but for old-format messages (magic 0
     * and 1), which are decompressed, checked and converted here to unpooled magic-2 batches (nobody
     * releases them); a corrupt one is the framing error. That work is not per batch: see
     * {@link #startsWithOldFormat}.
     */
    public static Framed frame(ByteBuf records, String topic, int partition) {
        List<RecordBatch> out = new ArrayList<>();
        if (records == null) {
            return new Framed(out, null);
        }
        int pos = records.readerIndex();
        int end = records.writerIndex();
        while (end - pos >= RecordBatch.LOG_OVERHEAD) {
            long baseOffset = records.getLong(pos);
            int length = records.getInt(pos + 8);
            // The magic first where it is there to read (it is at the same place in the v0/v1 message
            // format): an old-format message is shorter than a v2 header, and its length would be blamed.
            if (end - pos > RecordBatch.MAGIC_OFFSET) {
                byte magic = records.getByte(pos + RecordBatch.MAGIC_OFFSET);
                if (magic != RecordBatch.MAGIC) {
                    if (!LegacyMessageSets.isLegacy(magic)) {
                        return new Framed(out, new CorruptRecordException("record batch in " + topic + "-" + partition
                                + " at offset " + baseOffset + " has magic " + magic
                                + "; only magic 0 and 1 (before Kafka 0.11) and 2 are known", null, false));
                    }
                    // Old-format messages (rare: only logs written before 0.11 hold them), converted to batches.
                    int next;
                    try {
                        next = LegacyMessageSets.convert(records, pos, end, topic, partition, out);
                    } catch (CorruptRecordException e) {
                        return new Framed(out, e);
                    }
                    if (next == pos) {
                        break; // a partial message at the end
                    }
                    pos = next;
                    continue;
                }
            } else if (length >= LegacyMessageSets.MIN_SIZE_V0) {
                break; // the start of a batch or old-format message, cut before its magic: partial
            }
            if (length < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD) {
                return new Framed(out, new CorruptRecordException("corrupt record batch in " + topic + "-" + partition
                        + " at offset " + baseOffset + ": batch length " + length + " is below the header size", null, false));
            }
            if (length > Integer.MAX_VALUE - RecordBatch.LOG_OVERHEAD) {
                // LOG_OVERHEAD + length would wrap to a negative total: no records field can hold it.
                return new Framed(out, new CorruptRecordException("corrupt record batch in " + topic + "-" + partition
                        + " at offset " + baseOffset + ": batch length " + length + " is beyond any batch's", null, false));
            }
            int total = RecordBatch.LOG_OVERHEAD + length;
            if (end - pos < total) {
                break; // a partial batch at the end: the rest comes with the next fetch
            }
            out.add(new RecordBatch(records.slice(pos, total), topic, partition));
            pos += total;
        }
        return new Framed(out, null);
    }
}
