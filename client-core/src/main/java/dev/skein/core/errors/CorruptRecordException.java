package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** A record batch failed its CRC check or does not parse. The message names topic, partition and offset when known. */
public class CorruptRecordException extends SkeinException {
    public CorruptRecordException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }

    /** Detected by the client itself (no broker error code). */
    public CorruptRecordException(String message, Throwable cause, boolean retriable) {
        super(message, cause, retriable);
    }
}
