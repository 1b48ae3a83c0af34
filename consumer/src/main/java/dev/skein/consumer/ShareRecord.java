package dev.skein.consumer;

import dev.skein.core.Header;

import java.util.List;

/**
 * A record as a share-group member receives it: acquired by this member for a while (the group's
 * {@code share.record.lock.duration.ms}). {@code deliveryCount} is 1 the first time, and grows each time
 * the record comes back after a release or an expired lock.
 */
public record ShareRecord<K, V>(String topic, int partition, long offset, long timestamp, K key, V value,
                                List<Header> headers, int deliveryCount) {}
