package dev.skein.core;

/** Another producer instance with the same transactional id (or a newer epoch) has fenced this one. Final: close the producer. */
public class ProducerFencedException extends SkeinException {
    public ProducerFencedException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
