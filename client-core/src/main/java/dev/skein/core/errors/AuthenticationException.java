package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/**
 * Authentication with the broker failed: TLS refused the broker's (or the broker refused the
 * client's) certificate, or SASL credentials were rejected. Not retriable within the operation that
 * met it, which fails with it promptly, as do the operations started while the refused broker's
 * reconnect backoff lasts; but not final for the client, as in Apache Kafka's clients: it connects
 * again after {@code reconnect.backoff.ms} (growing to {@code reconnect.backoff.max.ms}), and once a
 * connection authenticates (a credential created or rotated a moment late) operations work again.
 * Settings that can never authenticate need a new client with corrected settings.
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
