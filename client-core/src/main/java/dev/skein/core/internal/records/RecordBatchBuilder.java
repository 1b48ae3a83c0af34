package dev.skein.core.internal.records;

import dev.skein.core.Compression;
import dev.skein.core.Header;
import dev.skein.core.internal.protocol.Wire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.internal.PlatformDependent;


/**
 * Builds one record batch (magic 2) directly in a pooled buffer: records are appended already
 * encoded, with no intermediate objects. Uncompressed, they go straight after the reserved 61-byte
 * header; compressed, they are streamed through the codec into the final buffer at {@link #build()}.
 *
 * <p>Not thread-safe. Either {@link #build()} or {@link #release()} must be called exactly once.
 */
public final class RecordBatchBuilder {
    private final Compression compression;
    private final Integer level;
    private final ByteBufAllocator alloc;
    /** The final batch when uncompressed; the records alone when compressed. */
    private ByteBuf buf;
    private final long baseTimestamp;
    private long maxTimestamp = Long.MIN_VALUE;
    private int count;
    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    private int baseSequence = RecordBatch.NO_SEQUENCE;
    private boolean transactional;
    private boolean control;
    private boolean logAppendTime;
    /** Room for a record's varint fields (at most 5 + 1 + 10 + 5 + 5 bytes before the key). */
    private final byte[] scratch = new byte[32];
    /** The batch header and the records so far, uncompressed: kept here, not read from the buffer on every append. */
    private int uncompressedSize = RecordBatch.HEADER_SIZE;

    public RecordBatchBuilder(ByteBufAllocator alloc, Compression compression, long baseTimestamp, int initialCapacity) {
        this(alloc, compression, null, baseTimestamp, initialCapacity);
    }

    /** @param level the codec level, or null for its default (see {@link CompressionCodec#compress}) */
    public RecordBatchBuilder(ByteBufAllocator alloc, Compression compression, Integer level, long baseTimestamp,
                              int initialCapacity) {
        this(alloc, alloc.buffer(Math.max(initialCapacity, RecordBatch.HEADER_SIZE + 64)), compression, level,
                baseTimestamp);
    }

    /**
     * As {@link #RecordBatchBuilder(ByteBufAllocator, Compression, Integer, long, int)}, appending into
     * {@code buffer} (empty), which the builder now owns; {@code alloc} serves the compressed batch.
     */
    public RecordBatchBuilder(ByteBufAllocator alloc, ByteBuf buffer, Compression compression, Integer level,
                              long baseTimestamp) {
        this.alloc = alloc;
        this.compression = compression;
        this.level = level;
        this.baseTimestamp = baseTimestamp;
        this.buf = buffer;
        if (compression == Compression.NONE) {
            buf.writerIndex(RecordBatch.HEADER_SIZE);
        }
    }

    public RecordBatchBuilder producer(long producerId, short producerEpoch, int baseSequence, boolean transactional) {
        this.producerId = producerId;
        this.producerEpoch = producerEpoch;
        this.baseSequence = baseSequence;
        this.transactional = transactional;
        return this;
    }

    /** Marks the batch as a control batch (transaction markers); used by tests and tools. */
    public RecordBatchBuilder control(boolean control) {
        this.control = control;
        return this;
    }

    public RecordBatchBuilder logAppendTime(boolean logAppendTime) {
        this.logAppendTime = logAppendTime;
        return this;
    }

    /** Bytes appended so far, before compression, including the batch header. */
    public int uncompressedSize() {
        return uncompressedSize;
    }

    public int count() {
        return count;
    }

    /** The encoded size of one record with these parts, as {@link #append} will write it. */
    public static int sizeInBatch(int offsetDelta, long timestampDelta, int keyLength, int valueLength,
                                  Header[] headers) {
        int body = bodySize(offsetDelta, timestampDelta, keyLength, valueLength, headers);
        return Wire.sizeOfVarint(body) + body;
    }

    /**
     * Appends a record. Key and value may be null (a tombstone has a null value).
     *
     * @return the record's offset delta within the batch
     */
    public int append(long timestamp, byte[] key, byte[] value, Header[] headers) {
        if (!tryAppend(timestamp, key, value, headers, Integer.MAX_VALUE)) {
            throw new IllegalStateException("unreachable: no size limit");
        }
        return count - 1;
    }

