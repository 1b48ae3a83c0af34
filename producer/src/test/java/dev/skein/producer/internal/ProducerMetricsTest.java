package dev.skein.producer.internal;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.OutcomeUnknownException;
import dev.skein.core.errors.ProtocolException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

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

    /**
     * The latency of a Produce request is that of one the broker was given: answered (even unreadably),
     * or timed out after it was written. One that failed before it was written (no connection, its
     * connection closed while it waited, authentication refused) or was lost with its connection soon
     * after says nothing about the broker's latency.
     */
    @Test
    void theRequestLatencyTimerHasOnlyRequestsWrittenAndAnsweredOrTimedOut() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProducerMetrics m = new ProducerMetrics(registry, "latency", () -> 0);
        Duration timeout = Duration.ofSeconds(30);
        long ms = TimeUnit.MILLISECONDS.toNanos(1);
        m.requestDone(5 * ms, null, timeout);
        m.requestDone(3 * ms, new CompletionException(new ProtocolException("answer over skein.max.response.bytes")), timeout);
        m.requestDone(30_001 * ms, new OutcomeUnknownException("request to b got no response within 30000 ms", null), timeout);
        m.requestDone(ms, new NetworkException("connection to b is closed; Produce was not sent", null, true), timeout);
        m.requestDone(ms, new CompletionException(new NetworkException("cannot connect to b", null, true)), timeout);
        m.requestDone(ms, new AuthenticationException("SASL authentication with b failed", (Throwable) null), timeout);
        m.requestDone(2 * ms, new OutcomeUnknownException("connection to b closed before the response arrived", null), timeout);
        assertEquals(3, registry.get("skein.producer.request.latency").timer().count(),
                "answered, answered unreadably, timed out; not the four that never reached or were lost");
    }
}
