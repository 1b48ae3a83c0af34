package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/**
 * The root of every exception Skein raises for a Kafka operation.
 *
 * <p>{@link #isRetriable()} says whether the same operation may succeed if tried again; Skein's own
 * retries decide from it. {@link #errorCode()} is the broker's error code when the broker reported
 * the failure, or {@code null} when the client detected it (a timeout, a closed connection, a
 * corrupt batch).
 */
public class SkeinException extends RuntimeException {
    private final boolean retriable;
    private final ErrorCode errorCode;

    public SkeinException(String message) {
        this(message, null, false);
    }

    public SkeinException(String message, Throwable cause) {
        this(message, cause, false);
    }

    public SkeinException(String message, Throwable cause, boolean retriable) {
        super(message, cause);
        this.retriable = retriable;
        this.errorCode = null;
    }

    /** An error the broker reported: retriable as its code says. */
    public SkeinException(String message, ErrorCode errorCode) {
        super(message);
        this.retriable = errorCode.isRetriable();
        this.errorCode = errorCode;
    }

    /** True when trying the same operation again may succeed. */
    public boolean isRetriable() {
        return retriable;
    }

    /** The broker's error code, or {@code null} when the client detected the failure itself. */
    public ErrorCode errorCode() {
        return errorCode;
    }
}
