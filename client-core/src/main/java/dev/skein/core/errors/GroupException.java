package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** A consumer group membership problem: stale generation or member epoch, unknown member, rebalance in progress, fenced static member, or group state that forbids the operation. */
public class GroupException extends SkeinException {
    public GroupException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
