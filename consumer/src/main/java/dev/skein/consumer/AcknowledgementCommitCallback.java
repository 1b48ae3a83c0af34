package dev.skein.consumer;

import dev.skein.core.TopicPartition;

import java.util.Map;
import java.util.Set;

/**
 * Told, on the thread that calls {@link ShareConsumer#poll} (inside a later poll, commit or close), how
 * acknowledgements sent to the brokers ended: per partition, the offsets and the error ({@code null}
 * when the broker took them).
 */
@FunctionalInterface
public interface AcknowledgementCommitCallback {
    void onComplete(Map<TopicPartition, Set<Long>> offsets, Exception error);
}
