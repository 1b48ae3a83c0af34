package dev.skein.producer;

import dev.skein.core.Header;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A record to send: topic, optional partition (null: the partitioner picks), key and value (either
 * may be null), headers, and an optional timestamp (null: the time of {@code send()}).
 *
 * <p>The constructor throws {@link IllegalArgumentException} for a negative partition or timestamp (as
 * Apache Kafka's ProducerRecord: -1 is a batch's "no timestamp", and a far negative one overflows the
 * record's delta from its batch's base timestamp).
 */
public record ProducerRecord<K, V>(String topic, Integer partition, K key, V value, List<Header> headers, Long timestamp) {
    public ProducerRecord {
        Objects.requireNonNull(topic, "topic");
        headers = headers == null || headers.isEmpty() ? List.of() : List.copyOf(headers);
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
        if (timestamp != null && timestamp < 0) {
            throw new IllegalArgumentException("timestamp must be >= 0 (milliseconds since the epoch), was " + timestamp);
        }
    }

    public static <K, V> ProducerRecord<K, V> of(String topic, K key, V value) {
        return new ProducerRecord<>(topic, null, key, value, List.of(), null);
    }

    public static <K, V> ProducerRecord<K, V> of(String topic, V value) {
        return new ProducerRecord<>(topic, null, null, value, List.of(), null);
    }

    public ProducerRecord<K, V> withPartition(int p) {
        return new ProducerRecord<>(topic, p, key, value, headers, timestamp);
    }

    public ProducerRecord<K, V> withHeaders(List<Header> h) {
        return new ProducerRecord<>(topic, partition, key, value, h, timestamp);
    }

    public ProducerRecord<K, V> withHeader(String k, byte[] v) {
        List<Header> all = new ArrayList<>(headers);
        all.add(new Header(k, v));
        return new ProducerRecord<>(topic, partition, key, value, all, timestamp);
    }

    public ProducerRecord<K, V> withTimestamp(long ts) {
        return new ProducerRecord<>(topic, partition, key, value, headers, ts);
    }
}
