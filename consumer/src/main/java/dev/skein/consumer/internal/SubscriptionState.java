package dev.skein.consumer.internal;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.consumer.OffsetReset;
import dev.skein.core.TopicPartition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * The assigned partitions and, for each, the position (the next offset {@code poll()} returns), the
 * pause flag and a pending offset reset. The polling thread changes it; the fetcher reads it from an
 * event loop. Every method synchronizes on this object and none calls out while holding it.
 *
 * <p>Log truncation (KIP-320): a position carries the leader epoch of the batch before it (the last
 * batch consumed, a skipped control, aborted or empty batch included; or from a committed offset or an
 * offset lookup). It is known to lie on the leader's log
 * under one leader epoch of the metadata ({@code validatedUnder}); under any other (a new leader, or a
 * position just set from a commit) the fetcher first asks the leader where that epoch ends
 * (OffsetsForLeaderEpoch) and fetches only once the answer shows nothing before the position was lost.
 */
final class SubscriptionState {
    /** What the fetcher needs of a fetchable partition, read at once. */
    record FetchPosition(TopicPartition tp, long offset, int epoch, int validatedUnder, UUID topicId) {
        /** True when the position must be validated before fetching under {@code leaderEpoch}. */
        boolean needsValidation(int leaderEpoch) {
            return epoch >= 0 && leaderEpoch >= 0 && validatedUnder != leaderEpoch;
        }
    }

    static final class PartitionState {
        long position = -1;
        /** Leader epoch of the batch before the position, or -1 when unknown (then nothing is validated). */
        int positionEpoch = -1;
        /** The metadata leader epoch under which the position is known to be on the leader's log, or -1. */
        int validatedUnder = -1;
        /** An OffsetsForLeaderEpoch for this position is in flight. */
        boolean validating;
        /** The log was truncated below the position and no reset applies: nothing is fetched until a seek. */
        boolean truncated;
        boolean paused;
        OffsetReset pendingReset;
        long highWatermark = -1;
        long lastStableOffset = -1;
        /** Position last committed (or -1): at-least-once commits only what moved. */
        long committed = -1;
        /** The id of the topic the position belongs to, once metadata named it. */
        UUID topicId;
    }

    private final Map<TopicPartition, PartitionState> assigned = new LinkedHashMap<>();
    /** How many {@link #assign} calls took a partition away. */
    private long takenAway;
    /** How many {@link #assign} calls changed the assigned partitions. */
    private long assignments;

