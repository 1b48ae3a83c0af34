package dev.skein.consumer;

import dev.skein.core.errors.SkeinException;

/** A partition has no committed offset (or its position is out of range) and {@code auto.offset.reset} is none. The message names the partitions. */
public class NoOffsetForPartitionException extends SkeinException {
    public NoOffsetForPartitionException(String message) {
        super(message);
    }

    public NoOffsetForPartitionException(String message, Throwable cause) {
        super(message, cause);
    }
}
