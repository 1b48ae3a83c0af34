package dev.skein.consumer.internal;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The meters (gauges, in practice) one client registered in a registry, so that it removes them, and
 * only them, when it closes: a gauge's function holds its client, so a closed client's gauges would keep
 * it reachable from the registry and report its last value for ever. A registry hands back the meter it already holds
 * for an id instead of registering another; that one is the instance's that registered it first (two
 * clients given one client id, two processors of one group) and is left alone. Thread-safe.
 */
public final class OwnedMeters {
    private final MeterRegistry registry;
    private final List<Meter> owned = new CopyOnWriteArrayList<>();

    public OwnedMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    /**
     * Registers a meter of that name and tags through {@code register} and returns it; it is this
     * instance's when the registry held none of that id before. Skein's clients register under the
     * registry's monitor, so two of them cannot both take one meter for theirs.
     */
    public <M extends Meter> M register(String name, Tags tags, Function<MeterRegistry, M> register) {
        synchronized (registry) {
            boolean mine = registry.find(name).tags(tags).meter() == null;
            M m = register.apply(registry);
            if (mine) {
                owned.add(m);
            }
            return m;
        }
    }

    /** Removes {@code m} when it is this instance's and the registry still holds that very meter. */
    public void remove(Meter m) {
        if (m == null || !owned.remove(m)) {
            return;
        }
        synchronized (registry) {
            if (registry.find(m.getId().getName()).tags(m.getId().getTags()).meters().stream().anyMatch(x -> x == m)) {
                registry.remove(m);
            }
        }
    }

    /** Removes every meter this instance registered. Idempotent. */
    public void removeAll() {
        for (Meter m : List.copyOf(owned)) {
            remove(m);
        }
    }
}
