package dev.skein.core.message;

/** A generated request or response body of a Kafka API. */
public interface ApiMessage extends Message {
    /** The API key on the wire; {@link ApiKey#forId(int)} gives the {@link ApiKey}. */
    short apiKey();
}
