package dev.skein.serdes.internal;

/**
 * Marks a built-in serde that reads its {@code SerdeContext} only to name a failure and adds no
 * headers: the consumer and the producer then pass none ({@code null}) and save allocations per
 * record (the producer its header list too), and name the record themselves when it fails.
 */
public interface ContextFree {
}
