package dev.skein.consumer;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.OffsetAndTimestamp;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.Deserializer;
import dev.skein.serdes.Serde;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads records from Kafka: you call {@link #poll(Duration)}, the consumer pre-fetches in the
 * background within bounded memory.
 *
 * <pre>{@code
 * try (Consumer<String, String> consumer = Consumer.builder(Serdes.string(), Serdes.string())
 *         .bootstrapServers("localhost:9092")
 *         .groupId("billing")
 *         .delivery(Delivery.AT_LEAST_ONCE)
 *         .build()) {
 *     consumer.assign(List.of(new TopicPartition("orders", 0)));
 *     while (running) {
 *         for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofSeconds(1))) {
 *             try {
 *                 process(r);
 *             } catch (RuntimeException e) {
 *                 // close() commits what poll() returned: point the partition back at the record
 *                 // that failed, or the rest of the batch would count as processed.
 *                 consumer.seek(new TopicPartition(r.topic(), r.partition()), r.offset());
 *                 throw e;
 *             }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Threading: not thread-safe, like Apache Kafka's consumer: use it from one thread at a time.
 * The one exception is {@link #wakeup()}, which any thread may call. Fetching runs on Netty event
 * loops; deserializers run on the thread that calls {@code poll()}.
 *
 * <p>Rebalancing (subscribe): {@code poll()} never waits for the group. A rebalance runs in the
 * background; each {@code poll()} applies it when it has finished, calling the {@link RebalanceListener}
 * there. With eager assignors (range, roundrobin, sticky, or any list that holds one) every partition
 * is revoked before the member rejoins, and pause flags go with them: partitions come back unpaused.
 * With {@code cooperative-sticky} alone, the member keeps reading its partitions during a rebalance,
 * revokes only the ones that move, and a partition it keeps stays paused.
 *
 * <p>Errors: a batch that fails its CRC or cannot be framed (a bad length or magic) raises
 * {@link dev.skein.core.errors.CorruptRecordException}; a batch that decompresses to more than
 * {@code skein.buffer.max.bytes} raises {@link dev.skein.core.errors.RecordTooLargeException} (raise the
 * setting to read it); a record that does not deserialize raises {@link RecordDeserializationException}.
 * Each names the partition and offset, and is raised once the records before it were returned; the
 * position stays on it, later polls raise it again, {@link #seek} past it continues, and other
 * partitions are read meanwhile.
 */
public interface Consumer<K, V> extends AutoCloseable {

    static <K, V> ConsumerBuilder<K, V> builder(Deserializer<K> keys, Deserializer<V> values) {
        return new ConsumerBuilder<>(keys, values);
    }

    static <K, V> ConsumerBuilder<K, V> builder(Serde<K> keys, Serde<V> values) {
        return new ConsumerBuilder<>(keys.deserializer(), values.deserializer());
    }

    /**
     * Joins the group ({@code group.id}) and reads the partitions of these topics it assigns to this
     * member; replaces any previous subscription or assignment. {@code listener} (may be null) is told
     * of revocations and assignments, on the polling thread, inside {@code poll()}.
     *
     * @throws IllegalArgumentException naming a topic name no broker accepts (1 to 249 of
     *         {@code a-z A-Z 0-9 . _ -}, neither {@code "."} nor {@code ".."}); the call then changes nothing
     */
    void subscribe(Collection<String> topics, RebalanceListener listener);

    default void subscribe(Collection<String> topics) {
        subscribe(topics, null);
    }

    /**
     * Joins the group for every topic whose name matches {@code pattern} (a {@link java.util.regex.Pattern},
     * matched against the whole name; internal topics excluded). Topics created or deleted later are
     * picked up within {@code metadata.max.age.ms}.
     */
    void subscribe(Pattern pattern, RebalanceListener listener);

    /**
     * Joins the group for every topic whose name matches {@code pattern}, matched by the broker (RE2/J
     * syntax; see {@link SubscriptionPattern}). Topics created later join the subscription as soon as
     * the broker sees them.
     *
     * @throws IllegalStateException when the group uses the classic protocol, which has no broker-side
     *         matching (use {@link #subscribe(java.util.regex.Pattern, RebalanceListener)} there)
     */
    void subscribe(SubscriptionPattern pattern, RebalanceListener listener);

    /** Leaves the group's partitions (and the group) and clears any assignment. */
    void unsubscribe();

    /**
     * Reads exactly these partitions (no group membership); replaces any previous assignment.
     *
     * @throws IllegalArgumentException naming a topic name no broker accepts, as {@link #subscribe(Collection)}
     */
    void assign(Collection<TopicPartition> partitions);

    Set<TopicPartition> assignment();

    /**
     * Returns the records available now, waiting up to {@code timeout} when there are none. Under
     * {@link Delivery#AT_LEAST_ONCE} it first commits what the previous poll returned; under
     * {@link Delivery#AT_MOST_ONCE} it commits before returning.
     *
     * @throws dev.skein.core.errors.CorruptRecordException naming topic, partition and offset, when a fetched batch
     *         fails its CRC or does not decode, or the broker answers the partition's fetch with CORRUPT_MESSAGE; the
     *         records before it were returned first, and the position stays on it (seek past it to read on)
     */
    ConsumerRecords<K, V> poll(Duration timeout);

    /** Commits the positions of every assigned partition, waiting up to {@code default.api.timeout.ms}. */
    void commitSync();

    void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets);

    /** Commits without waiting; {@code callback} (may be null) runs on the polling thread during a later call. */
    void commitAsync(OffsetCommitCallback callback);

    /** Commits these offsets without waiting; {@code callback} (may be null) runs on the polling thread later. */
    void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback);

    /** The committed offsets of these partitions (absent where none is committed). */
    Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions);

    /** The offset of the next record {@code poll()} returns for the partition, resolving it if needed. */
    long position(TopicPartition partition);

    void seek(TopicPartition partition, long offset);

    /**
     * Moves to a committed offset, or to the divergence point a {@link LogTruncationException} names. With
     * a leader epoch, the position is first checked against the leader's log (KIP-320): if the log was
     * truncated below it, the consumer moves to where it diverged, or raises {@link LogTruncationException}
     * under {@code auto.offset.reset=none}.
     */
    void seek(TopicPartition partition, OffsetAndMetadata offset);

    void seekToBeginning(Collection<TopicPartition> partitions);

    void seekToEnd(Collection<TopicPartition> partitions);

    /** The earliest offset whose timestamp is at least the given one, per partition (absent if none). */
    Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps);

    Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions);

    /** The end offsets: the high watermark, or the last stable offset under read_committed. */
    Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions);

    /**
     * How far behind the end of the partition this consumer is (the end as of the last fetch: the high
     * watermark, or the last stable offset under read_committed); empty until a fetch has seen it.
     */
    OptionalLong currentLag(TopicPartition partition);

    /** Stops returning (and fetching) records of these partitions until {@link #resume}. */
    void pause(Collection<TopicPartition> partitions);

    void resume(Collection<TopicPartition> partitions);

    Set<TopicPartition> paused();

    /**
     * Asks the group for a rebalance; it starts on the next {@code poll()}, which does not wait for it.
     * Does nothing unless subscribed.
     */
    void enforceRebalance();

    /**
     * This member's group id, generation and member id, for {@code Producer.sendOffsetsToTransaction}:
     * those its partitions were assigned under. Generation -1 before the first assignment. Once a
     * generation ends (the poll interval ran out, the member was fenced) it stays the one of the
     * partitions last assigned, as Apache Kafka's consumer does, so a transaction carrying it is refused
     * by the coordinator instead of committing beside the partitions' new owner (KIP-447).
     */
    ConsumerGroupMetadata groupMetadata();

    /** Makes the current or next blocking call throw {@link WakeupException}. Safe from any thread. */
    void wakeup();

    @Override
    void close();

    /** Commits as the delivery mode requires (at-least-once: what was returned), then closes within {@code timeout}. */
    void close(Duration timeout);
}
