package dev.skein.core.internal.protocol;

import dev.skein.core.errors.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The protocol's primitive types on Netty buffers: fixed-width integers, (unsigned) varints,
 * strings, bytes, records and array lengths, in their classic and compact (flexible) forms.
 *
 * <p>Every read checks that the bytes it needs are there and that a length read from the wire is
 * within what remains, before anything is allocated: malformed input raises
 * {@link ProtocolException}, never {@code IndexOutOfBoundsException} or an outsized allocation.
 */
public final class Wire {
    public static final byte[] EMPTY_BYTES = new byte[0];
    public static final UUID ZERO_UUID = new UUID(0L, 0L);

    private Wire() {}

    // ---- fixed width ----

    public static void ensure(ByteBuf buf, int n, String what) {
        if (n < 0 || buf.readableBytes() < n) {
            throw new ProtocolException("truncated " + what + ": needs " + n + " bytes, " + buf.readableBytes() + " left");
        }
    }

    public static boolean readBool(ByteBuf buf) {
        ensure(buf, 1, "bool");
        return buf.readByte() != 0;
    }

    public static byte readInt8(ByteBuf buf) {
        ensure(buf, 1, "int8");
        return buf.readByte();
    }

    public static short readInt16(ByteBuf buf) {
        ensure(buf, 2, "int16");
        return buf.readShort();
    }

    public static int readUint16(ByteBuf buf) {
        ensure(buf, 2, "uint16");
        return buf.readUnsignedShort();
    }

    public static int readInt32(ByteBuf buf) {
        ensure(buf, 4, "int32");
        return buf.readInt();
    }

    public static long readUint32(ByteBuf buf) {
        ensure(buf, 4, "uint32");
        return buf.readUnsignedInt();
    }

    public static long readInt64(ByteBuf buf) {
        ensure(buf, 8, "int64");
        return buf.readLong();
    }

    public static double readFloat64(ByteBuf buf) {
        ensure(buf, 8, "float64");
        return buf.readDouble();
    }

    public static UUID readUuid(ByteBuf buf) {
        ensure(buf, 16, "uuid");
        return new UUID(buf.readLong(), buf.readLong());
    }

    public static void writeUuid(ByteBuf buf, UUID uuid) {
        UUID u = uuid == null ? ZERO_UUID : uuid;
        buf.writeLong(u.getMostSignificantBits());
        buf.writeLong(u.getLeastSignificantBits());
    }

    // ---- varints ----

    public static int readUnsignedVarint(ByteBuf buf) {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            ensure(buf, 1, "varint");
            byte b = buf.readByte();
            value |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new ProtocolException("varint longer than 5 bytes");
    }

    public static void writeUnsignedVarint(ByteBuf buf, int value) {
        while ((value & ~0x7f) != 0) {
            buf.writeByte((value & 0x7f) | 0x80);
            value >>>= 7;
        }
        buf.writeByte(value);
    }

    public static int sizeOfUnsignedVarint(int value) {
        // 7 bits per byte: ceil(significant bits / 7), and one byte for 0 (the last term).
        int leading = Integer.numberOfLeadingZeros(value);
        return (38 - leading) / 7 + (leading >>> 5);
    }

    public static long readUnsignedVarlong(ByteBuf buf) {
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            ensure(buf, 1, "varlong");
            byte b = buf.readByte();
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new ProtocolException("varlong longer than 10 bytes");
    }

    /** Zig-zag signed varint, as record fields use. */
    public static int readVarint(ByteBuf buf) {
        int raw = readUnsignedVarint(buf);
        return (raw >>> 1) ^ -(raw & 1);
    }

    public static void writeVarint(ByteBuf buf, int value) {
        writeUnsignedVarint(buf, (value << 1) ^ (value >> 31));
    }

    public static int sizeOfVarint(int value) {
        return sizeOfUnsignedVarint((value << 1) ^ (value >> 31));
    }

    public static long readVarlong(ByteBuf buf) {
        long raw = readUnsignedVarlong(buf);
        return (raw >>> 1) ^ -(raw & 1);
    }

