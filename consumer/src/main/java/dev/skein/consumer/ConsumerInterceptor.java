package dev.skein.consumer;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;

import java.util.Map;

/**
 * Sees the records each {@code poll()} returns, before the application does, and the offsets the
 * consumer commits. For cross-cutting work that must not change the application's code: filtering,
 * enriching, counting, auditing.
 *
 * <p>Set on the builder ({@link ConsumerBuilder#interceptor}, repeatable) or by class name with the
 * standard {@code interceptor.classes} property (a public class with a public no-arg constructor; each
 * consumer makes its own instance). Interceptors run in order: those of {@code interceptor.classes} as
 * listed, then those given to the builder in the order given; each gets the records the one before
 * returned. The consumer calls {@link #close()} on every one of them when it closes.
 *
 * <p>Failures are isolated: an interceptor that throws (or returns null from {@link #onConsume}) is
 * logged, at most once every few seconds per interceptor, and skipped; the records go on as the
 * previous interceptor left them.
 *
 * <p>Threading: every call runs on the thread that calls the consumer ({@code poll()}, {@code commitSync},
 * {@code close}), never on a network thread. A consumer is used from one thread at a time, so an
 * interceptor instance needs no locking of its own unless it is shared.
 */
public interface ConsumerInterceptor<K, V> extends AutoCloseable {

    /**
     * Called by {@code poll()} just before it returns a non-empty set of records; returns what
     * {@code poll()} returns instead (the same records, or others: fewer, changed). Replacing records
     * changes neither the consumer's positions nor what its delivery mode commits: those follow what
     * was fetched. The default returns {@code records} unchanged.
     */
    default ConsumerRecords<K, V> onConsume(ConsumerRecords<K, V> records) {
        return records;
    }

    /**
     * Called once a commit succeeded, with the offsets committed (the next offset to read, per
     * partition): commits the application asked for ({@code commitSync}, {@code commitAsync}) and those
     * of the delivery mode. A synchronous commit calls it before returning; an asynchronous one from the
     * next {@code poll()}. Offsets committed inside a transaction (exactly-once) are the producer's and
     * do not come here. The default does nothing.
     */
    default void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    /** Called once when the consumer closes. The default does nothing. */
    @Override
    default void close() {}
}
