package dev.skein.consumer;

import dev.skein.core.Header;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.ReceiverContext;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RecordTracingTest {
    private static final ConsumerRecord<String, String> RECORD = new ConsumerRecord<>("orders", 2, 41, 0, false, "k", "v",
            List.of(new Header("traceparent", "00-old-01".getBytes(StandardCharsets.UTF_8)),
                    new Header("traceparent", "00-new-01".getBytes(StandardCharsets.UTF_8))), 1, 1, 0);

    /** Reads "traceparent" through the context's getter, as a propagating handler does, and notes the calls. */
    static final class Extracting implements ObservationHandler<ReceiverContext<Object>> {
        final List<String> events = new ArrayList<>();

        @Override
        public void onStart(ReceiverContext<Object> context) {
            events.add("start " + context.getGetter().get(context.getCarrier(), "traceparent"));
        }

        @Override
        public void onError(ReceiverContext<Object> context) {
            events.add("error " + context.getError().getMessage());
        }

        @Override
        public void onStop(ReceiverContext<Object> context) {
            events.add("stop " + context.getName() + " " + context.getHighCardinalityKeyValue("messaging.kafka.offset").getValue());
        }

        @Override
        public boolean supportsContext(Observation.Context context) {
            return context instanceof ReceiverContext;
        }
    }

    @Test
    void theWorkRunsInsideAnObservationThatReadsTheLastTraceHeader() {
        ObservationRegistry registry = ObservationRegistry.create();
        Extracting handler = new Extracting();
        registry.observationConfig().observationHandler(handler);
        assertEquals("done", RecordTracing.process(RECORD, registry, () -> {
            handler.events.add("work");
            return "done";
        }));
        assertEquals(List.of("start 00-new-01", "work", "stop skein.process 41"), handler.events);

        handler.events.clear();
        assertThrows(IllegalStateException.class, () -> RecordTracing.process(RECORD, registry, (Runnable) () -> {
            throw new IllegalStateException("broke");
        }));
        assertEquals(List.of("start 00-new-01", "error broke", "stop skein.process 41"), handler.events);
    }

    @Test
    void offRunsTheWorkAndStartsNothing() {
        List<String> ran = new ArrayList<>();
        RecordTracing.process(RECORD, null, () -> ran.add("null registry"));
        RecordTracing.process(RECORD, ObservationRegistry.NOOP, () -> ran.add("noop registry"));
        assertEquals(List.of("null registry", "noop registry"), ran);
        assertSame(Observation.NOOP, RecordTracing.start(RECORD, null));
        assertSame(Observation.NOOP, RecordTracing.start(RECORD, ObservationRegistry.create()));
    }
}
