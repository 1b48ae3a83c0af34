package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Micrometer meters of one producer, tagged with its client id; every method is a no-op without a
 * registry. Names: {@code skein.producer.records.sent}, {@code .bytes.sent}, {@code .record.errors},
 * {@code .retries}, {@code .errors} (tag {@code code}), {@code .batch.size}, {@code .compression.ratio},
 * {@code .request.latency}, {@code .buffer.available}, {@code .batches.in.flight}.
 */
final class ProducerMetrics {
    private final MeterRegistry registry;
    private final String clientId;
    private final Counter records;
    private final Counter bytes;
    private final Counter recordErrors;
    private final Counter retries;
    private final DistributionSummary batchSize;
    private final DistributionSummary compressionRatio;
    private final Timer latency;
    private final Timer throttle;
    private final List<Meter> gauges = new CopyOnWriteArrayList<>();

    ProducerMetrics(MeterRegistry registry, String clientId, Supplier<Number> bufferAvailable) {
        this.registry = registry;
        this.clientId = clientId;
        if (registry == null) {
            records = bytes = recordErrors = retries = null;
            batchSize = compressionRatio = null;
            latency = throttle = null;
            return;
        }
        records = Counter.builder("skein.producer.records.sent").tag("client.id", clientId).register(registry);
        bytes = Counter.builder("skein.producer.bytes.sent").baseUnit("bytes").tag("client.id", clientId).register(registry);
        recordErrors = Counter.builder("skein.producer.record.errors").tag("client.id", clientId).register(registry);
        retries = Counter.builder("skein.producer.retries").tag("client.id", clientId).register(registry);
        batchSize = DistributionSummary.builder("skein.producer.batch.size").baseUnit("bytes").tag("client.id", clientId)
                .register(registry);
        compressionRatio = DistributionSummary.builder("skein.producer.compression.ratio").tag("client.id", clientId)
                .register(registry);
        latency = Timer.builder("skein.producer.request.latency").tag("client.id", clientId).register(registry);
        throttle = Timer.builder("skein.producer.throttle.time").description("how long brokers asked this producer to"
                + " hold off (quota throttling, KIP-219)").tag("client.id", clientId).register(registry);
        // Strong references: registry.gauge() would hold these suppliers weakly, and nothing else holds
        // them, so the gauges would read NaN after the first garbage collection.
        gauges.add(Gauge.builder("skein.producer.buffer.available", bufferAvailable, s -> s.get().doubleValue())
                .tag("client.id", clientId).strongReference(true).register(registry));
    }

    /** The in-flight gauge, once the sender that counts them exists. */
    void inFlightGauge(Supplier<Number> inFlight) {
        if (registry != null) {
            gauges.add(Gauge.builder("skein.producer.batches.in.flight", inFlight, s -> s.get().doubleValue())
                    .tag("client.id", clientId).strongReference(true).register(registry));
        }
    }

    /** The producer closed: its gauges go (they would hold its buffers); counters and timers stay. */
    void close() {
        if (registry != null) {
            gauges.forEach(registry::remove);
            gauges.clear();
        }
    }

    void batchSent(ProducerBatch b) {
        if (registry == null) {
            return;
        }
        records.increment(b.recordCount());
        int wire = b.bytes() == null ? 0 : b.bytes().readableBytes();
        bytes.increment(wire);
        batchSize.record(wire);
        if (b.uncompressedSize() > 0) {
            compressionRatio.record((double) wire / b.uncompressedSize());
        }
    }

    void recordErrors(int n) {
        if (registry != null) {
            recordErrors.increment(n);
        }
    }

    void retry() {
        if (registry != null) {
            retries.increment();
        }
    }

    void error(ErrorCode code) {
        if (registry != null) {
            registry.counter("skein.producer.errors", "client.id", clientId, "code", code.name()).increment();
        }
    }

    void throttled(int millis) {
        if (registry != null && millis > 0) {
            throttle.record(millis, TimeUnit.MILLISECONDS);
        }
    }

    void requestLatency(long nanos) {
        if (registry != null) {
            latency.record(nanos, TimeUnit.NANOSECONDS);
        }
    }
}
