package dev.skein.consumer;

import dev.skein.core.Header;

import java.util.List;

/**
 * A record as consumed. {@code timestampIsLogAppendTime} says whether {@code timestamp} is the broker's
 * append time rather than the producer's create time. Sizes are -1 for null keys or values.
 */
public record ConsumerRecord<K, V>(String topic, int partition, long offset, long timestamp,
                                   boolean timestampIsLogAppendTime, K key, V value, List<Header> headers,
                                   int serializedKeySize, int serializedValueSize, int leaderEpoch) {}