    synchronized void assign(Collection<TopicPartition> partitions) {
        Map<TopicPartition, PartitionState> next = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            next.put(tp, assigned.getOrDefault(tp, new PartitionState()));
        }
        if (!next.keySet().containsAll(assigned.keySet())) {
            takenAway++;
        }
        if (!next.keySet().equals(assigned.keySet())) {
            assignments++;
        }
        assigned.clear();
        assigned.putAll(next);
    }

    /**
     * How many assignments so far took a partition away (revoked, lost, unassigned, unsubscribed): what
     * was learnt about a partition's committed offset before a change of this count may be out of date,
     * as the partition may have had another owner meanwhile.
     */
    synchronized long takenAway() {
        return takenAway;
    }

    /** How many assignments so far changed the assigned partitions: what depends on them is recomputed when it moves. */
    synchronized long assignments() {
        return assignments;
    }

    synchronized Set<TopicPartition> assignment() {
        return Set.copyOf(assigned.keySet());
    }

    synchronized boolean isAssigned(TopicPartition tp) {
        return assigned.containsKey(tp);
    }

    /** Partitions with a position, not paused, not waiting for a reset or a validation, not truncated. */
    synchronized List<FetchPosition> fetchable() {
        List<FetchPosition> out = new ArrayList<>();
        assigned.forEach((tp, s) -> {
            if (s.position >= 0 && !s.paused && s.pendingReset == null && !s.validating && !s.truncated) {
                out.add(new FetchPosition(tp, s.position, s.positionEpoch, s.validatedUnder, s.topicId));
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

    /**
     * True when records fetched for the position {@code fetchedAt} may be returned: it is still the
     * position, and the partition is not paused, waiting for a reset, or for a check of its position
     * (KIP-320: records fetched before a new leader epoch came may lie on a log the new leader truncates;
     * as Apache Kafka's consumer, they wait for the check) and not found truncated.
     */
    synchronized boolean returnable(TopicPartition tp, long fetchedAt) {
        PartitionState s = assigned.get(tp);
        return s != null && s.position >= 0 && s.position == fetchedAt && !s.paused && s.pendingReset == null
                && !s.validating && !s.truncated;
    }

    /** Moves the position (no leader epoch known: it will not be validated); false when no longer assigned. */
    synchronized boolean seek(TopicPartition tp, long offset) {
        return seek(tp, offset, -1);
    }

    /**
     * Moves the position to {@code offset}, which follows a record of leader epoch {@code epoch} (-1 if
     * unknown); one with an epoch is validated before the next fetch. False when no longer assigned.
     */
    synchronized boolean seek(TopicPartition tp, long offset, int epoch) {
        PartitionState s = assigned.get(tp);
        if (s == null) {
            return false;
        }
        s.position = offset;
        s.positionEpoch = epoch;
        s.validatedUnder = -1;
        s.validating = false;
        s.truncated = false;
        s.pendingReset = null;
        return true;
    }

    /**
     * Advances the position only if it is still {@code expected} (a seek meanwhile wins); {@code epoch}
     * is the leader epoch of the batch read (-1 keeps the one known).
     */
    synchronized boolean advance(TopicPartition tp, long expected, long next, int epoch) {
        PartitionState s = assigned.get(tp);
        if (s == null || s.position != expected) {
            return false;
        }
        s.position = next;
        if (epoch >= 0) {
            s.positionEpoch = epoch;
        }
        // Records are not returned while the position is checked (returnable), so no check should be in
        // flight here; if one were, its answer is for the old position and is ignored, and left set the
        // partition would wait for it forever.
        s.validating = false;
        return true;
    }

    /** The position fetched from {@code leaderEpoch} without validation (no epoch to validate). */
    synchronized void fetchingUnder(TopicPartition tp, long offset, int leaderEpoch) {
        PartitionState s = assigned.get(tp);
        if (s != null && s.position == offset && s.positionEpoch < 0) {
            s.validatedUnder = leaderEpoch;
        }
    }

    /** Marks the position at {@code offset} as being validated; false if it moved or is already. */
    synchronized boolean startValidation(TopicPartition tp, long offset) {
        PartitionState s = assigned.get(tp);
        if (s == null || s.position != offset || s.validating) {
            return false;
        }
        s.validating = true;
        return true;
    }

    /**
     * Ends a validation of the position at {@code offset}: it stands under {@code leaderEpoch}, moved to
     * {@code newOffset} (epoch {@code newEpoch}) when the log diverged before it. Ignored if it moved.
     */
    synchronized void validated(TopicPartition tp, long offset, int leaderEpoch, long newOffset, int newEpoch) {
        PartitionState s = assigned.get(tp);
        if (s == null || s.position != offset || !s.validating) {
            return;
        }
        s.validating = false;
        s.validatedUnder = leaderEpoch;
        if (newOffset != offset) {
            s.position = newOffset;
            s.positionEpoch = newEpoch;
        }
    }

    /** The id of the topic {@code tp}'s position was read from, or null when not known (yet). */
    synchronized UUID topicId(TopicPartition tp) {
        PartitionState s = assigned.get(tp);
        return s == null ? null : s.topicId;
    }

    /**
     * The topic ids the positions of {@code partitions} belong to, by topic (assigned partitions whose
     * topic id was noted): a commit of those positions is for that incarnation of the topic only.
     */
    synchronized Map<String, UUID> topicIds(Collection<TopicPartition> partitions) {
        Map<String, UUID> out = new HashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionState s = assigned.get(tp);
            if (s != null && s.topicId != null) {
                out.put(tp.topic(), s.topicId);
            }
        }
        return out;
    }

    /** A validation that did not finish (no answer, a stale leader): it is tried again. */
    synchronized void validationFailed(TopicPartition tp, long offset) {
        PartitionState s = assigned.get(tp);
        if (s != null && s.position == offset) {
            s.validating = false;
        }
    }

    /** The log was truncated below the position at {@code offset} and no reset applies: stop until a seek. */
    synchronized void truncated(TopicPartition tp, long offset) {
        PartitionState s = assigned.get(tp);
        if (s != null && s.position == offset) {
            s.validating = false;
            s.truncated = true;
        }
    }

    /**
     * The assigned partitions whose noted topic id differs from what {@code ids} says now (deleted and
     * created again), without changing anything: {@link #checkTopicIds} resets them.
     */
    synchronized List<TopicPartition> recreated(Function<String, UUID> ids) {
        List<TopicPartition> out = List.of();
        for (Map.Entry<TopicPartition, PartitionState> e : assigned.entrySet()) {
            UUID now = ids.apply(e.getKey().topic());
            UUID was = e.getValue().topicId;
            if (now != null && was != null && !now.equals(was)) {
                if (out.isEmpty()) {
                    out = new ArrayList<>();
                }
                out.add(e.getKey());
            }
        }
        return out;
    }

    /**
     * Notes the topic ids metadata knows now ({@code ids}: null when it knows none). A partition whose
     * topic has a new id was deleted and created again: its position, which pointed into the old log,
     * is dropped and reset by {@code strategy} (committed offsets of the old topic mean nothing for the
     * new one). Returns those partitions.
     */
    synchronized List<TopicPartition> checkTopicIds(Function<String, UUID> ids,
                                                    OffsetReset strategy) {
        List<TopicPartition> reborn = List.of();
        for (Map.Entry<TopicPartition, PartitionState> e : assigned.entrySet()) {
            UUID now = ids.apply(e.getKey().topic());
            PartitionState s = e.getValue();
            if (now == null || now.equals(s.topicId)) {
                continue;
            }
            if (s.topicId != null) {
                if (reborn.isEmpty()) {
                    reborn = new ArrayList<>();
                }
                reborn.add(e.getKey());
                PartitionState fresh = new PartitionState();
                fresh.paused = s.paused;
                fresh.pendingReset = strategy;
                fresh.topicId = now;
                e.setValue(fresh);
            } else {
                s.topicId = now;
            }
        }
        return reborn;
    }

    /**
     * The fetcher's or the validator's reset ({@code auto.offset.reset} after OFFSET_OUT_OF_RANGE, say),
     * if the position is still the one the answer was about and no reset is pending: a pending one is
     * the user's (seekToBeginning, seekToEnd), asked after that request went out, and stands, as Apache
     * Kafka's consumer ignores a fetch's errors for a partition awaiting a reset.
     */
    synchronized void requestReset(TopicPartition tp, long ifPositionIs, OffsetReset strategy) {
        PartitionState s = assigned.get(tp);
        if (s != null && s.position == ifPositionIs && s.pendingReset == null) {
            s.pendingReset = strategy;
        }
    }

    /** The user's reset (seekToBeginning, seekToEnd): replaces any pending one. */
    synchronized void resetTo(TopicPartition tp, OffsetReset strategy) {
        PartitionState s = assigned.get(tp);
        if (s != null) {
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

    /** Positions that moved since their last commit, as offsets to commit (with their leader epochs). */
    synchronized Map<TopicPartition, OffsetAndMetadata> uncommittedPositions() {
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        assigned.forEach((tp, s) -> {
            if (s.position >= 0 && s.position != s.committed) {
                out.put(tp, new OffsetAndMetadata(s.position, "", s.positionEpoch));
            }
        });
        return out;
    }

    /** Every known position as an offset to commit (with its leader epoch). */
    synchronized Map<TopicPartition, OffsetAndMetadata> positions() {
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        assigned.forEach((tp, s) -> {
            if (s.position >= 0) {
                out.put(tp, new OffsetAndMetadata(s.position, "", s.positionEpoch));
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
