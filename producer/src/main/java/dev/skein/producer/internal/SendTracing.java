package dev.skein.producer.internal;

import dev.skein.core.internal.ThrottledLog;
import dev.skein.core.Header;
import dev.skein.producer.Callback;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The "skein.send" observation of each record: started in {@code send()} (a child of the caller's
 * current observation), its trace context written into the record's headers by the registry's
 * propagating handler (W3C {@code traceparent}/{@code tracestate} with OpenTelemetry or Brave set up for
 * W3C, the headers OpenTelemetry's Kafka instrumentation reads), and stopped on the acknowledgement.
 */
public final class SendTracing {
    /** The observation's name. */
    public static final String NAME = "skein.send";

    private static final ThrottledLog log = new ThrottledLog(SendTracing.class);

    private final ObservationRegistry registry;
    private final String clientId;

    /** Null without a registry: the send path then tests one null field and allocates nothing. */
    static SendTracing of(ObservationRegistry registry, String clientId) {
        return registry == null ? null : new SendTracing(registry, clientId);
    }

    private SendTracing(ObservationRegistry registry, String clientId) {
        this.registry = registry;
        this.clientId = clientId;
    }

    /**
     * Starts the record's observation, or returns null when the registry has no handler now (a NOOP
     * registry, or one not set up yet): then nothing is allocated and the record goes as it is.
     */
    <K, V> Traced<K, V> start(ProducerRecord<K, V> record, Callback callback) {
        if (registry.isNoop()) {
            return null;
        }
        List<Header> carrier = new ArrayList<>(record.headers());
        SenderContext<List<Header>> context = new SenderContext<>(SendTracing::setHeader, Kind.PRODUCER);
        context.setCarrier(carrier);
        context.setRemoteServiceName("kafka");
        Observation observation;
        try {
            observation = Observation.createNotStarted(NAME, () -> context, registry)
                    .contextualName(record.topic() + " publish")
                    .lowCardinalityKeyValue("messaging.system", "kafka")
                    .lowCardinalityKeyValue("messaging.operation", "publish")
                    .lowCardinalityKeyValue("messaging.destination.name", record.topic())
                    .lowCardinalityKeyValue("messaging.client.id", clientId)
                    .start(); // the propagating handler writes the headers here, into the carrier
        } catch (RuntimeException e) {
            // A handler that throws is user code failing: the record goes untraced rather than send()
            // throwing past the interceptors' acknowledgement and the callback.
            log.warn(registry, "start of " + NAME, "threw; the record goes untraced", e);
            return null;
        }
        return new Traced<>(observation, record.withHeaders(carrier), callback);
    }

    /** A header set by the propagator replaces any of the same key the record had (a resent record's old context). */
    static void setHeader(List<Header> carrier, String key, String value) {
        if (carrier == null) {
            return;
        }
        carrier.removeIf(h -> h.key().equals(key));
        carrier.add(new Header(key, value.getBytes(StandardCharsets.UTF_8)));
    }

    /** The record as it goes (with the trace headers), and the callback that stops its observation. */
    static final class Traced<K, V> implements Callback {
        final Observation observation;
        final ProducerRecord<K, V> record;
        private final Callback next;

        Traced(Observation observation, ProducerRecord<K, V> record, Callback next) {
            this.observation = observation;
            this.record = record;
            this.next = next;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception error) {
            try {
                if (error != null) {
                    observation.error(error);
                } else {
                    observation.highCardinalityKeyValue("messaging.destination.partition.id",
                            Integer.toString(metadata.partition()));
                    if (metadata.offset() >= 0) {
                        observation.highCardinalityKeyValue("messaging.kafka.offset", Long.toString(metadata.offset()));
                    }
                }
                observation.stop();
            } finally {
                if (next != null) {
                    next.onCompletion(metadata, error);
                }
            }
        }
    }
}
