package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.OutcomeUnknownException;
import dev.skein.core.errors.ProtocolException;
import dev.skein.core.internal.Retry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Micrometer meters of one producer, tagged with its client id; every method is a no-op without a
 * registry. Names: {@code skein.producer.records.sent}, {@code .bytes.sent}, {@code .record.errors},
 * {@code .retries}, {@code .errors} (tag {@code code}), {@code .batch.size}, {@code .compression.ratio},
 * {@code .request.latency} (requests the broker was given only), {@code .buffer.available}, {@code .batches.in.flight}.
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
    /** The gauges this producer registered itself: only those does {@link #close()} remove. */
    private final List<Meter> gauges = new CopyOnWriteArrayList<>();
    /**
     * Held while a gauge is looked up and registered: Micrometer hands a second registration of the same
     * name and tags the first's gauge, so whether a gauge is this producer's own is known only by looking
     * first, and two producers with one client.id must not both look before either registers.
     */
    private static final Object REGISTERING = new Object();

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
        ownGauge("skein.producer.buffer.available", bufferAvailable);
    }

    /** The in-flight gauge, once the sender that counts them exists. */
    void inFlightGauge(Supplier<Number> inFlight) {
        if (registry != null) {
            ownGauge("skein.producer.batches.in.flight", inFlight);
        }
    }

    /**
     * Registers a gauge of this producer's, and keeps it for {@link #close()} unless another producer with
     * the same client.id registered it first (that one's stays its own: the registry reads the first).
     */
    private void ownGauge(String name, Supplier<Number> value) {
        synchronized (REGISTERING) {
            boolean taken = registry.find(name).tag("client.id", clientId).gauge() != null;
            // Strong references: registry.gauge() would hold these suppliers weakly, and nothing else holds
            // them, so the gauges would read NaN after the first garbage collection.
            Gauge g = Gauge.builder(name, value, s -> s.get().doubleValue()).tag("client.id", clientId)
                    .strongReference(true).register(registry);
            if (!taken) {
                gauges.add(g);
            }
        }
    }

    /**
     * The producer closed: the gauges it registered go (they would hold its buffers), never another
     * producer's of the same client.id; counters and timers stay.
     */
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

    /**
     * Topics this producer no longer sends to ({@code metadata.max.idle.ms} took them out of its metadata):
     * the meters an observation handler made in this registry from their {@value SendTracing#NAME}
     * observations (Micrometer's {@code DefaultMeterObservationHandler}: {@code skein.send},
     * {@code skein.send.active}, tagged with the topic and this client id) are removed, so a producer
     * that sends to ever new topics does not grow the registry for ever. A later send to the topic
     * makes them again. Called once per expiry on the sender's loop; scans the registry's meters, never
     * per record. Meters in a registry this producer was not given cannot be reached.
     */
    void topicsGone(Collection<String> topics) {
        if (registry == null || topics.isEmpty()) {
            return;
        }
        Set<String> gone = new HashSet<>(topics);
        for (Meter m : registry.getMeters()) { // a copy: removing while iterating is safe
            Meter.Id id = m.getId();
            String name = id.getName();
            if ((name.equals(SendTracing.NAME) || name.startsWith(SendTracing.NAME + "."))
                    && clientId.equals(id.getTag("messaging.client.id"))
                    && gone.contains(id.getTag("messaging.destination.name"))) {
                registry.remove(m);
            }
        }
    }

    /**
     * Records whose send failed for good: a batch's on its final failure, or one record refused inside
     * {@code send()} (not {@code trySend()}'s "would block", which the application sends again).
     */
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

    /**
     * A Produce request ended {@code nanos} after it was handed to its connection, with {@code err} (null:
     * answered, or with acks=0 written). Only a request the broker was given counts in the latency: one
     * answered (an answer that could not be read too), or one that timed out after it was written
     * (outcome unknown after {@code requestTimeout} or more), as Apache Kafka's request-latency has only
     * requests that reached the broker. Left out: a request that failed before it was written (no
     * connection, its connection closed while it waited, authentication refused: a {@link NetworkException}
     * that is not outcome-unknown, or any other error), which would pull the timer toward zero while a
     * broker is down, and one whose connection was lost after the write before its timeout.
     */
    void requestDone(long nanos, Throwable err, Duration requestTimeout) {
        if (registry == null) {
            return;
        }
        Throwable cause = err == null ? null : Retry.cause(err);
        boolean reachedTheBroker = cause == null || cause instanceof ProtocolException
                || (cause instanceof OutcomeUnknownException && nanos >= requestTimeout.toNanos());
        if (reachedTheBroker) {
            latency.record(nanos, TimeUnit.NANOSECONDS);
        }
    }
}
