package dev.skein.producer;

import dev.skein.core.errors.SkeinException;

/**
 * The current transaction cannot commit (a record was not written, the consumer's group moved on, the
 * coordinator gave up on it): call {@link Producer#abortTransaction()}, rewind the input, and do the
 * work again in a new transaction. The producer stays usable.
 */
public class TransactionAbortableException extends SkeinException {
    public TransactionAbortableException(String message, Throwable cause) {
        super(message, cause, false);
    }
}
