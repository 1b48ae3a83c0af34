package dev.skein.producer.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Which topics of the producer's metadata have not been sent to for {@code metadata.max.idle.ms}, so
 * that Metadata requests stop naming them (KIP-526, Apache Kafka's {@code ProducerMetadata}). No I/O
 * and no clock: the sender's loop marks a topic used once per Produce request that carries it (not per
 * record: the send path reads no clock) and asks {@link #expire} when {@link #nextCheckNanos} comes.
 * A topic with batches queued or in flight is in use whatever its last request. Loop-confined.
 */
final class IdleTopics {
    private final long maxIdleNanos;
    /** Per topic, when a request last carried it (or when it was first seen of interest); one array per topic. */
    private final Map<String, long[]> lastUsed = new HashMap<>();
    private long nextCheckNanos = Long.MIN_VALUE;

    IdleTopics(long maxIdleNanos) {
        this.maxIdleNanos = maxIdleNanos;
    }

    /** A Produce request carries {@code topic} at {@code nowNanos}. */
    void used(String topic, long nowNanos) {
        long[] last = lastUsed.get(topic);
        if (last == null) {
            lastUsed.put(topic, new long[] {nowNanos});
        } else {
            last[0] = nowNanos;
        }
        nextCheckNanos = Math.min(nextCheckNanos, nowNanos + maxIdleNanos);
    }

    /**
     * When {@link #expire} is due next: when a topic may have gone idle, and at least every
     * {@code metadata.max.idle.ms} (a topic that joined the metadata without a send, {@code partitionsFor},
     * is noticed then). Before the first call to {@code expire}: {@code Long.MIN_VALUE}, due at once.
     */
    long nextCheckNanos() {
        return nextCheckNanos;
    }

    /**
     * The topics of {@code interest} idle for {@code metadata.max.idle.ms}, no longer tracked: the caller
     * drops them from the metadata. A topic of interest not seen before starts its idle time now;
     * {@code busy} (the topics with batches queued or in flight) is asked for only when some topic is idle.
     */
    List<String> expire(Collection<String> interest, Supplier<Set<String>> busy, long nowNanos) {
        lastUsed.keySet().retainAll(interest);
        List<String> idle = new ArrayList<>();
        Set<String> inUse = null;
        long next = nowNanos + maxIdleNanos;
        for (String topic : interest) {
            long[] last = lastUsed.computeIfAbsent(topic, t -> new long[] {nowNanos});
            if (nowNanos - last[0] >= maxIdleNanos) {
                if (inUse == null) {
                    inUse = busy.get();
                }
                if (!inUse.contains(topic)) {
                    idle.add(topic);
                    lastUsed.remove(topic);
                    continue;
                }
                last[0] = nowNanos;
            }
            next = Math.min(next, last[0] + maxIdleNanos);
        }
        nextCheckNanos = next;
        return idle;
    }
}
