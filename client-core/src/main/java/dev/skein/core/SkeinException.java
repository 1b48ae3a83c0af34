package dev.skein.core;

/**
 * The root of every exception Skein raises for a Kafka operation. {@link #isRetriable()} says
 * whether the same operation may succeed if tried again; Skein's own retries decide from it.
 */
public class SkeinException extends RuntimeException {
    private final boolean retriable;

    public SkeinException(String message) {
        this(message, null, false);
    }

    public SkeinException(String message, Throwable cause) {
        this(message, cause, false);
    }

    public SkeinException(String message, Throwable cause, boolean retriable) {
        super(message, cause);
        this.retriable = retriable;
    }

    /** True when trying the same operation again may succeed. */
    public boolean isRetriable() {
        return retriable;
    }
}
