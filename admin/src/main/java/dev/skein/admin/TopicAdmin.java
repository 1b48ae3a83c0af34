package dev.skein.admin;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** Topics: create, delete, list, describe, add partitions. Every call is asynchronous. */
public interface TopicAdmin {
    /**
     * Creates topics; one future per topic. A topic that exists fails its own future with
     * {@link dev.skein.core.errors.TopicExistsException}; an invalid config names the key and the reason.
     */
    Results<String, CreatedTopic> create(Collection<NewTopic> topics);

    /** As {@link #create(Collection)}, but only checks what the cluster would do ({@code validateOnly}). */
    Results<String, CreatedTopic> validate(Collection<NewTopic> topics);

    /** Deletes topics by name; an unknown one fails with {@link dev.skein.core.errors.UnknownTopicException}. */
    Results<String, Void> delete(Collection<String> names);

    /** Deletes topics by id. */
    Results<UUID, Void> deleteByIds(Collection<UUID> topicIds);

    /** Every topic, with internal ones ({@code __consumer_offsets}, ...) when asked. */
    CompletableFuture<List<TopicListing>> list(boolean includeInternal);

    /** Partitions, leaders, replicas, ISR, topic id and the caller's authorized operations, per topic. */
    Results<String, TopicDescription> describe(Collection<String> names);

    /** Grows topics to a new total partition count each (brokers chosen by the cluster). */
    Results<String, Void> createPartitions(Map<String, Integer> newTotals);
}
