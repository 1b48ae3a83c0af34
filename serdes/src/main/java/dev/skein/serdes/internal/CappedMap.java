package dev.skein.serdes.internal;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A concurrent map of about {@code capacity} entries, for the registry serdes' own caches (ids by subject
 * and schema, schemas, readers, writers and validators by id), sized by the registry client's cache
 * capacity. Reads are plain {@link ConcurrentHashMap} reads: no lock on the per-record path, unlike the
 * client's LRU {@link BoundedCache}. A put into a full map first drops one entry, the first the map's
 * iteration meets (not the least recently used: tracking use would cost every read a write). What is
 * dropped is rebuilt from the registry client, whose own caches usually still hold it, so no HTTP call.
 * Threads that put at once may each find room: the size can pass the capacity by that many entries.
 */
public final class CappedMap<K, V> {
    private final ConcurrentHashMap<K, V> map = new ConcurrentHashMap<>();
    private final int capacity;

    public CappedMap(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        this.capacity = capacity;
    }

    public V get(K key) {
        return map.get(key);
    }

    public void put(K key, V value) {
        if (!map.containsKey(key)) {
            makeRoom();
        }
        map.put(key, value);
    }

    /** As {@link ConcurrentHashMap#putIfAbsent}: the value already there, or null when {@code value} went in. */
    public V putIfAbsent(K key, V value) {
        V there = map.get(key);
        if (there != null) {
            return there;
        }
        makeRoom();
        return map.putIfAbsent(key, value);
    }

    /** As {@link ConcurrentHashMap#computeIfAbsent}; {@code build} must not do I/O (it runs under the bin's lock). */
    public V computeIfAbsent(K key, Function<? super K, ? extends V> build) {
        V there = map.get(key);
        if (there != null) {
            return there;
        }
        makeRoom();
        return map.computeIfAbsent(key, build);
    }

    public int size() {
        return map.size();
    }

    private void makeRoom() {
        if (map.size() >= capacity) {
            Iterator<K> it = map.keySet().iterator();
            if (it.hasNext()) {
                map.remove(it.next());
            }
        }
    }
}
