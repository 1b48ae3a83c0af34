package dev.skein.core.message;

import io.netty.buffer.ByteBuf;

/** A generated top-level protocol message (request, response, header or data schema). */
public interface Message {
    /** Encodes this message at {@code version} onto {@code buf}. */
    void write(ByteBuf buf, short version);

    short lowestSupportedVersion();

    short highestSupportedVersion();

    /**
     * Releases the {@code records} buffers a decoded message holds (Fetch responses, Produce
     * requests); a no-op for messages without records.
     */
    default void releaseRecords() {
    }
}
