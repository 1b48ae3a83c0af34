package dev.skein.consumer;

import dev.skein.core.Header;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Traces the processing of a consumed record through Micrometer's Observation API: a "skein.process"
 * observation (kind CONSUMER) whose parent is the trace context the producer wrote into the record's
 * headers (W3C {@code traceparent}/{@code tracestate} with an OpenTelemetry bridge: what Skein's
 * producer and OpenTelemetry's Kafka instrumentation write), opened around the work so that what the
 * work observes or sends (a Skein producer's "skein.send") is its child.
 *
 * <pre>{@code
 * for (ConsumerRecord<String, Order> r : consumer.poll(Duration.ofSeconds(1))) {
 *     RecordTracing.process(r, observationRegistry, () -> handle(r));
 * }
 * }</pre>
 *
 * <p>As in Apache Kafka's client instrumented by OpenTelemetry, the plain consumer does not open a span
 * per record by itself (a poll hands records over and cannot tell when each is done): the application
 * says where processing happens, with these methods. {@link ExactlyOnceProcessor} calls them itself.
 * With a null registry, or one without handlers, they run the work and allocate nothing.
 */
public final class RecordTracing {
    /** The name of the per-record observation. */
    public static final String PROCESS = "skein.process";

    private RecordTracing() {}

    /** Runs {@code work} inside the record's "skein.process" observation; an exception is recorded and rethrown. */
    public static void process(ConsumerRecord<?, ?> record, ObservationRegistry registry, Runnable work) {
        Objects.requireNonNull(work, "work");
        if (registry == null || registry.isNoop()) {
            work.run();
            return;
        }
        observation(record, registry).observe(work);
    }

    /** As {@link #process(ConsumerRecord, ObservationRegistry, Runnable)}, returning what {@code work} returns. */
    public static <T> T process(ConsumerRecord<?, ?> record, ObservationRegistry registry, Supplier<T> work) {
        Objects.requireNonNull(work, "work");
        if (registry == null || registry.isNoop()) {
            return work.get();
        }
        return observation(record, registry).observe(work);
    }

    /**
     * The record's "skein.process" observation, started and not in scope, for work that finishes
     * elsewhere (an asynchronous handler): stop it when the work is done, after {@code error(e)} if it
     * failed; {@code openScope()} it on a thread that works on the record. {@link Observation#NOOP} with
     * a null registry or one without handlers.
     */
    public static Observation start(ConsumerRecord<?, ?> record, ObservationRegistry registry) {
        if (registry == null || registry.isNoop()) {
            return Observation.NOOP;
        }
        return observation(record, registry).start();
    }

    private static Observation observation(ConsumerRecord<?, ?> record, ObservationRegistry registry) {
        ReceiverContext<List<Header>> context = new ReceiverContext<>(RecordTracing::lastHeader, Kind.CONSUMER);
        context.setCarrier(record.headers());
        context.setRemoteServiceName("kafka");
        return Observation.createNotStarted(PROCESS, () -> context, registry)
                .contextualName(record.topic() + " process")
                .lowCardinalityKeyValue("messaging.system", "kafka")
                .lowCardinalityKeyValue("messaging.operation", "process")
                .lowCardinalityKeyValue("messaging.destination.name", record.topic())
                .highCardinalityKeyValue("messaging.destination.partition.id", Integer.toString(record.partition()))
                .highCardinalityKeyValue("messaging.kafka.offset", Long.toString(record.offset()));
    }

    /** The last header of that key as UTF-8 (the one a propagating producer wrote last), or null. */
    static String lastHeader(List<Header> headers, String key) {
        if (headers == null) {
            return null;
        }
        for (int i = headers.size() - 1; i >= 0; i--) {
            Header h = headers.get(i);
            if (h.key().equals(key)) {
                return h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
