package dev.skein.core.errors;

/**
 * Bytes that do not parse as the Kafka message they should be: a truncated or malformed frame, a
 * length out of bounds, an unknown correlation id. Raised instead of any lower-level exception, so
 * malformed input never surfaces as an {@code IndexOutOfBoundsException} or an allocation failure.
 */
public class ProtocolException extends SkeinException {
    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
