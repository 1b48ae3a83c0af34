package dev.skein.producer.internal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class ProducerMetricsTest {

    /**
     * Two producers given the same client.id share one registry: the first registered the gauges, so the
     * second's close must not remove them (Micrometer hands the second the first's gauge on registration).
     */
    @Test
    void closingAProducerRemovesOnlyTheGaugesItRegistered() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProducerMetrics first = new ProducerMetrics(registry, "same", () -> 1);
        first.inFlightGauge(() -> 2);
        ProducerMetrics second = new ProducerMetrics(registry, "same", () -> 3);
        second.inFlightGauge(() -> 4);

        second.close();
        assertNotNull(registry.find("skein.producer.buffer.available").tag("client.id", "same").gauge(),
                "the first producer's gauge outlives the second's close");
        assertEquals(1.0, registry.get("skein.producer.buffer.available").tag("client.id", "same").gauge().value());
        assertEquals(2.0, registry.get("skein.producer.batches.in.flight").tag("client.id", "same").gauge().value());

        first.close();
        assertNull(registry.find("skein.producer.buffer.available").gauge());
        assertNull(registry.find("skein.producer.batches.in.flight").gauge());
    }
}
