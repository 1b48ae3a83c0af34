package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** Another producer instance with the same transactional id (or a newer epoch) has fenced this one. Final: close the producer. */
public class ProducerFencedException extends SkeinException {
    public ProducerFencedException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
