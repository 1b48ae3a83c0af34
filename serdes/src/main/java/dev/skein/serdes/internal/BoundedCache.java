package dev.skein.serdes.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A least-recently-used map of at most {@code capacity} entries. The registry client keeps ids and
 * schemas in these so that a long-lived client fed ever-new schemas (schema-per-tenant, generated
 * schemas) cannot grow without bound. One lock: lookups are a hash probe, far cheaper than the HTTP
 * call they save.
 */
public final class BoundedCache<K, V> {
    private final Map<K, V> map;

    public BoundedCache(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.map = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized V get(K key) {
        return map.get(key);
    }

    public synchronized void put(K key, V value) {
        map.put(key, value);
    }

    public synchronized void putIfAbsent(K key, V value) {
        map.putIfAbsent(key, value);
    }

    public synchronized int size() {
        return map.size();
    }
}
