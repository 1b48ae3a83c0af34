package dev.skein.producer;

import dev.skein.core.errors.TimeoutException;

/**
 * {@code send()} waited {@code max.block.ms} for room in {@code buffer.memory} and found none: the
 * producer is sending slower than the application produces. Nothing was buffered for this record.
 */
public class BufferExhaustedException extends TimeoutException {
    public BufferExhaustedException(String message) {
        super(message, null, true);
    }
}
