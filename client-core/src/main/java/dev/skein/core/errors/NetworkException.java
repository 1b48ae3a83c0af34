package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** The connection to the broker failed or was closed. Requests in flight on it may or may not have taken effect: see {@link OutcomeUnknownException}. */
public class NetworkException extends SkeinException {
    public NetworkException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }

    /** Detected by the client itself (no broker error code). */
    public NetworkException(String message, Throwable cause, boolean retriable) {
        super(message, cause, retriable);
    }
}
