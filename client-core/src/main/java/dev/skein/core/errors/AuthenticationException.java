package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/**
 * Authentication with the broker failed: TLS refused the broker's (or the broker refused the
 * client's) certificate, or SASL credentials were rejected. Final: once a client meets one, it is
 * delivered to every pending and future operation of that client; create a new client with
 * corrected settings.
 */
public class AuthenticationException extends SkeinException {
    public AuthenticationException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }

    /** One the client detected itself (a TLS handshake, a SCRAM signature). */
    public AuthenticationException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
