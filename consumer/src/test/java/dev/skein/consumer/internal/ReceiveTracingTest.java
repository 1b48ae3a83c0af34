package dev.skein.consumer.internal;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

class ReceiveTracingTest {

    @Test
    void aTracingHandlerThatThrowsDoesNotFailThePollThatCarriesRecords() {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStart(Observation.Context context) {
                throw new IllegalStateException("a broken tracing handler");
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        assertDoesNotThrow(() -> SkeinConsumer.observeReceive(registry, 3, "g", "c"));
    }
}
