package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** An error reported by a broker that has no more specific type here; {@link #errorCode()} names it. */
public class ApiException extends SkeinException {
    public ApiException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
