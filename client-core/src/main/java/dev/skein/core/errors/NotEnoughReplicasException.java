package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/** Fewer in-sync replicas than {@code min.insync.replicas}: the write with {@code acks=all} was refused (or, after append, not fully replicated). */
public class NotEnoughReplicasException extends SkeinException {
    public NotEnoughReplicasException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }
}
