package dev.skein.consumer.internal;

import dev.skein.core.TopicPartition;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The share consumer's acknowledgements given and not sent yet, kept by the broker whose share session
 * delivered their records. KIP-932 has a record acknowledged in the share session that acquired it: after a
 * leader move, the acknowledgements of records the old leader delivered go to the old leader's session (which
 * answers for them), never to the new leader's, which holds no lock on them and refuses them
 * (INVALID_RECORD_STATE). A partition's acknowledgements are kept per offset (a later one for an offset wins)
 * and taken whole. Polling thread only.
 */
final class ShareAcks {
    /** The acknowledgements of the records of {@code tp} that broker {@code node} delivered. */
    record Source(int node, TopicPartition tp) {}

    private final Map<Source, TreeMap<Long, Byte>> bySource = new LinkedHashMap<>();

    /** Adds the acknowledgement of {@code offset} of {@code tp}, delivered by {@code node}; a later one for it wins. */
    void add(int node, TopicPartition tp, long offset, byte type) {
        bySource.computeIfAbsent(new Source(node, tp), k -> new TreeMap<>()).put(offset, type);
    }

    /** Puts back acknowledgements a broker did not apply (a retriable error); one given since for an offset wins. */
    void putBack(int node, TopicPartition tp, Map<Long, Byte> types) {
        TreeMap<Long, Byte> now = bySource.computeIfAbsent(new Source(node, tp), k -> new TreeMap<>());
        types.forEach(now::putIfAbsent);
    }

    /** The partitions with acknowledgements of records {@code node} delivered. */
    Set<TopicPartition> partitions(int node) {
        Set<TopicPartition> out = new LinkedHashSet<>();
        bySource.keySet().forEach(s -> {
            if (s.node() == node) {
                out.add(s.tp());
            }
        });
        return out;
    }

    /** A copy of the acknowledgements of {@code tp}'s records that {@code node} delivered, or null when none. */
    TreeMap<Long, Byte> get(int node, TopicPartition tp) {
        TreeMap<Long, Byte> acks = bySource.get(new Source(node, tp));
        return acks == null ? null : new TreeMap<>(acks);
    }

    /** Takes the acknowledgements of {@code tp}'s records that {@code node} delivered; null when none. */
    TreeMap<Long, Byte> take(int node, TopicPartition tp) {
        return bySource.remove(new Source(node, tp));
    }

    /** Every source with acknowledgements, in the order they were first given (a copy). */
    List<Source> sources() {
        return new ArrayList<>(bySource.keySet());
    }

    boolean isEmpty() {
        return bySource.isEmpty();
    }

    void clear() {
        bySource.clear();
    }
}
