package dev.skein.consumer;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;

import java.util.Map;

/** Told how an asynchronous commit ended: {@code error} is null on success. */
@FunctionalInterface
public interface OffsetCommitCallback {
    void onComplete(Map<TopicPartition, OffsetAndMetadata> offsets, Exception error);
}
