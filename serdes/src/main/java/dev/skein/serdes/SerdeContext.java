package dev.skein.serdes;

import dev.skein.core.Header;

import java.util.List;

/**
 * What a serializer or deserializer knows about the value at hand: the topic, whether it is the key or
 * the value, the record's headers (mutable on the producer side, so a serializer can add one), and,
 * on the consumer side, the partition and offset of the record (-1 on the producer side).
 */
public record SerdeContext(String topic, Target target, List<Header> headers, int partition, long offset) {
    /** Which part of the record is being (de)serialized. */
    public enum Target { KEY, VALUE }

    /** A producer-side context: no partition or offset yet. */
    public static SerdeContext forProducer(String topic, Target target, List<Header> headers) {
        return new SerdeContext(topic, target, headers, -1, -1L);
    }

    /** A consumer-side context. */
    public static SerdeContext forConsumer(String topic, Target target, List<Header> headers, int partition, long offset) {
        return new SerdeContext(topic, target, headers, partition, offset);
    }

    public boolean isKey() {
        return target == Target.KEY;
    }

    /** "topic orders value" or "orders-3 offset 42 key", for error messages. */
    public String describe() {
        String where = partition < 0 ? "topic " + topic : topic + "-" + partition + " offset " + offset;
        return where + " " + (isKey() ? "key" : "value");
    }
}
