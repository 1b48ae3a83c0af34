package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** A record or batch is larger than the broker (or the client's {@code max.request.size}) accepts. */
public class RecordTooLargeException extends SkeinException {
    public RecordTooLargeException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }

    /** Detected by the client itself (no broker error code). */
    public RecordTooLargeException(String message, Throwable cause, boolean retriable) {
        super(message, cause, retriable);
    }
}
