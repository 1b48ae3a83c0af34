package dev.skein.serdes;

import java.nio.ByteBuffer;

/**
 * Turns bytes into a value. {@code null} data (a null key, a tombstone) must deserialize to
 * {@code null} unless the deserializer documents otherwise. Called on the consumer's polling thread.
 *
 * @param <T> the value type
 */
@FunctionalInterface
public interface Deserializer<T> {
    /**
     * @throws SerializationException when the bytes do not decode; the consumer reports it with the
     *     record's partition, offset and bytes
     */
    T deserialize(byte[] data, SerdeContext context);

    /**
     * Deserializes the remaining bytes of {@code data} without requiring a copy. The default copies
     * to an array; built-in deserializers read the buffer in place. The buffer is only valid during
     * the call and must not be kept.
     */
    default T deserialize(ByteBuffer data, SerdeContext context) {
        if (data == null) {
            return deserialize((byte[]) null, context);
        }
        byte[] copy = new byte[data.remaining()];
        data.get(data.position(), copy); // absolute: no duplicate, the caller's position untouched
        return deserialize(copy, context);
    }
}