    /**
     * Appends the record unless the batch already holds one and would then exceed {@code limit}
     * bytes (uncompressed, header included). The record's size is computed once, here.
     *
     * @return whether it was appended
     */
    public boolean tryAppend(long timestamp, byte[] key, byte[] value, Header[] headers, int limit) {
        int offsetDelta = count;
        long tsDelta = timestamp - baseTimestamp;
        int keyLen = key == null ? -1 : key.length;
        int valueLen = value == null ? -1 : value.length;
        Header[] hs = headers == null ? NO_HEADERS : headers;
        int body = bodySize(offsetDelta, tsDelta, keyLen, valueLen, hs);
        int size = Wire.sizeOfVarint(body) + body;
        if (count > 0 && (long) uncompressedSize + size > limit) {
            return false;
        }
        buf.ensureWritable(size);
        if (hs.length == 0 && buf.hasMemoryAddress()) {
            appendAt(buf.memoryAddress() + buf.writerIndex(), body, tsDelta, offsetDelta, key, keyLen, value, valueLen, size);
            buf.writerIndex(buf.writerIndex() + size);
        } else {
            appendTo(buf, body, tsDelta, offsetDelta, key, keyLen, value, valueLen, hs);
        }
        uncompressedSize += size;
        maxTimestamp = Math.max(maxTimestamp, timestamp);
        count++;
        return true;
    }

    /**
     * Writes a record without headers straight into the buffer's memory at {@code at}, where
     * {@code size} bytes are writable: the ByteBuf calls of {@link #appendTo} check the buffer's
     * reference count and bounds on each of their four or five writes per record.
     */
    private static void appendAt(long at, int body, long tsDelta, int offsetDelta, byte[] key, int keyLen,
                                 byte[] value, int valueLen, int size) {
        long a = putVarint(at, body);
        PlatformDependent.putByte(a++, (byte) 0); // record attributes: unused
        a = putVarlong(a, tsDelta);
        a = putVarint(a, offsetDelta);
        a = putVarint(a, keyLen);
        if (keyLen > 0) {
            PlatformDependent.copyMemory(key, 0, a, keyLen);
            a += keyLen;
        }
        a = putVarint(a, valueLen);
        if (valueLen > 0) {
            PlatformDependent.copyMemory(value, 0, a, valueLen);
            a += valueLen;
        }
        PlatformDependent.putByte(a++, (byte) 0); // varint 0: no headers
        if (a - at != size) {
            throw new IllegalStateException("record of " + size + " bytes written as " + (a - at));
        }
    }

    private void appendTo(ByteBuf buf, int body, long tsDelta, int offsetDelta, byte[] key, int keyLen,
                          byte[] value, int valueLen, Header[] hs) {
        // The fields before the key, then those between key and value, go through a scratch array:
        // one bounds-checked copy each instead of a check per varint byte.
        byte[] s = scratch;
        int p = putVarint(s, 0, body);
        s[p++] = 0; // record attributes: unused
        p = putVarlong(s, p, tsDelta);
        p = putVarint(s, p, offsetDelta);
        p = putVarint(s, p, keyLen);
        buf.writeBytes(s, 0, p);
        if (key != null) {
            buf.writeBytes(key);
        }
        p = putVarint(s, 0, valueLen);
        buf.writeBytes(s, 0, p);
        if (value != null) {
            buf.writeBytes(value);
        }
        if (hs.length == 0) {
            buf.writeByte(0); // varint 0: no headers
        } else {
            Wire.writeVarint(buf, hs.length);
            for (Header h : hs) {
                int klen = ByteBufUtil.utf8Bytes(h.key());
                Wire.writeVarint(buf, klen);
                ByteBufUtil.reserveAndWriteUtf8(buf, h.key(), klen);
                writeBlob(buf, h.value());
            }
        }
    }

