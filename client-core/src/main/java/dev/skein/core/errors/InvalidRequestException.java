package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** The broker rejected the request as invalid: a bad config value, topic name, timestamp, partition count, replication factor, and the like. Not retriable: fix the input. */
public class InvalidRequestException extends SkeinException {
    public InvalidRequestException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
