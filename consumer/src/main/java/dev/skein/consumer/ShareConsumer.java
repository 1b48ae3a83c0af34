package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.Deserializer;
import dev.skein.serdes.Serde;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A member of a share group (KIP-932, "queues for Kafka"): the members read the same partitions
 * together; each record is acquired by one member at a time and acknowledged on its own.
 *
 * <pre>{@code
 * try (ShareConsumer<String, String> jobs = ShareConsumer.builder(Serdes.string(), Serdes.string())
 *         .bootstrapServers("localhost:9092").groupId("workers").build()) {
 *     jobs.subscribe(List.of("jobs"));
 *     while (running) {
 *         for (ShareRecord<String, String> job : jobs.poll(Duration.ofSeconds(1))) {
 *             run(job); // accepted by the next poll (implicit mode)
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Needs brokers with share groups (Apache Kafka 4.1 and later; production-ready from 4.2). Not
 * thread-safe except {@link #wakeup()}.
 */
public interface ShareConsumer<K, V> extends AutoCloseable {

    static <K, V> ShareConsumerBuilder<K, V> builder(Deserializer<K> keys, Deserializer<V> values) {
        return new ShareConsumerBuilder<>(keys, values);
    }

    static <K, V> ShareConsumerBuilder<K, V> builder(Serde<K> keys, Serde<V> values) {
        return new ShareConsumerBuilder<>(keys.deserializer(), values.deserializer());
    }

    /**
     * Joins the share group for these topics (replacing an earlier subscription); an empty collection
     * unsubscribes.
     *
     * @throws IllegalArgumentException naming a topic name no broker accepts (1 to 249 of
     *         {@code a-z A-Z 0-9 . _ -}, neither {@code "."} nor {@code ".."}); the call then changes nothing
     */
    void subscribe(Collection<String> topics);

    /**
     * Leaves the share group's assignment: sends the acknowledgements made (implicit mode: accepts what the
     * last poll returned) and closes the share sessions, so records acquired and not acknowledged go back
     * to the group at once; then leaves. Blocks up to {@code default.api.timeout.ms}. A later
     * {@link #subscribe} joins again.
     */
    void unsubscribe();

    Set<String> subscription();

    /**
     * Acknowledges what the previous poll returned (implicit mode: what was not acknowledged otherwise
     * is accepted), then returns records acquired for this member, waiting up to {@code timeout}.
     *
     * @throws IllegalStateException in explicit mode, when records of the previous poll were not
     *     acknowledged (nothing is lost: they stay acquired until acknowledged or their lock ends)
     */
    List<ShareRecord<K, V>> poll(Duration timeout);

    /** Accepts {@code record}. */
    default void acknowledge(ShareRecord<K, V> record) {
        acknowledge(record, AcknowledgeType.ACCEPT);
    }

    /** Settles {@code record}, which the last poll returned; sent with the next poll or commit. */
    void acknowledge(ShareRecord<K, V> record, AcknowledgeType type);

    /**
     * Sends the acknowledgements made so far and waits for the brokers' answers (up to
     * {@code default.api.timeout.ms}); returns the error per partition, empty where it was taken: every
     * partition with acknowledgements is there, with a {@code TimeoutException} where they were not sent or
     * not answered in time (those not sent stay pending and a later request carries them; the answer to
     * those sent comes later, to the acknowledgement commit callback). In
     * explicit mode the records of the last poll not acknowledged yet stay acquired: they can still be
     * acknowledged, and the next poll refuses until they are.
     */
    Map<TopicPartition, Optional<Exception>> commitSync();

    Map<TopicPartition, Optional<Exception>> commitSync(Duration timeout);

    /** Sends the acknowledgements made so far without waiting; the callback tells how they ended. */
    void commitAsync();

    void setAcknowledgementCommitCallback(AcknowledgementCommitCallback callback);

    /** Makes a blocking {@link #poll} (or the next one) throw {@link WakeupException}. Any thread. */
    void wakeup();

    /** Acknowledges (implicit mode: accepts what the last poll returned), leaves the group, closes. */
    @Override
    void close();

    void close(Duration timeout);
}