    /** Writes a zigzag varint at address {@code a}; returns the address after it. */
    private static long putVarint(long a, int value) {
        int v = (value << 1) ^ (value >> 31);
        while ((v & ~0x7f) != 0) {
            PlatformDependent.putByte(a++, (byte) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        PlatformDependent.putByte(a++, (byte) v);
        return a;
    }

    private static long putVarlong(long a, long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & ~0x7fL) != 0) {
            PlatformDependent.putByte(a++, (byte) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        PlatformDependent.putByte(a++, (byte) v);
        return a;
    }

    private static final Header[] NO_HEADERS = new Header[0];

    /** Writes a zigzag varint at {@code p}; returns the index after it. */
    private static int putVarint(byte[] b, int p, int value) {
        int v = (value << 1) ^ (value >> 31);
        if ((v & ~0x7f) == 0) { // most offset deltas and lengths
            b[p] = (byte) v;
            return p + 1;
        }
        while ((v & ~0x7f) != 0) {
            b[p++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        b[p++] = (byte) v;
        return p;
    }

    private static int putVarlong(byte[] b, int p, long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & ~0x7fL) != 0) {
            b[p++] = (byte) ((v & 0x7f) | 0x80);
            v >>>= 7;
        }
        b[p++] = (byte) v;
        return p;
    }

    private static int bodySize(int offsetDelta, long tsDelta, int keyLen, int valueLen, Header[] headers) {
        int size = 1 + Wire.sizeOfVarlong(tsDelta) + Wire.sizeOfVarint(offsetDelta)
                + Wire.sizeOfVarint(keyLen) + Math.max(0, keyLen)
                + Wire.sizeOfVarint(valueLen) + Math.max(0, valueLen);
        Header[] hs = headers == null ? NO_HEADERS : headers;
        size += Wire.sizeOfVarint(hs.length);
        for (Header h : hs) {
            int klen = ByteBufUtil.utf8Bytes(h.key());
            int vlen = h.value() == null ? -1 : h.value().length;
            size += Wire.sizeOfVarint(klen) + klen + Wire.sizeOfVarint(vlen) + Math.max(0, vlen);
        }
        return size;
    }

    private static void writeBlob(ByteBuf buf, byte[] b) {
        if (b == null) {
            Wire.writeVarint(buf, -1);
        } else {
            Wire.writeVarint(buf, b.length);
            buf.writeBytes(b);
        }
    }

    /**
     * Finishes the batch: compresses the records if asked, writes the header and its CRC32C.
     * Base offset is 0 (the broker assigns offsets). The caller owns the returned buffer.
     *
     * <p>Whether it returns or throws (a level the codec refuses, no memory for the compressed batch), the
     * records' buffer is no longer the builder's: given away in the result or released, once; a
     * {@link #release()} after it does nothing.
     */
    public ByteBuf build() {
        if (count == 0) {
            throw new IllegalStateException("a record batch needs at least one record");
        }
        ByteBuf records = buf;
        buf = null;
        ByteBuf batch;
        if (compression == Compression.NONE) {
            batch = records;
        } else {
            try {
                batch = alloc.buffer(RecordBatch.HEADER_SIZE + records.readableBytes() / 2 + 64);
                try {
                    batch.writerIndex(RecordBatch.HEADER_SIZE);
                    CompressionCodec.compress(compression, level, records, batch);
                } catch (RuntimeException | Error e) {
                    batch.release();
                    throw e;
                }
            } finally {
                records.release();
            }
        }
        int attributes = compression.id()
                | (logAppendTime ? RecordBatch.TIMESTAMP_TYPE_MASK : 0)
                | (transactional ? RecordBatch.TRANSACTIONAL_MASK : 0)
                | (control ? RecordBatch.CONTROL_MASK : 0);
        int start = batch.readerIndex();
        batch.setLong(start, 0L); // base offset
        batch.setInt(start + 8, batch.writerIndex() - start - 12); // batch length
        batch.setInt(start + 12, -1); // partition leader epoch: set by the broker
        batch.setByte(start + 16, RecordBatch.MAGIC);
        batch.setShort(start + 21, attributes);
        batch.setInt(start + 23, count - 1); // last offset delta
        batch.setLong(start + 27, baseTimestamp);
        batch.setLong(start + 35, maxTimestamp);
        batch.setLong(start + 43, producerId);
        batch.setShort(start + 51, producerEpoch);
        batch.setInt(start + 53, baseSequence);
        batch.setInt(start + 57, count);
        batch.setInt(start + 17, (int) RecordBatch.crc32c(batch, start + 21, batch.writerIndex() - start - 21));
        return batch;
    }

    /**
     * Rewrites the producer id, epoch and base sequence of a built batch in place and recomputes its
     * CRC: an idempotent producer renumbers unacknowledged batches after an epoch bump.
     */
    public static void rewriteProducerState(ByteBuf batch, long producerId, short producerEpoch, int baseSequence) {
        int start = batch.readerIndex();
        batch.setLong(start + 43, producerId);
        batch.setShort(start + 51, producerEpoch);
        batch.setInt(start + 53, baseSequence);
        batch.setInt(start + 17, (int) RecordBatch.crc32c(batch, start + 21, batch.writerIndex() - start - 21));
    }

    /** Gives the buffer back without building (for a batch that will never be sent). */
    public void release() {
        if (buf != null) {
            buf.release();
            buf = null;
        }
    }
}
