package dev.skein.producer;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serde;
import dev.skein.serdes.Serializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Sends records to Kafka, batching them per partition and acknowledging each through its future.
 *
 * <pre>{@code
 * try (Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
 *         .bootstrapServers("localhost:9092")
 *         .build()) {
 *     producer.send(ProducerRecord.of("orders", "order-1", "{...}"))
 *             .thenAccept(md -> log.info("written at {}-{}@{}", md.topic(), md.partition(), md.offset()));
 * }
 * }</pre>
 *
 * <p>Threading: thread-safe; one producer is best shared by all threads of an application.
 * {@code send} serializes, picks the partition and appends to a batch on the calling thread, and does
 * no network I/O there; it blocks at most {@code max.block.ms}, waiting for the topic's metadata or
 * for room in {@code buffer.memory} ({@link #trySend} never waits). Futures complete and callbacks
 * run on the producer's callback thread, in send order per partition, never on a network thread.
 *
 * <p>Delivery: idempotence is on by default (acks=all, retries within {@code delivery.timeout.ms},
 * no duplicates and order kept per partition across retries). A record that fails after it may have
 * reached the broker fails with {@link dev.skein.core.errors.OutcomeUnknownException}; one that certainly
 * was not written fails with the reason (record too large, serialization, authorization, timeout).
 */
public interface Producer<K, V> extends AutoCloseable {

    static <K, V> ProducerBuilder<K, V> builder(Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        return new ProducerBuilder<>(keySerializer, valueSerializer);
    }

    static <K, V> ProducerBuilder<K, V> builder(Serde<K> keySerde, Serde<V> valueSerde) {
        return new ProducerBuilder<>(keySerde.serializer(), valueSerde.serializer());
    }

    /**
     * Queues the record for sending. The future completes when the broker acknowledges it, or fails
     * with the reason it was not (or may not have been) written.
     */
    CompletableFuture<RecordMetadata> send(ProducerRecord<K, V> record);

    /** As {@link #send(ProducerRecord)}, and also calls {@code callback} on the callback thread. */
    CompletableFuture<RecordMetadata> send(ProducerRecord<K, V> record, Callback callback);

    /**
     * As {@link #send(ProducerRecord)} but never waits: when the topic's metadata is not known yet or
     * the buffer is full, the future fails at once (a retriable timeout or
     * {@link BufferExhaustedException}). Like every send's future, it fails on the callback thread right
     * after its callback, so possibly just after this returns. For callers on event loops or other threads
     * that must not block. The serializers still run on the calling thread: one that does I/O blocks it
     * (a Schema Registry serde, on the first record of a subject or schema id, waits for the registry;
     * serialize one such record on another thread first to warm its cache).
     */
    CompletableFuture<RecordMetadata> trySend(ProducerRecord<K, V> record);

    /**
     * Sends everything buffered now and waits until each of those records is acknowledged or failed.
     * Records sent by other threads meanwhile may or may not be included.
     */
    void flush();

    /**
     * Registers {@code transactional.id} with its coordinator (waiting at most {@code max.block.ms}):
     * fences older instances with the same id and finishes or aborts the transaction they left open.
     * Call once, before the first transaction. After a transaction that outlived
     * {@code transaction.timeout.ms} (the coordinator aborted it, and this producer's calls throw a fatal
     * error), close this producer and create a new one with the same {@code transactional.id}.
     *
     * @throws dev.skein.core.errors.ProducerFencedException when a newer instance took the id over meanwhile
     * @throws dev.skein.core.errors.TimeoutException when it did not finish within {@code max.block.ms}: call
     *     {@code initTransactions()} again, which waits for the same registration rather than starting another
     * @throws IllegalStateException without {@code transactional.id}
     */
    void initTransactions();

    /** Opens a transaction; every send until commit or abort belongs to it. */
    void beginTransaction();

    /**
     * Puts a consumer's progress into the transaction: {@code offsets} (partition to the next offset to
     * read, with its metadata and the leader epoch of the last record read, as the consumer commits
     * them) are committed for {@code group} if and only if the transaction commits. The group
     * metadata ({@code consumer.groupMetadata()}) lets the coordinator refuse a member that has been
     * rebalanced out since (KIP-447).
     *
     * @throws TransactionAbortableException when the group moved on: abort and read again
     * @throws dev.skein.core.errors.TimeoutException when the offsets did not join within {@code max.block.ms}:
     *     they may still join, so the transaction can only be aborted (a commit fails as abortable)
     */
    void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group);

    /**
     * Sends what is buffered, waits for every record of the transaction, then commits it: its records
     * become visible to read_committed consumers, its offsets are committed.
     *
     * @throws TransactionAbortableException when a record was not written or the coordinator refused:
     *     call {@link #abortTransaction()} and redo the work
     * @throws dev.skein.core.errors.ProducerFencedException when another instance took over, or the coordinator
     *     aborted the transaction for outliving {@code transaction.timeout.ms} (the same answer): close
     *     this producer; a new one with the same transactional id carries on
     * @throws dev.skein.core.errors.TimeoutException when the commit did not finish within {@code max.block.ms}
     *     (each of its two waits, for the transaction's records and then for EndTxn, is bounded by it):
     *     call {@code commitTransaction()} again, which waits for the same commit (its outcome, even if it
     *     finished meanwhile) rather than starting a second one; an abort, or any other transactional call,
     *     is refused with {@link IllegalStateException} until then (the commit may have reached the coordinator)
     */
    void commitTransaction();

    /**
     * Aborts the transaction: records not yet sent are dropped (their futures fail with
     * {@link TransactionAbortedException}), those written are marked aborted and never reach
     * read_committed consumers, its offsets are not committed.
     *
     * @throws dev.skein.core.errors.TimeoutException when the abort did not finish within {@code max.block.ms}:
     *     call {@code abortTransaction()} again, which waits for the same abort
     */
    void abortTransaction();

    /** The partitions of {@code topic}, waiting at most {@code max.block.ms} for its metadata. */
    List<PartitionInfo> partitionsFor(String topic);

    /** {@link #close(Duration)} with no bound on the wait. */
    @Override
    void close();

    /**
     * Stops accepting records, sends what is buffered and waits up to {@code timeout} for the answers.
     * A transaction still open is aborted; one whose commit sent its EndTxn (under way, or timed out
     * waiting for the answer) is committed. A commit that timed out waiting for its records sent none,
     * and its transaction is aborted.
     * Every record's future is complete when this returns: those not acknowledged in time fail (as
     * outcome unknown when they had been sent). Later sends fail with {@link IllegalStateException}.
     */
    void close(Duration timeout);
}
