package dev.skein.core;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/** A partition of a topic. */
public record TopicPartition(String topic, int partition) {
    public TopicPartition {
        Objects.requireNonNull(topic, "topic");
    }

    /** The distinct topics of these partitions. */
    public static Set<String> topicsOf(Collection<TopicPartition> partitions) {
        Set<String> out = new LinkedHashSet<>();
        partitions.forEach(tp -> out.add(tp.topic()));
        return out;
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
