package dev.skein.core.internal.record;

import dev.skein.core.Header;
import dev.skein.core.ProtocolException;
import dev.skein.core.internal.protocol.Wire;
import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Walks the records of one batch without an object per record: {@link #next()} decodes the next
 * record's fields in place, and {@link #key()} and {@link #value()} hand out the same two buffer views
 * repositioned on it. The hot path of the consumer; {@link RecordBatch#records} is built on it.
 *
 * <p>Owns {@link #data()} (the decompressed records, or a retained slice of the batch): {@link #close()}
 * releases it, after which nothing read from the views may be used.
 */
public final class RecordCursor implements AutoCloseable {
    private final RecordBatch batch;
    private final ByteBuf data;
    private final int count;
    private final long baseOffset;
    private final long baseTimestamp;
    private final boolean appendTime;
    private final long maxTimestamp;
    private final int base;
    private ByteBuffer keyView;
    private ByteBuffer valueView;
    private int index;
    private long offset;
    private long timestamp;
    private int keyIndex;
    private int keyLength;
    private int valueIndex;
    private int valueLength;
    private List<Header> headers;

    RecordCursor(RecordBatch batch, ByteBuf data) {
        this.batch = batch;
        this.data = data;
        this.count = batch.recordCount();
        if (count < 0 || count > data.readableBytes()) {
            data.release();
            throw batch.corrupt("record count " + count + " does not fit in " + data.readableBytes() + " bytes", null);
        }
        this.baseOffset = batch.baseOffset();
        this.baseTimestamp = batch.baseTimestamp();
        this.appendTime = batch.isLogAppendTime();
        this.maxTimestamp = batch.maxTimestamp();
        this.base = data.readerIndex();
    }

    /**
     * Moves to the next record.
     *
     * @return false when the batch has no more records
     * @throws dev.skein.core.CorruptRecordException when the record does not decode
     */
    public boolean next() {
        if (index >= count) {
            return false;
        }
        try {
            int length = Wire.readVarint(data);
            Wire.ensure(data, length, "record");
            int end = data.readerIndex() + length;
            data.skipBytes(1); // attributes
            long tsDelta = Wire.readVarlong(data);
            int offsetDelta = Wire.readVarint(data);
            keyLength = Wire.readVarint(data);
            keyIndex = skipBlob(keyLength);
            valueLength = Wire.readVarint(data);
            valueIndex = skipBlob(valueLength);
            int headerCount = Wire.readVarint(data);
            if (headerCount < 0 || headerCount > data.readableBytes()) {
                throw new ProtocolException("header count " + headerCount);
            }
            headers = headerCount == 0 ? Collections.emptyList() : readHeaders(headerCount);
            if (data.readerIndex() != end) {
                throw new ProtocolException("record length " + length + " does not match its content");
            }
            offset = baseOffset + offsetDelta;
            timestamp = appendTime ? maxTimestamp : baseTimestamp + tsDelta;
            index++;
            return true;
        } catch (ProtocolException e) {
            throw batch.corrupt("malformed record: " + e.getMessage(), e);
        }
    }

    private int skipBlob(int len) {
        if (len < 0) {
            return -1;
        }
        Wire.ensure(data, len, "record field");
        int at = data.readerIndex();
        data.skipBytes(len);
        return at;
    }

    private List<Header> readHeaders(int n) {
        List<Header> out = new ArrayList<>(n);
        for (int h = 0; h < n; h++) {
            int klen = Wire.readVarint(data);
            Wire.ensure(data, klen, "header key");
            String k = data.toString(data.readerIndex(), klen, StandardCharsets.UTF_8);
            data.skipBytes(klen);
            int vlen = Wire.readVarint(data);
            byte[] v = null;
            if (vlen >= 0) {
                Wire.ensure(data, vlen, "header value");
                v = new byte[vlen];
                data.readBytes(v);
            }
            out.add(new Header(k, v));
        }
        return out;
    }

    public long offset() {
        return offset;
    }

    public long timestamp() {
        return timestamp;
    }

    public List<Header> headers() {
        return headers;
    }

    /** Key length in bytes, or -1 for a null key. */
    public int keyLength() {
        return keyLength;
    }

    public int valueLength() {
        return valueLength;
    }

    /** The key as a view valid until the next {@link #next()} (the same object each time), or null. */
    public ByteBuffer key() {
        if (keyLength < 0) {
            return null;
        }
        if (keyView == null) {
            keyView = data.nioBuffer(base, data.writerIndex() - base);
        }
        return position(keyView, keyIndex - base, keyLength);
    }

    /** The value as a view valid until the next {@link #next()} (the same object each time), or null. */
    public ByteBuffer value() {
        if (valueLength < 0) {
            return null;
        }
        if (valueView == null) {
            valueView = data.nioBuffer(base, data.writerIndex() - base);
        }
        return position(valueView, valueIndex - base, valueLength);
    }

    private static ByteBuffer position(ByteBuffer view, int at, int length) {
        view.limit(view.capacity()).position(at).limit(at + length);
        return view;
    }

    /** The key's bytes as a slice of {@link #data()} (not retained), or null. */
    ByteBuf keySlice() {
        return keyLength < 0 ? null : data.slice(keyIndex, keyLength);
    }

    ByteBuf valueSlice() {
        return valueLength < 0 ? null : data.slice(valueIndex, valueLength);
    }

    /** A copy of the key's bytes (for error reports), or null. */
    public byte[] keyBytes() {
        return keyLength < 0 ? null : io.netty.buffer.ByteBufUtil.getBytes(data, keyIndex, keyLength);
    }

    public byte[] valueBytes() {
        return valueLength < 0 ? null : io.netty.buffer.ByteBufUtil.getBytes(data, valueIndex, valueLength);
    }

    public ByteBuf data() {
        return data;
    }

    public RecordBatch batch() {
        return batch;
    }

    @Override
    public void close() {
        if (data.refCnt() > 0) {
            data.release();
        }
    }
}
