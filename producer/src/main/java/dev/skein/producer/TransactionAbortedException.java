package dev.skein.producer;

import dev.skein.core.errors.SkeinException;

/**
 * The record's transaction was aborted before the record was sent, by {@link Producer#abortTransaction()}
 * or by closing the producer inside the transaction, so it was never written (KIP-654). Nothing to do:
 * unlike {@link TransactionAbortableException} this is the outcome of an abort, not a reason for one.
 */
public class TransactionAbortedException extends SkeinException {
    public TransactionAbortedException(String message) {
        super(message, null, false);
    }
}
