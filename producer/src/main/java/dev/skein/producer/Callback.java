package dev.skein.producer;

/**
 * Called once per record when it is acknowledged or has failed. On success {@code error} is null and
 * {@code metadata} says where the record landed. On failure {@code error} is the reason and
 * {@code metadata} is never null either, as in Apache Kafka's producer: it names the record's topic and
 * its partition (-1 when none was chosen yet, as for a record refused inside {@code send()} that did not
 * name one), with -1 for the offset, the timestamp and the serialized sizes; test {@code error}, not
 * {@code metadata}, to tell the two apart. Callbacks run on the producer's callback thread, in send
 * order for records of the same partition, never on a network thread. A slow callback delays the ones
 * after it.
 */
@FunctionalInterface
public interface Callback {
    void onCompletion(RecordMetadata metadata, Exception error);
}
