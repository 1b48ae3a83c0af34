package dev.skein.consumer.internal;

import dev.skein.consumer.OffsetReset;
import dev.skein.core.TopicPartition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The assigned partitions and, for each, the position (the next offset {@code poll()} returns), the
 * pause flag and a pending offset reset. The polling thread changes it; the fetcher reads it from an
 * event loop. Every method synchronizes on this object and none calls out while holding it.
 */
final class SubscriptionState {
    static final class PartitionState {
        long position = -1;
        int positionLeaderEpoch = -1;
        boolean paused;
        OffsetReset pendingReset;
        long highWatermark = -1;
        long lastStableOffset = -1;
        /** Position last committed (or -1): at-least-once commits only what moved. */
        long committed = -1;
    }

    private final Map<TopicPartition, PartitionState> assigned = new LinkedHashMap<>();

    synchronized void assign(Collection<TopicPartition> partitions) {
        Map<TopicPartition, PartitionState> next = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            next.put(tp, assigned.getOrDefault(tp, new PartitionState()));
        }
        assigned.clear();
        assigned.putAll(next);
    }

    synchronized Set<TopicPartition> assignment() {
        return Set.copyOf(assigned.keySet());
    }

    synchronized boolean isAssigned(TopicPartition tp) {
        return assigned.containsKey(tp);
    }

    /** Partitions with a position, not paused, and not waiting for a reset. */
    synchronized List<TopicPartition> fetchable() {
        List<TopicPartition> out = new ArrayList<>();
        assigned.forEach((tp, s) -> {
            if (s.position >= 0 && !s.paused && s.pendingReset == null) {
                out.add(tp);
            }
        });
        return out;
    }

    /** Partitions that need a position: never had one, or a reset is pending. */
    synchronized Set<TopicPartition> needingPosition() {
        Set<TopicPartition> out = new LinkedHashSet<>();
        assigned.forEach((tp, s) -> {
            if (s.position < 0 || s.pendingReset != null) {
                out.add(tp);
            }
        });
        return out;
    }

    synchronized long position(TopicPartition tp) {
        PartitionState s = assigned.get(tp);
        return s == null ? -1 : s.position;
    }

    /** Moves the position; returns false when the partition is no longer assigned. */
    synchronized boolean seek(TopicPartition tp, long offset) {
        PartitionState s = assigned.get(tp);
        if (s == null) {
            return false;
        }
        s.position = offset;
        s.pendingReset = null;
        return true;
    }

    /** Advances the position only if it is still {@code expected} (a seek meanwhile wins). */
    synchronized boolean advance(TopicPartition tp, long expected, long next) {
        PartitionState s = assigned.get(tp);
        if (s == null || s.position != expected) {
            return false;
        }
        s.position = next;
        return true;
    }

    synchronized void requestReset(TopicPartition tp, long ifPositionIs, OffsetReset strategy) {
        PartitionState s = assigned.get(tp);
        if (s != null && s.position == ifPositionIs) {
            s.pendingReset = strategy;
        }
    }

    synchronized OffsetReset pendingReset(TopicPartition tp) {
        PartitionState s = assigned.get(tp);
        return s == null ? null : s.pendingReset;
    }

    synchronized void pause(Collection<TopicPartition> tps, boolean paused) {
        for (TopicPartition tp : tps) {
            PartitionState s = assigned.get(tp);
            if (s == null) {
                throw new IllegalStateException(tp + " is not assigned to this consumer");
            }
            s.paused = paused;
        }
    }

    synchronized Set<TopicPartition> paused() {
        Set<TopicPartition> out = new LinkedHashSet<>();
        assigned.forEach((tp, s) -> {
            if (s.paused) {
                out.add(tp);
            }
        });
        return out;
    }

    synchronized boolean isPaused(TopicPartition tp) {
        PartitionState s = assigned.get(tp);
        return s != null && s.paused;
    }

    synchronized void updateWatermarks(TopicPartition tp, long hw, long lso) {
        PartitionState s = assigned.get(tp);
        if (s != null) {
            s.highWatermark = hw;
            s.lastStableOffset = lso;
        }
    }

    /** End offset (high watermark, or last stable offset under read_committed) minus position, or -1 if unknown. */
    synchronized long lag(TopicPartition tp, boolean readCommitted) {
        PartitionState s = assigned.get(tp);
        if (s == null || s.position < 0) {
            return -1;
        }
        long end = readCommitted ? s.lastStableOffset : s.highWatermark;
        return end < 0 ? -1 : Math.max(0, end - s.position);
    }

    /** Positions that moved since their last commit. */
    synchronized Map<TopicPartition, Long> uncommittedPositions() {
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        assigned.forEach((tp, s) -> {
            if (s.position >= 0 && s.position != s.committed) {
                out.put(tp, s.position);
            }
        });
        return out;
    }

    synchronized Map<TopicPartition, Long> positions() {
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        assigned.forEach((tp, s) -> {
            if (s.position >= 0) {
                out.put(tp, s.position);
            }
        });
        return out;
    }

    synchronized void markCommitted(TopicPartition tp, long offset) {
        PartitionState s = assigned.get(tp);
        if (s != null) {
            s.committed = offset;
        }
    }
}
