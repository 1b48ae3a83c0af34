package dev.skein.core;

/** The topic named in the message already exists. */
public class TopicExistsException extends SkeinException {
    public TopicExistsException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
