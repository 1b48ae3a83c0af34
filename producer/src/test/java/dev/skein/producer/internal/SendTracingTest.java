package dev.skein.producer.internal;

import dev.skein.core.Header;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.SenderContext;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class SendTracingTest {

    /** Writes "traceparent" as a propagating tracing handler would, and keeps the contexts it stopped. */
    static class Injecting implements ObservationHandler<SenderContext<Object>> {
        final List<Observation.Context> stopped = new ArrayList<>();

        @Override
        public void onStart(SenderContext<Object> context) {
            context.getSetter().set(context.getCarrier(), "traceparent", "00-new-01");
        }

        @Override
        public void onStop(SenderContext<Object> context) {
            stopped.add(context);
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return context instanceof SenderContext;
        }
    }

    @Test
    void theTraceHeadersReplaceAnOldContextAndTheObservationStopsOnTheAcknowledgement() {
        ObservationRegistry registry = ObservationRegistry.create();
        Injecting handler = new Injecting();
        registry.observationConfig().observationHandler(handler);
        ProducerRecord<String, String> resent = ProducerRecord.of("t", "k", "v").withHeader("traceparent", "00-old-01".getBytes())
                .withHeader("app", "a".getBytes());
        List<String> calls = new ArrayList<>();
        SendTracing.Traced<String, String> traced = SendTracing.of(registry, "c").start(resent, (md, e) -> calls.add("callback"));
        assertEquals(List.of("app", "traceparent"), traced.record.headers().stream().map(Header::key).toList());
        assertEquals("00-new-01", new String(traced.record.headers().get(1).value(), StandardCharsets.UTF_8));
        assertEquals(List.of(), handler.stopped, "running until acknowledged");

        traced.onCompletion(new RecordMetadata("t", 3, 42, 0, 1, 1), null);
        assertEquals(1, handler.stopped.size());
        assertEquals(List.of("callback"), calls);
        Observation.Context c = handler.stopped.get(0);
        assertEquals(KeyValue.of("messaging.destination.partition.id", "3"), c.getHighCardinalityKeyValue("messaging.destination.partition.id"));
        assertEquals("t", c.getLowCardinalityKeyValue("messaging.destination.name").getValue());
        assertEquals("skein.send", c.getName());
    }

    @Test
    void aFailureIsRecordedOnTheObservation() {
        ObservationRegistry registry = ObservationRegistry.create();
        Injecting handler = new Injecting();
        registry.observationConfig().observationHandler(handler);
        SendTracing.Traced<String, String> traced = SendTracing.of(registry, "c").start(ProducerRecord.of("t", "v"), null);
        IllegalStateException refused = new IllegalStateException("refused");
        traced.onCompletion(null, refused);
        assertSame(refused, handler.stopped.get(0).getError());
    }

    @Test
    void offMeansNothingIsStarted() {
        assertNull(SendTracing.of(null, "c"), "no registry: no tracing step at all");
        assertNull(SendTracing.of(ObservationRegistry.NOOP, "c").start(ProducerRecord.of("t", "v"), null));
        assertNull(SendTracing.of(ObservationRegistry.create(), "c").start(ProducerRecord.of("t", "v"), null),
                "a registry without handlers is a no-op");
    }

    @Test
    void aHandlerThatThrowsOnStartLeavesTheRecordUntracedInsteadOfFailingSend() {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new Injecting() {
            @Override
            public void onStart(SenderContext<Object> context) {
                throw new IllegalStateException("a broken tracing handler");
            }
        });
        assertNull(SendTracing.of(registry, "c").start(ProducerRecord.of("t", "v"), null));
    }
}
