package dev.skein.serdes.internal;

/**
 * Marks a built-in deserializer that reads its {@code SerdeContext} only to name a failure: the
 * consumer then passes none ({@code null}) and saves two allocations per record, and names the
 * record itself when the deserializer fails.
 */
public interface ContextFree {
}
