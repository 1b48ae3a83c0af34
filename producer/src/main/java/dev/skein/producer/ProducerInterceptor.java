package dev.skein.producer;

/**
 * Sees every record a producer sends, before it is serialized, and every acknowledgement, before the
 * record's callback and future. For cross-cutting work that must not change the application's code:
 * adding a header, counting, auditing.
 *
 * <p>Set on the builder ({@link ProducerBuilder#interceptor}, repeatable) or by class name with the
 * standard {@code interceptor.classes} property (a public class with a public no-arg constructor; each
 * producer makes its own instance). Interceptors run in order: those of {@code interceptor.classes} as
 * listed, then those given to the builder in the order given; each gets the record the one before
 * returned. The producer calls {@link #close()} on every one of them when it closes.
 *
 * <p>Failures are isolated: an interceptor that throws (or returns null from {@link #onSend}) is
 * logged, at most once every few seconds per interceptor, and skipped; the record goes on as the
 * previous interceptor left it and never fails because of an interceptor.
 *
 * <p>Threading: {@link #onSend} runs on the thread calling {@code send()}, which may be many threads at
 * once. {@link #onAcknowledgement} runs on the producer's callback thread (never a network thread), in
 * send order per partition, before the record's own callback; it must be quick: it holds up every
 * acknowledgement after it.
 */
public interface ProducerInterceptor<K, V> extends AutoCloseable {

    /**
     * Called by {@code send()} before the record is serialized and its partition chosen; returns the
     * record to send instead (the same one, or a changed copy: another value, an added header, even
     * another topic or partition). The default returns {@code record} unchanged.
     */
    default ProducerRecord<K, V> onSend(ProducerRecord<K, V> record) {
        return record;
    }

    /**
     * Called once per record sent when it is acknowledged ({@code error} null) or has failed ({@code error}
     * the reason), including records that failed inside {@code send()}. {@code metadata} is never null: on
     * failure it names the topic and the partition (-1 when none was chosen yet), with -1 for the rest,
     * as the record's {@link Callback} gets it. Runs on the callback thread before the record's callback:
     * keep it short.
     */
    default void onAcknowledgement(RecordMetadata metadata, Exception error) {}

    /** Called once when the producer closes. The default does nothing. */
    @Override
    default void close() {}
}
