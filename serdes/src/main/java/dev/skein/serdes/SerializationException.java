package dev.skein.serdes;

import dev.skein.core.errors.SkeinException;

/**
 * A value could not be serialized or deserialized. The message says why (wrong magic byte, unknown
 * schema id, truncated payload, unreachable registry, ...); {@link #context()} says where: topic,
 * key or value, and on the consumer side partition and offset. {@link #data()} holds the bytes that
 * failed to deserialize, so an application can skip or park the record.
 *
 * <p>{@link #isRetriable()} is true when the cause was (a chain of Skein exceptions ending in) a
 * retriable one, such as a registry that timed out, was unreachable or answered 5xx or 429: the
 * record itself is fine and the same call may succeed later, so it must not be skipped as bad.
 */
public class SerializationException extends SkeinException {
    private final transient SerdeContext context;
    private final byte[] data;

    public SerializationException(String reason, SerdeContext context, byte[] data, Throwable cause) {
        super((context == null ? "" : context.describe() + ": ") + reason, cause,
                cause instanceof SkeinException s && s.isRetriable());
        this.context = context;
        this.data = data;
    }

    public SerializationException(String reason, SerdeContext context) {
        this(reason, context, null, null);
    }

    /** Where it happened; null when the failure came from outside a record. */
    public SerdeContext context() {
        return context;
    }

    /** The undecodable bytes (consumer side), or null. */
    public byte[] data() {
        return data;
    }
}
