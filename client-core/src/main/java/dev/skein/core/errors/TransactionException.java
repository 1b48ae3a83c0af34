package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** A transactional operation failed: concurrent transactions, invalid state, an abortable error, or an unknown transactional id. */
public class TransactionException extends SkeinException {
    public TransactionException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
