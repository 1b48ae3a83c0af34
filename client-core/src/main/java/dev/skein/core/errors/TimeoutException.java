package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** An operation did not complete within its timeout; the message says which and how long. */
public class TimeoutException extends SkeinException {
    public TimeoutException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }

    /** Detected by the client itself (no broker error code). */
    public TimeoutException(String message, Throwable cause, boolean retriable) {
        super(message, cause, retriable);
    }
}
