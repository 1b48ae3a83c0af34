package dev.skein.core.internal.records;

import dev.skein.core.Compression;
import dev.skein.core.errors.CorruptRecordException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/**
 * A read-only view of one record batch (magic 2) inside a fetched buffer. The header is read in
 * place; {@link #records} decompresses (bounded) and decodes the records.
 *
 * <pre>
 * baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
 * attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
 * producerId int64 | producerEpoch int16 | baseSequence int32 | recordCount int32 | records...
 * </pre>
 * The CRC32C covers everything from the attributes to the end of the batch.
 */
public final class RecordBatch {
    public static final int HEADER_SIZE = 61;
    /** Offset + length: the part before the length-counted rest. */
    public static final int LOG_OVERHEAD = 12;
    public static final byte MAGIC = 2;
    /** Where the magic byte is, in this format and in the v0/v1 message format alike. */
    public static final int MAGIC_OFFSET = 16;
    public static final int COMPRESSION_MASK = 0x07;
    public static final int TIMESTAMP_TYPE_MASK = 0x08;
    public static final int TRANSACTIONAL_MASK = 0x10;
    public static final int CONTROL_MASK = 0x20;
    public static final long NO_PRODUCER_ID = -1L;
    public static final short NO_PRODUCER_EPOCH = -1;
    public static final int NO_SEQUENCE = -1;

    private final ByteBuf buf;
    private final String topic;
    private final int partition;

    RecordBatch(ByteBuf batch, String topic, int partition) {
        this.buf = batch;
        this.topic = topic;
        this.partition = partition;
    }

    /** The batch's bytes (a slice of the fetched buffer; not retained). */
    public ByteBuf buffer() {
        return buf;
    }

    public long baseOffset() { return buf.getLong(0); }

    public int sizeInBytes() { return buf.readableBytes(); }

    public int partitionLeaderEpoch() { return buf.getInt(12); }

    public byte magic() { return buf.getByte(MAGIC_OFFSET); }

    public long storedCrc() { return buf.getUnsignedInt(17); }

    public short attributes() { return buf.getShort(21); }

    public int lastOffsetDelta() { return buf.getInt(23); }

    public long lastOffset() { return baseOffset() + lastOffsetDelta(); }

    /** The offset after this batch: where a consumer continues. */
    public long nextOffset() { return lastOffset() + 1; }

    public long baseTimestamp() { return buf.getLong(27); }

    public long maxTimestamp() { return buf.getLong(35); }

    public long producerId() { return buf.getLong(43); }

    public short producerEpoch() { return buf.getShort(51); }

    public int baseSequence() { return buf.getInt(53); }

    public int recordCount() { return buf.getInt(57); }

    /** @throws CorruptRecordException naming partition and offset when the codec id is none Kafka defines */
    public Compression compression() {
        int id = attributes() & COMPRESSION_MASK;
        for (Compression c : Compression.values()) {
            if (c.id() == id) {
                return c;
            }
        }
        throw corrupt("unknown compression codec id " + id, null);
    }

    public boolean isTransactional() { return (attributes() & TRANSACTIONAL_MASK) != 0; }

    public boolean isControl() { return (attributes() & CONTROL_MASK) != 0; }

    /** True when timestamps are the broker's log-append time rather than the producer's create time. */
    public boolean isLogAppendTime() { return (attributes() & TIMESTAMP_TYPE_MASK) != 0; }

    public boolean crcMatches() {
        return storedCrc() == crc32c(buf, 21, buf.readableBytes() - 21);
    }

    /** @throws CorruptRecordException naming topic, partition and offset when the CRC does not match */
    public void verifyCrc() {
        if (!crcMatches()) {
            throw corrupt("CRC mismatch (stored " + Long.toHexString(storedCrc()) + ", computed "
                    + Long.toHexString(crc32c(buf, 21, buf.readableBytes() - 21)) + ")", null);
        }
    }

    /**
     * A cursor over the batch's records, decompressing them first (at most {@code maxDecompressed}
     * bytes). The caller closes it.
     *
     * @throws CorruptRecordException when the records do not decompress
     * @throws dev.skein.core.errors.RecordTooLargeException when they decompress to more than {@code maxDecompressed}
     *         (the message names topic, partition, offset and the bound)
     */
    public RecordCursor cursor(ByteBufAllocator alloc, int maxDecompressed) {
        return new RecordCursor(this, compression() == Compression.NONE ? body().retain() : decompress(alloc, maxDecompressed));
    }

    /**
     * The records of a compressed batch, decompressed into a new pooled buffer the caller owns (at
     * most {@code maxDecompressed} bytes), to be read later through {@link #cursor(ByteBuf)}. Safe to
     * call from any thread while the batch's buffer is retained: it moves no index of it.
     *
     * @throws CorruptRecordException when the records do not decompress
     * @throws dev.skein.core.errors.RecordTooLargeException when they decompress to more than {@code maxDecompressed}
     * @throws IllegalStateException when the batch is not compressed
     */
    public ByteBuf decompress(ByteBufAllocator alloc, int maxDecompressed) {
        Compression c = compression();
        if (c == Compression.NONE) {
            throw new IllegalStateException("batch at offset " + baseOffset() + " is not compressed");
        }
        return CompressionCodec.decompress(c, body(), alloc, maxDecompressed, where());
    }

    /** A cursor over records {@link #decompress decompressed} earlier; it owns {@code decompressed} from here on. */
    public RecordCursor cursor(ByteBuf decompressed) {
        return new RecordCursor(this, decompressed);
    }

    private ByteBuf body() {
        return buf.slice(HEADER_SIZE, buf.readableBytes() - HEADER_SIZE);
    }

    /**
     * Decodes every record of the batch. The returned list's key and value slices point into
     * {@code holder[0]}, a buffer the caller must release (the decompressed records, or a retained
     * slice of this batch when uncompressed).
     *
     * @throws CorruptRecordException when the records do not decode
     * @throws dev.skein.core.errors.RecordTooLargeException when they decompress beyond {@code maxDecompressed}
     */
    public List<Record> records(ByteBufAllocator alloc, int maxDecompressed, ByteBuf[] holder) {
        RecordCursor cursor = cursor(alloc, maxDecompressed);
        holder[0] = cursor.data();
        List<Record> out = new ArrayList<>(recordCount());
        while (cursor.next()) {
            out.add(new Record(cursor.offset(), cursor.timestamp(), cursor.keySlice(), cursor.valueSlice(), cursor.headers()));
        }
        return out;
    }

    CorruptRecordException corrupt(String what, Throwable cause) {
        return new CorruptRecordException("corrupt " + where() + ": " + what, cause, false);
    }

    private String where() {
        return "record batch in " + topic + "-" + partition + " at offset " + baseOffset();
    }

    static long crc32c(ByteBuf buf, int index, int length) {
        return checksum(new CRC32C(), buf, index, length);
    }

    /** {@code crc} (fresh) over {@code length} bytes of {@code buf} from {@code index}: CRC32C here, CRC32 for magic 0 and 1. */
    static long checksum(Checksum crc, ByteBuf buf, int index, int length) {
        if (buf.nioBufferCount() == 1) {
            crc.update(buf.nioBuffer(index, length));
        } else {
            byte[] copy = new byte[length];
            buf.getBytes(index, copy);
            crc.update(copy);
        }
        return crc.getValue();
    }
}
