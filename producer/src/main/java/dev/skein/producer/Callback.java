package dev.skein.producer;

/**
 * Called once per record when it is acknowledged or has failed: exactly one of the arguments is
 * non-null. Callbacks run on the producer's callback thread, in send order for records of the same
 * partition, never on a network thread. A slow callback delays the ones after it.
 */
@FunctionalInterface
public interface Callback {
    void onCompletion(RecordMetadata metadata, Exception error);
}
