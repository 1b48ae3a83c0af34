package dev.skein.core.internal.records;

import dev.skein.core.errors.CorruptRecordException;
import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a {@code records} field of a fetch response into record batches. A partial batch at the end
 * is legal (the broker cuts responses at the size limit) and is skipped; anything else that does
 * not look like a magic-2 batch is a {@link CorruptRecordException} naming topic, partition and offset.
 */
public final class RecordBatchReader {
    private RecordBatchReader() {}

    /**
     * The complete batches in {@code records}, as views (slices, not retained) of it.
     *
     * @param checkCrc verify each batch's CRC32C before returning it
     */
    public static List<RecordBatch> batches(ByteBuf records, String topic, int partition, boolean checkCrc) {
        List<RecordBatch> out = new ArrayList<>();
        if (records == null) {
            return out;
        }
        int pos = records.readerIndex();
        int end = records.writerIndex();
        while (end - pos >= RecordBatch.LOG_OVERHEAD) {
            long baseOffset = records.getLong(pos);
            int length = records.getInt(pos + 8);
            if (length < RecordBatch.HEADER_SIZE - RecordBatch.LOG_OVERHEAD) {
                throw new CorruptRecordException("corrupt record batch in " + topic + "-" + partition + " at offset "
                        + baseOffset + ": batch length " + length + " is below the header size", null, false);
            }
            int total = RecordBatch.LOG_OVERHEAD + length;
            if (end - pos < total) {
                break; // a partial batch at the end: the rest comes with the next fetch
            }
            byte magic = records.getByte(pos + 16);
            if (magic != RecordBatch.MAGIC) {
                throw new CorruptRecordException("record batch in " + topic + "-" + partition + " at offset "
                        + baseOffset + " has magic " + magic + "; only magic 2 (Kafka 0.11+) is supported", null, false);
            }
            RecordBatch batch = new RecordBatch(records.slice(pos, total), topic, partition);
            if (checkCrc) {
                batch.verifyCrc();
            }
            out.add(batch);
            pos += total;
        }
        return out;
    }
}
