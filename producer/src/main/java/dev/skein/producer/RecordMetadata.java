package dev.skein.producer;

/**
 * Where an acknowledged record landed. {@code offset} is -1 with {@code acks=0} (the broker does not
 * answer) and for a retried record the broker reported as a duplicate of one already written.
 * {@code timestamp} is the broker's log-append time when the topic uses it, else the record's.
 * A failed record's {@link Callback} and interceptors get one too, with its topic, its partition (-1 when
 * none was chosen yet) and -1 for every other field.
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp,
                             int serializedKeySize, int serializedValueSize) {}
