package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/**
 * A record or batch is larger than the broker (or the client's {@code max.request.size}) accepts; or, read
 * by a consumer, a fetched batch decompresses to more than its {@code skein.buffer.max.bytes} lets one batch
 * take. The latter is not corruption (the batch is sound: raising the setting reads it) and its message names
 * topic, partition, the batch's offset, the bound and the setting.
 */
public class RecordTooLargeException extends SkeinException {
    public RecordTooLargeException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }

    /** Detected by the client itself (no broker error code). */
    public RecordTooLargeException(String message, Throwable cause, boolean retriable) {
        super(message, cause, retriable);
    }
}
