package dev.skein.admin;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The outcome of a call that names several items (topics, config resources, ...): one future per
 * item, so a partial failure is visible, and {@link #all()} for callers who want everything or the
 * first error.
 *
 * @param <K> how an item is named (a topic name, a {@link ConfigResource}, ...)
 * @param <V> what each item yields ({@code Void} when only success matters)
 */
public final class Results<K, V> {
    private final Map<K, CompletableFuture<V>> byItem;

    public Results(Map<K, CompletableFuture<V>> byItem) {
        this.byItem = Collections.unmodifiableMap(new LinkedHashMap<>(byItem));
    }

    /** Every item's future, in the order the items were given. */
    public Map<K, CompletableFuture<V>> byItem() {
        return byItem;
    }

    /** One item's future. */
    public CompletableFuture<V> get(K item) {
        CompletableFuture<V> f = byItem.get(item);
        if (f == null) {
            throw new IllegalArgumentException(item + " was not part of this call");
        }
        return f;
    }

    /** Every item's value, or the first failure (the others are still in {@link #byItem()}). */
    public CompletableFuture<Map<K, V>> all() {
        return CompletableFuture.allOf(byItem.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<K, V> out = new LinkedHashMap<>();
            byItem.forEach((k, f) -> out.put(k, f.join()));
            return out;
        });
    }
}
