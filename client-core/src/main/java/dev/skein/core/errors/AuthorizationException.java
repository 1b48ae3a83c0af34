package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** The principal is not allowed the operation on the resource named in the message. Final: never retried. */
public class AuthorizationException extends SkeinException {
    public AuthorizationException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
