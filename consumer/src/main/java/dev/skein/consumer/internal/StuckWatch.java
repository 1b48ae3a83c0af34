package dev.skein.consumer.internal;

import dev.skein.core.TopicPartition;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Tells when a partition's oldest record not done has held it back for long: that record's key (or,
 * under partition ordering, the whole partition) and the partition's commit wait for it. Fed the oldest
 * offset of each partition now and then; answers at most once per {@code period} per partition. No
 * threads, no clock of its own; not thread-safe.
 */
public final class StuckWatch {
    private final long periodNanos;
    private final Map<TopicPartition, long[]> seen = new HashMap<>(); // {offset, since, last told}

    public StuckWatch(long periodNanos) {
        this.periodNanos = periodNanos;
    }

    /**
     * {@code tp}'s oldest record not done is at {@code offset} (-1: none) at {@code nowNanos}. Returns for
     * how long, in nanoseconds, it has been the oldest when that is over the period and the last answer
     * for this partition is a period old; else -1.
     */
    public long observe(TopicPartition tp, long offset, long nowNanos) {
        if (offset < 0) {
            seen.remove(tp);
            return -1;
        }
        long[] s = seen.get(tp);
        if (s == null || s[0] != offset) {
            seen.put(tp, new long[] {offset, nowNanos, nowNanos});
            return -1;
        }
        if (nowNanos - s[1] < periodNanos || nowNanos - s[2] < periodNanos) {
            return -1;
        }
        s[2] = nowNanos;
        return nowNanos - s[1];
    }

    /** Forgets the partitions not in {@code tps}. */
    public void retain(Collection<TopicPartition> tps) {
        seen.keySet().retainAll(tps);
    }
}
