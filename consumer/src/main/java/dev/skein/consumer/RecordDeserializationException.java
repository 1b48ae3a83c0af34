package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.SerializationException;

/**
 * A record's key or value did not deserialize. Carries the partition, the offset and the record's
 * bytes, so the application can log or park it and {@code seek(partition, offset + 1)} to go on.
 */
public class RecordDeserializationException extends SerializationException {
    private final TopicPartition partition;
    private final long offset;

    public RecordDeserializationException(String reason, SerdeContext context, byte[] data, Throwable cause) {
        super(reason, context, data, cause);
        this.partition = new TopicPartition(context.topic(), context.partition());
        this.offset = context.offset();
    }

    public TopicPartition topicPartition() {
        return partition;
    }

    public long offset() {
        return offset;
    }
}
