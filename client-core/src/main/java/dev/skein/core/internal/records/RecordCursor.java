package dev.skein.core.internal.records;

import dev.skein.core.Header;
import dev.skein.core.errors.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;

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
    private final int leaderEpoch;
    private final int base;
    /** The records as one NIO view (index 0 is {@code base} in {@link #data()}), made at the first {@link #next()}. */
    private ByteBuffer mem;
    /** The next byte of {@link #mem} to decode. */
    private int pos;
    /** {@link #mem}'s limit. */
    private int limit;
    /**
     * The address of {@link #mem}'s first byte when the buffer has one (pooled and kept direct buffers
     * on a JVM with Unsafe), read from directly; 0 to read through {@link #mem}.
     */
    private long address;
    private ByteBuffer keyView;
    private ByteBuffer valueView;
    private int index;
    /** {@link #index} once closed: past any record count. */
    private static final int CLOSED = Integer.MAX_VALUE;
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
        this.leaderEpoch = batch.partitionLeaderEpoch();
        this.base = data.readerIndex();
    }

    /**
     * Moves to the next record.
     *
     * @return false when the batch has no more records
     * @throws dev.skein.core.errors.CorruptRecordException when the record does not decode
     */
    public boolean next() {
        if (index >= count) {
            return false;
        }
        if (mem == null) {
            // One NIO view of the records, decoded by index: a ByteBuf's readByte checks the reference
            // count and the bounds of every wrapping layer on each byte, the consumer's hottest cost.
            mem = data.nioBuffer(base, data.writerIndex() - base);
            limit = mem.limit();
            // Varints read from the address: a direct ByteBuffer's get checks its index and, on JDK 17,
            // the liveness of its memory's scope on every byte. Bounds are checked here, against limit.
            address = data.hasMemoryAddress() && PlatformDependent.hasUnsafe() ? data.memoryAddress() + base : 0;
        }
        try {
            int length = readVarint();
            if (length < 0 || length > limit - pos) {
                throw new ProtocolException("truncated record: needs " + length + " bytes, " + (limit - pos) + " left");
            }
            int end = pos + length;
            pos++; // attributes
            long tsDelta = readVarlong();
            int offsetDelta = readVarint();
            keyLength = readVarint();
            keyIndex = skipBlob(keyLength, end);
            valueLength = readVarint();
            valueIndex = skipBlob(valueLength, end);
            int headerCount = readVarint();
            if (headerCount < 0 || headerCount > end - pos) {
                throw new ProtocolException("header count " + headerCount);
            }
            headers = headerCount == 0 ? Collections.emptyList() : readHeaders(headerCount, end);
            if (pos != end) {
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

    /** Skips a field of {@code len} bytes (none for -1, a null); returns its index in {@link #data()}. */
    private int skipBlob(int len, int end) {
        if (len < 0) {
            return -1;
        }
        if (len > end - pos) {
            throw new ProtocolException("truncated record field: needs " + len + " bytes, " + (end - pos) + " left");
        }
        int at = base + pos;
        pos += len;
        return at;
    }

    private List<Header> readHeaders(int n, int end) {
        List<Header> out = new ArrayList<>(n);
        for (int h = 0; h < n; h++) {
            int klen = readVarint();
            if (klen < 0 || klen > end - pos) {
                throw new ProtocolException("truncated header key: needs " + klen + " bytes, " + (end - pos) + " left");
            }
            byte[] k = new byte[klen];
            mem.get(pos, k);
            pos += klen;
            int vlen = readVarint();
            byte[] v = null;
            if (vlen >= 0) {
                if (vlen > end - pos) {
                    throw new ProtocolException("truncated header value: needs " + vlen + " bytes, " + (end - pos) + " left");
                }
                v = new byte[vlen];
                mem.get(pos, v);
                pos += vlen;
            }
            out.add(new Header(new String(k, StandardCharsets.UTF_8), v));
        }
        return out;
    }

    private byte nextByte() {
        if (pos >= limit) {
            throw new ProtocolException("truncated record: a varint runs past the batch");
        }
        return byteAt(pos++);
    }

    /** The byte at {@code i} (checked against {@link #limit} by the caller). */
    private byte byteAt(int i) {
        return address != 0 ? PlatformDependent.getByte(address + i) : mem.get(i);
    }

    /** Zig-zag signed varint, as record fields use. */
    private int readVarint() {
        // Most record fields take one or two bytes: those are read with one bounds check in all.
        int p = pos;
        if (limit - p >= 2) {
            int b0 = byteAt(p);
            if (b0 >= 0) {
                pos = p + 1;
                return (b0 >>> 1) ^ -(b0 & 1);
            }
            int b1 = byteAt(p + 1);
            if (b1 >= 0) {
                int raw = (b0 & 0x7f) | b1 << 7;
                pos = p + 2;
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        int raw = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            byte b = nextByte();
            raw |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new ProtocolException("varint longer than 5 bytes");
    }

    private long readVarlong() {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            byte b = nextByte();
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new ProtocolException("varlong longer than 10 bytes");
    }

    public long offset() {
        return offset;
    }

    /** The batch's partition leader epoch (read once, not per record from the batch's buffer). */
    public int leaderEpoch() {
        return leaderEpoch;
    }

    public long timestamp() {
        return timestamp;
    }

    /** True when {@link #timestamp()} is the broker's append time (the batch's maximum), not the producer's. */
    public boolean logAppendTime() {
        return appendTime;
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
            keyView = mem.duplicate();
        }
        return position(keyView, keyIndex - base, keyLength);
    }

    /** The value as a view valid until the next {@link #next()} (the same object each time), or null. */
    public ByteBuffer value() {
        if (valueLength < 0) {
            return null;
        }
        if (valueView == null) {
            valueView = mem.duplicate();
        }
        return position(valueView, valueIndex - base, valueLength);
    }

    private static ByteBuffer position(ByteBuffer view, int at, int length) {
        view.limit(view.capacity()).position(at).limit(at + length);
        return view;
    }

    /**
     * A new array holding the key's bytes, or null for a null key: what a deserializer that reads arrays
     * is given. Copied from the buffer's address where it has one, as {@link #next()} reads it: a
     * direct {@code ByteBuffer}'s bulk get checks its memory's scope and the array's type on each call.
     */
    public byte[] copyKey() {
        return keyLength < 0 ? null : copy(keyIndex, keyLength);
    }

    /** A new array holding the value's bytes, or null for a null value (see {@link #copyKey()}). */
    public byte[] copyValue() {
        return valueLength < 0 ? null : copy(valueIndex, valueLength);
    }

    /** The {@code length} bytes at {@code index} of {@link #data()}, checked against the record by {@link #next()}. */
    private byte[] copy(int index, int length) {
        byte[] out = new byte[length];
        if (address != 0) {
            PlatformDependent.copyMemory(address + (index - base), out, 0, length);
        } else {
            mem.get(index - base, out);
        }
        return out;
    }

    /** The key's bytes as a slice of {@link #data()} (not retained), or null. */
    ByteBuf keySlice() {
        return keyLength < 0 ? null : data.slice(keyIndex, keyLength);
    }

    ByteBuf valueSlice() {
        return valueLength < 0 ? null : data.slice(valueIndex, valueLength);
    }

    public ByteBuf data() {
        return data;
    }

    public RecordBatch batch() {
        return batch;
    }

    @Override
    public void close() {
        if (index == CLOSED) {
            return; // once only: a retained slice shares its buffer's count, so a second release would free it under others
        }
        index = CLOSED; // no more records: nothing is read from memory given back
        if (data.refCnt() > 0) {
            data.release();
        }
    }
}
