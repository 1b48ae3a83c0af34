package dev.skein.serdes;

import dev.skein.serdes.internal.BytesSerde;
import dev.skein.serdes.internal.FixedSizeSerde;
import dev.skein.serdes.internal.ListSerde;
import dev.skein.serdes.internal.StringSerde;

import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * The built-in serdes. Their bytes are those of Apache Kafka's built-in serializers, so topics can
 * be shared with any Java client (and with clients that follow the same encodings):
 *
 * <ul>
 *   <li>numbers: big-endian two's complement ({@code short} 2 bytes, {@code int} 4, {@code long} 8),
 *       IEEE 754 bits for {@code float} (4) and {@code double} (8);</li>
 *   <li>{@code boolean}: one byte, 1 or 0; {@link UUID}: its 36-character string, UTF-8;</li>
 *   <li>strings: the charset's bytes (UTF-8 by default);</li>
 *   <li>lists: Kafka's list layout (KIP-466).</li>
 * </ul>
 *
 * <p>Null handling, for every built-in: a {@code null} value serializes to {@code null} (no bytes: a
 * null key, or a tombstone value) and {@code null} bytes deserialize to {@code null}. A payload of the
 * wrong size for a fixed-size type raises {@link SerializationException}. All built-ins are stateless
 * and thread-safe, and read consumer buffers in place.
 */
public final class Serdes {
    private static final FixedSizeSerde<Short> SHORT = new FixedSizeSerde<>("short", 2, (v, b) -> b.putShort(v), ByteBuffer::getShort);
    private static final FixedSizeSerde<Integer> INT = new FixedSizeSerde<>("int", 4, (v, b) -> b.putInt(v), ByteBuffer::getInt);
    private static final FixedSizeSerde<Long> LONG = new FixedSizeSerde<>("long", 8, (v, b) -> b.putLong(v), ByteBuffer::getLong);
    private static final FixedSizeSerde<Float> FLOAT = new FixedSizeSerde<>("float", 4,
            (v, b) -> b.putInt(Float.floatToRawIntBits(v)), b -> Float.intBitsToFloat(b.getInt()));
    private static final FixedSizeSerde<Double> DOUBLE = new FixedSizeSerde<>("double", 8,
            (v, b) -> b.putLong(Double.doubleToRawLongBits(v)), b -> Double.longBitsToDouble(b.getLong()));
    private static final FixedSizeSerde<Boolean> BOOLEAN = new FixedSizeSerde<>("boolean", 1,
            (v, b) -> b.put((byte) (v ? 1 : 0)), Serdes::readBoolean);
    private static final FixedSizeSerde<UUID> UUID_SERDE = new FixedSizeSerde<>("UUID", 36,
            (v, b) -> b.put(v.toString().getBytes(StandardCharsets.UTF_8)),
            b -> UUID.fromString(StandardCharsets.UTF_8.decode(b).toString()));
    private static final StringSerde UTF8 = new StringSerde(StandardCharsets.UTF_8);

    private Serdes() {}

    /** UTF-8 strings. */
    public static Serde<String> string() {
        return Serde.of(UTF8, UTF8);
    }

    /** Strings in {@code charset}. */
    public static Serde<String> string(Charset charset) {
        StringSerde s = new StringSerde(charset);
        return Serde.of(s, s);
    }

    /** Bytes as they are (no copy either way). */
    public static Serde<byte[]> bytes() {
        return Serde.of(BytesSerde.INSTANCE, BytesSerde.INSTANCE);
    }

    /**
     * {@link ByteBuffer}s: the serializer writes the buffer's remaining bytes (position to limit) and
     * leaves its position alone. (Kafka 4.3's own serializer writes from index 0 to the limit; the two
     * agree for every buffer whose position is 0, such as {@code ByteBuffer.wrap(bytes)} or a flipped buffer.)
     */
    public static Serde<ByteBuffer> byteBuffer() {
        Serializer<ByteBuffer> ser = (v, ctx) -> {
            if (v == null) {
                return null;
            }
            byte[] out = new byte[v.remaining()];
            v.duplicate().get(out);
            return out;
        };
        Deserializer<ByteBuffer> de = new Deserializer<>() {
            @Override
            public ByteBuffer deserialize(byte[] data, SerdeContext context) {
                return data == null ? null : ByteBuffer.wrap(data);
            }
        };
        return Serde.of(ser, de);
    }

    public static Serde<Short> shortSerde() {
        return Serde.of(SHORT, SHORT);
    }

    public static Serde<Integer> integer() {
        return Serde.of(INT, INT);
    }

    public static Serde<Long> longSerde() {
        return Serde.of(LONG, LONG);
    }

    public static Serde<Float> floatSerde() {
        return Serde.of(FLOAT, FLOAT);
    }

    public static Serde<Double> doubleSerde() {
        return Serde.of(DOUBLE, DOUBLE);
    }

    public static Serde<Boolean> bool() {
        return Serde.of(BOOLEAN, BOOLEAN);
    }

    /** UUIDs as their 36-character string form. */
    public static Serde<UUID> uuid() {
        return Serde.of(UUID_SERDE, UUID_SERDE);
    }

    /** For keys or values that are always absent: serializes to null; non-null bytes are an error. */
    public static Serde<Void> voidSerde() {
        return Serde.of((v, ctx) -> null, (d, ctx) -> {
            if (d != null) {
                throw new SerializationException("expected no data for a Void serde, got " + d.length + " bytes", ctx, d, null);
            }
            return null;
        });
    }

    /** Lists of {@code element}, in Kafka's list layout. Null elements are kept. */
    public static <T> Serde<List<T>> listOf(Serde<T> element) {
        ListSerde<T> s = new ListSerde<>(element.serializer(), element.deserializer());
        return Serde.of(s, s);
    }

    private static Boolean readBoolean(ByteBuffer b) {
        byte v = b.get();
        if (v == 1) {
            return Boolean.TRUE;
        }
        if (v == 0) {
            return Boolean.FALSE;
        }
        throw new IllegalArgumentException("a boolean is 0 or 1, was " + v);
    }
}
