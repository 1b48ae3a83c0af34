package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** The broker's view of an idempotent producer's sequence numbers disagrees with the producer's: out of order, duplicate, or an unknown producer id. */
public class SequenceException extends SkeinException {
    public SequenceException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