    public static void writeVarlong(ByteBuf buf, long value) {
        long v = (value << 1) ^ (value >> 63);
        while ((v & ~0x7fL) != 0) {
            buf.writeByte((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        buf.writeByte((int) v);
    }

    public static int sizeOfVarlong(long value) {
        long v = (value << 1) ^ (value >> 63);
        int leading = Long.numberOfLeadingZeros(v);
        return (70 - leading) / 7 + (leading >>> 6);
    }

    // ---- lengths ----

    /**
     * Reads a length prefix: int16 (strings) or int32 (bytes, arrays) in classic encoding, unsigned
     * varint plus one in compact encoding. Returns -1 for null, after checking nullability.
     */
    private static int readLength(ByteBuf buf, boolean compact, boolean wide, boolean nullable, String field) {
        int len;
        if (compact) {
            len = readUnsignedVarint(buf) - 1;
        } else {
            len = wide ? readInt32(buf) : readInt16(buf);
        }
        if (len < -1) {
            throw new ProtocolException("negative length " + len + " for field " + field);
        }
        if (len == -1 && !nullable) {
            throw new ProtocolException("null for non-nullable field " + field);
        }
        return len;
    }

    public static int readArrayLength(ByteBuf buf, boolean compact, boolean nullable, String field) {
        int n = readLength(buf, compact, true, nullable, field);
        // Every element takes at least one byte: a count beyond the remaining bytes is a lie.
        if (n > buf.readableBytes()) {
            throw new ProtocolException("array " + field + " claims " + n + " elements, only "
                    + buf.readableBytes() + " bytes left");
        }
        return n;
    }

    public static void writeArrayLength(ByteBuf buf, int n, boolean compact, boolean nullable, String field) {
        if (n < 0) {
            requireNullable(nullable, field);
        }
        if (compact) {
            writeUnsignedVarint(buf, n + 1);
        } else {
            buf.writeInt(n);
        }
    }

    // ---- strings, bytes, records ----

    public static String readString(ByteBuf buf, boolean compact, boolean nullable, String field) {
        int len = readLength(buf, compact, false, nullable, field);
        if (len < 0) {
            return null;
        }
        ensure(buf, len, "string " + field);
        String s = buf.toString(buf.readerIndex(), len, StandardCharsets.UTF_8);
        buf.skipBytes(len);
        return s;
    }

    public static void writeString(ByteBuf buf, String s, boolean compact, boolean nullable, String field) {
        if (s == null) {
            requireNullable(nullable, field);
            if (compact) {
                buf.writeByte(0);
            } else {
                buf.writeShort(-1);
            }
            return;
        }
        int len = ByteBufUtil.utf8Bytes(s);
        if (compact) {
            writeUnsignedVarint(buf, len + 1);
        } else {
            if (len > Short.MAX_VALUE) {
                throw new IllegalArgumentException("string field " + field + " is " + len + " bytes, over 32767");
            }
            buf.writeShort(len);
        }
        ByteBufUtil.reserveAndWriteUtf8(buf, s, len);
    }

    public static byte[] readBytes(ByteBuf buf, boolean compact, boolean nullable, String field) {
        int len = readLength(buf, compact, true, nullable, field);
        if (len < 0) {
            return null;
        }
        ensure(buf, len, "bytes " + field);
        byte[] out = new byte[len];
        buf.readBytes(out);
        return out;
    }

    public static void writeBytes(ByteBuf buf, byte[] b, boolean compact, boolean nullable, String field) {
        if (b == null) {
            requireNullable(nullable, field);
            writeNullLength(buf, compact);
            return;
        }
        writeLength(buf, b.length, compact);
        buf.writeBytes(b);
    }

    /**
     * Reads a {@code records} field as a retained slice of {@code buf}: no copy. Within
     * {@link #releasingRecordsOnFailure}, the slice is noted so that a decode failing later releases it.
     */
    public static ByteBuf readRecords(ByteBuf buf, boolean compact, boolean nullable, String field) {
        int len = readLength(buf, compact, true, nullable, field);
        if (len < 0) {
            return null;
        }
        ensure(buf, len, "records " + field);
        ByteBuf records = buf.readRetainedSlice(len);
        List<ByteBuf> taken = RECORDS_TAKEN.get();
        if (taken != null) {
            taken.add(records);
        }
        return records;
    }

    /** The records slices taken by the decode running on this thread in {@link #releasingRecordsOnFailure}, or null. */
    private static final ThreadLocal<List<ByteBuf>> RECORDS_TAKEN = new ThreadLocal<>();

    /**
     * Runs {@code decode} and returns its message; if it throws, first releases every records slice it
     * took ({@link #readRecords}). A generated decoder attaches a list to its parent only once the list
     * is whole, so after a failure those slices are out of reach of {@code releaseRecords()}, and each
     * would hold the response's whole frame for good (Netty's rule: whoever retains, releases).
     */
    public static <T> T releasingRecordsOnFailure(Supplier<T> decode) {
        List<ByteBuf> outer = RECORDS_TAKEN.get();
        List<ByteBuf> taken = new ArrayList<>();
        RECORDS_TAKEN.set(taken);
        try {
            return decode.get();
        } catch (RuntimeException | Error e) {
            for (ByteBuf records : taken) {
                records.release();
            }
            throw e;
        } finally {
            RECORDS_TAKEN.set(outer);
        }
    }

    public static void writeRecords(ByteBuf buf, ByteBuf records, boolean compact, boolean nullable, String field) {
        if (records == null) {
            requireNullable(nullable, field);
            writeNullLength(buf, compact);
            return;
        }
        writeLength(buf, records.readableBytes(), compact);
        buf.writeBytes(records, records.readerIndex(), records.readableBytes());
    }

    private static void writeLength(ByteBuf buf, int len, boolean compact) {
        if (compact) {
            writeUnsignedVarint(buf, len + 1);
        } else {
            buf.writeInt(len);
        }
    }

    private static void writeNullLength(ByteBuf buf, boolean compact) {
        if (compact) {
            buf.writeByte(0);
        } else {
            buf.writeInt(-1);
        }
    }

    // ---- checks and descriptions ----

    public static void requireNonNull(Object value, String field) {
        if (value == null) {
            throw new IllegalArgumentException("field " + field + " must not be null");
        }
    }

    private static void requireNullable(boolean nullable, String field) {
        if (!nullable) {
            throw new IllegalArgumentException("field " + field + " is null but not nullable at this version");
        }
    }

    public static void checkTaggedEnd(ByteBuf buf, int end, int tag) {
        if (buf.readerIndex() != end) {
            throw new ProtocolException("tagged field " + tag + " did not end at its declared size");
        }
    }

    public static String describe(byte[] b) {
        return b == null ? "null" : "byte[" + b.length + "]";
    }

    public static String describe(ByteBuf b) {
        return b == null ? "null" : "records[" + b.readableBytes() + " bytes]";
    }
}
