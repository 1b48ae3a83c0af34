package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** The requested offset is outside the partition's log. */
public class OffsetOutOfRangeException extends SkeinException {
    public OffsetOutOfRangeException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }

    /** Detected by the client itself (no broker error code). */
    public OffsetOutOfRangeException(String message, Throwable cause, boolean retriable) {
        super(message, cause, retriable);
    }
}
