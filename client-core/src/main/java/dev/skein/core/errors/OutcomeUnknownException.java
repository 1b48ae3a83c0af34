package dev.skein.core.errors;

/**
 * The request was sent but its response never arrived (the connection closed or the request timed
 * out after it was written), so the broker may have processed it. Retrying may apply it twice
 * unless the operation is idempotent.
 */
public class OutcomeUnknownException extends NetworkException {
    public OutcomeUnknownException(String message, Throwable cause) {
        super(message, cause, true);
    }
}
