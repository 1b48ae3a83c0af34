package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** The request reached a broker that does not (or no longer) lead the partition, or the controller moved. Refresh metadata and retry. */
public class NotLeaderException extends SkeinException {
    public NotLeaderException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
