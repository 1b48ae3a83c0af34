package dev.skein.core.message;

/** A generated request or response body of a Kafka API. */
public interface ApiMessage extends Message {
    /** The API key on the wire; {@link ApiKey#forId(int)} gives the {@link ApiKey}. */
    short apiKey();

    /**
     * For a response: how long the broker asked the client to hold off (KIP-219), 0 when not asked or
     * when the message has no such field. Generated responses with a {@code ThrottleTimeMs} field
     * override it.
     */
    default int throttleTimeMs() {
        return 0;
    }
}
