package dev.skein.serdes.internal;

import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.SerializationException;

import java.io.ByteArrayOutputStream;

/**
 * The Schema Registry wire format shared by the Avro, JSON Schema and Protobuf serdes, as Confluent
 * documents it (docs.confluent.io, "Schema Registry serdes: wire format"): byte 0 is the magic byte 0,
 * bytes 1-4 the schema id (big-endian), then the payload. For Protobuf only, a message-index list sits
 * between the id and the payload: a varint count followed by that many varint indexes, every varint
 * zig-zag encoded (the same encoding as protobuf's {@code sint32}); the common list {@code [0]} (the
 * first message of the file) is written as the single byte 0, which a reader sees as an empty list.
 */
public final class WireFormat {
    public static final byte MAGIC = 0;
    public static final int HEADER = 5;

    private WireFormat() {}

    /** A stream that already holds the magic byte and the schema id. */
    public static ByteArrayOutputStream header(int id, int sizeHint) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(16, sizeHint + HEADER));
        out.write(MAGIC);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        return out;
    }

    /** Checks the magic byte and the length, and returns the schema id. */
    public static int schemaId(byte[] data, SerdeContext ctx, String format) {
        if (data.length < HEADER) {
            throw new SerializationException("payload of " + data.length + " bytes is too short for the Schema Registry"
                    + " wire format (magic byte, 4-byte schema id, " + format + " data)", ctx, data, null);
        }
        if (data[0] != MAGIC) {
            throw new SerializationException(String.format("unknown magic byte 0x%02x; expected 0x00 (Schema Registry"
                    + " wire format)", data[0]), ctx, data, null);
        }
        return ((data[1] & 0xff) << 24) | ((data[2] & 0xff) << 16) | ((data[3] & 0xff) << 8) | (data[4] & 0xff);
    }

    /** Writes a Protobuf message-index list; {@code [0]} becomes the single byte 0. */
    public static void writeMessageIndexes(int[] indexes, ByteArrayOutputStream out) {
        if (indexes.length == 1 && indexes[0] == 0) {
            out.write(0);
            return;
        }
        writeZigZag(indexes.length, out);
        for (int i : indexes) {
            writeZigZag(i, out);
        }
    }

    /**
     * Reads a message-index list starting at {@code pos[0]} and advances {@code pos[0]} past it. An
     * empty list (the single byte 0) means {@code [0]}.
     */
    public static int[] readMessageIndexes(byte[] data, int[] pos, SerdeContext ctx) {
        int count = readZigZag(data, pos, ctx);
        if (count == 0) {
            return new int[] {0};
        }
        if (count < 0 || count > data.length - pos[0]) {
            throw new SerializationException("bad Protobuf message-index count " + count + " after the schema id",
                    ctx, data, null);
        }
        int[] indexes = new int[count];
        for (int i = 0; i < count; i++) {
            indexes[i] = readZigZag(data, pos, ctx);
            if (indexes[i] < 0) {
                throw new SerializationException("negative Protobuf message index " + indexes[i], ctx, data, null);
            }
        }
        return indexes;
    }

    private static void writeZigZag(int v, ByteArrayOutputStream out) {
        int z = (v << 1) ^ (v >> 31);
        while ((z & ~0x7f) != 0) {
            out.write((z & 0x7f) | 0x80);
            z >>>= 7;
        }
        out.write(z);
    }

    private static int readZigZag(byte[] data, int[] pos, SerdeContext ctx) {
        int z = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (pos[0] >= data.length) {
                throw new SerializationException("truncated Protobuf message-index list", ctx, data, null);
            }
            byte b = data[pos[0]++];
            z |= (b & 0x7f) << shift;
            if (b >= 0) {
                return (z >>> 1) ^ -(z & 1);
            }
        }
        throw new SerializationException("malformed varint in the Protobuf message-index list", ctx, data, null);
    }
}
