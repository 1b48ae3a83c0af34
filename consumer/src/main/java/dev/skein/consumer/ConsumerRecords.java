package dev.skein.consumer;

import dev.skein.core.TopicPartition;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/** The records one {@code poll()} returned, grouped by partition, in offset order within each. */
public final class ConsumerRecords<K, V> implements Iterable<ConsumerRecord<K, V>> {
    private static final ConsumerRecords<?, ?> EMPTY = new ConsumerRecords<>(Map.of());

    private final Map<TopicPartition, List<ConsumerRecord<K, V>>> byPartition;

    /**
     * Records grouped by partition, iterated in the map's order. The map is used as given, not copied
     * (as Apache Kafka's {@code ConsumerRecords} does; copying it cost 3% of the polling thread's time in
     * bench/ConsumerComparison): do not change it or its lists afterwards.
     */
    public ConsumerRecords(Map<TopicPartition, List<ConsumerRecord<K, V>>> byPartition) {
        this.byPartition = Collections.unmodifiableMap(byPartition);
    }

    @SuppressWarnings("unchecked")
    public static <K, V> ConsumerRecords<K, V> empty() {
        return (ConsumerRecords<K, V>) EMPTY;
    }

    public List<ConsumerRecord<K, V>> records(TopicPartition tp) {
        return byPartition.getOrDefault(tp, List.of());
    }

    public Set<TopicPartition> partitions() {
        return byPartition.keySet();
    }

    public int count() {
        int n = 0;
        for (List<ConsumerRecord<K, V>> l : byPartition.values()) {
            n += l.size();
        }
        return n;
    }

    public boolean isEmpty() {
        return byPartition.isEmpty();
    }

    /** Every record, partition by partition, each partition's in offset order (no copy is made). */
    @Override
    public Iterator<ConsumerRecord<K, V>> iterator() {
        Iterator<List<ConsumerRecord<K, V>>> lists = byPartition.values().iterator();
        return new Iterator<>() {
            private Iterator<ConsumerRecord<K, V>> current = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && lists.hasNext()) {
                    current = lists.next().iterator();
                }
                return current.hasNext();
            }

            @Override
            public ConsumerRecord<K, V> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }
        };
    }
}
