package dev.skein.consumer;

import dev.skein.core.errors.SkeinException;

/** {@code wakeup()} was called: the blocking call it interrupted throws this, once. */
public class WakeupException extends SkeinException {
    public WakeupException(String message) {
        super(message);
    }

    public WakeupException(String message, Throwable cause) {
        super(message, cause);
    }
}
