package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** The topic or partition (or topic id) does not exist on the broker, or metadata has not caught up with it. */
public class UnknownTopicException extends SkeinException {
    public UnknownTopicException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
