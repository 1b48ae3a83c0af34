package dev.skein.serdes;

/**
 * Turns a value into bytes. A {@code null} value must serialize to {@code null} (a tombstone, for a
 * record value) unless the serializer documents otherwise. Implementations are called from the
 * producer's calling thread, never from a network thread, and must be thread-safe when one producer
 * is shared by several threads.
 *
 * @param <T> the value type
 */
@FunctionalInterface
public interface Serializer<T> {
    /**
     * @throws SerializationException (or any runtime exception, which the producer wraps) when the
     *     value cannot be serialized; only that record fails
     */
    byte[] serialize(T value, SerdeContext context);
}
