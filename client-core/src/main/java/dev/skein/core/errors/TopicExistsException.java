package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** The topic named in the message already exists. */
public class TopicExistsException extends SkeinException {
    public TopicExistsException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
