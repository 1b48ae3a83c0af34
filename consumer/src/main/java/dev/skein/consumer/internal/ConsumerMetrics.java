package dev.skein.consumer.internal;

import dev.skein.core.TopicPartition;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters of one consumer, tagged with its client id; no-ops without a registry. Names:
 * {@code skein.consumer.records.consumed}, {@code .bytes.consumed}, {@code .fetch.latency},
 * {@code .rebalances}, {@code .rebalance.duration}, {@code .buffered.bytes}, {@code .fetch.requests} (tag
 * {@code session}: {@code full} or {@code incremental}), and per assigned partition
 * {@code skein.consumer.lag} (tags {@code topic}, {@code partition}).
 *
 * <p>{@link #close()} removes the gauges this instance registered ({@link OwnedMeters}), as the
 * producer's meters do: a gauge's function holds the consumer (its fetcher, its positions), so a closed
 * consumer's gauges would keep it reachable from the registry and report its last lag for ever. Counters
 * and timers hold nothing and stay, with their totals. A partition that goes (revoked, lost, unassigned)
 * takes its lag gauge with it.
 */
final class ConsumerMetrics {
    private final MeterRegistry registry;
    private final String clientId;
    private final Counter records;
    private final Counter bytes;
    private final Timer fetchLatency;
    private final Counter rebalances;
    private final Timer rebalanceDuration;
    private final Counter fullFetches;
    private final Counter incrementalFetches;
    private final Map<TopicPartition, Meter> lagGauges = new ConcurrentHashMap<>();
    /** The gauges this instance registered; null without a registry. */
    private final OwnedMeters owned;
    private volatile boolean closed;

    ConsumerMetrics(MeterRegistry registry, String clientId) {
        this.registry = registry;
        this.clientId = clientId;
        this.owned = registry == null ? null : new OwnedMeters(registry);
        if (registry == null) {
            records = bytes = rebalances = null;
            fetchLatency = rebalanceDuration = null;
            fullFetches = incrementalFetches = null;
            return;
        }
        records = Counter.builder("skein.consumer.records.consumed").tag("client.id", clientId).register(registry);
        bytes = Counter.builder("skein.consumer.bytes.consumed").baseUnit("bytes").tag("client.id", clientId).register(registry);
        fetchLatency = Timer.builder("skein.consumer.fetch.latency").tag("client.id", clientId).register(registry);
        rebalances = Counter.builder("skein.consumer.rebalances").tag("client.id", clientId).register(registry);
        rebalanceDuration = Timer.builder("skein.consumer.rebalance.duration").tag("client.id", clientId).register(registry);
        fullFetches = Counter.builder("skein.consumer.fetch.requests").tag("client.id", clientId).tag("session", "full")
                .register(registry);
        incrementalFetches = Counter.builder("skein.consumer.fetch.requests").tag("client.id", clientId)
                .tag("session", "incremental").register(registry);
    }

    private <M extends Meter> M own(String name, Tags tags, Function<MeterRegistry, M> register) {
        return owned.register(name, tags, register);
    }

    <T> void gauge(String name, T target, ToDoubleFunction<T> f) {
        if (registry != null) {
            Tags id = Tags.of("client.id", clientId);
            own(name, id, Gauge.builder(name, target, f).tags(id)::register);
        }
    }

    void consumed(int n, long byteCount) {
        if (registry != null) {
            records.increment(n);
            bytes.increment(byteCount);
        }
    }

    void fetchLatency(long nanos) {
        if (registry != null) {
            fetchLatency.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void fetchSent(boolean incremental) {
        if (registry != null) {
            (incremental ? incrementalFetches : fullFetches).increment();
        }
    }

    void rebalanced(long nanos) {
        if (registry != null) {
            rebalances.increment();
            rebalanceDuration.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Keeps one lag gauge per assigned partition (after {@link #close()}, none). */
    void assigned(Collection<TopicPartition> partitions, ToDoubleFunction<TopicPartition> lag) {
        if (registry == null) {
            return;
        }
        retainLag(partitions);
        if (closed) {
            return;
        }
        for (TopicPartition tp : partitions) {
            lagGauges.computeIfAbsent(tp, k -> {
                Tags tags = Tags.of("client.id", clientId, "topic", k.topic(), "partition", Integer.toString(k.partition()));
                return own("skein.consumer.lag", tags, Gauge.builder("skein.consumer.lag", k, lag).tags(tags)::register);
            });
        }
    }

    /** Removes the lag gauges of partitions no longer assigned (revoked, lost, unassigned, unsubscribed). */
    void retainLag(Collection<TopicPartition> partitions) {
        if (registry == null) {
            return;
        }
        lagGauges.keySet().removeIf(tp -> {
            if (!partitions.contains(tp)) {
                owned.remove(lagGauges.get(tp));
                return true;
            }
            return false;
        });
    }

    /** The consumer closed: the gauges it registered go, so nothing in the registry holds it. Idempotent. */
    void close() {
        if (registry == null) {
            return;
        }
        closed = true;
        lagGauges.clear();
        owned.removeAll();
    }
}
