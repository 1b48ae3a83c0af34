package dev.skein.serdes.internal;

import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.Serializer;
import dev.skein.serdes.SerializationException;

import java.nio.ByteBuffer;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A value of a fixed encoded size: short, int, long, float, double (big-endian, as Kafka's built-in
 * serializers write them), boolean (one byte), UUID (its 36-character string form, as Kafka's).
 * Reads the buffer in place; a payload of another size is a {@link SerializationException}.
 */
public final class FixedSizeSerde<T> implements Serializer<T>, Deserializer<T>, ContextFree {
    private final String name;
    private final int size;
    private final BiConsumer<T, ByteBuffer> writer;
    private final Function<ByteBuffer, T> reader;

    public FixedSizeSerde(String name, int size, BiConsumer<T, ByteBuffer> writer, Function<ByteBuffer, T> reader) {
        this.name = name;
        this.size = size;
        this.writer = writer;
        this.reader = reader;
    }

    /** The encoded size of every value; lists of these use Kafka's constant-size list layout. */
    public int size() {
        return size;
    }

    @Override
    public byte[] serialize(T value, SerdeContext context) {
        if (value == null) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate(size);
        writer.accept(value, buf);
        return buf.array();
    }

    @Override
    public T deserialize(byte[] data, SerdeContext context) {
        return data == null ? null : deserialize(ByteBuffer.wrap(data), context);
    }

    @Override
    public T deserialize(ByteBuffer data, SerdeContext context) {
        if (data == null) {
            return null;
        }
        if (data.remaining() != size) {
            throw new SerializationException(name + " payload must be " + size + " bytes, was " + data.remaining(),
                    context, bytes(data), null);
        }
        try {
            return reader.apply(data.duplicate());
        } catch (RuntimeException e) {
            throw new SerializationException("not a valid " + name + ": " + e.getMessage(), context, bytes(data), e);
        }
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Override
    public String toString() {
        return name + " serde";
    }
}
