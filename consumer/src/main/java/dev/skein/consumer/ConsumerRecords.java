package dev.skein.consumer;

import dev.skein.core.TopicPartition;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.RandomAccess;
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

    /**
     * Every record, partition by partition, each partition's in offset order (no copy is made). Walks
     * each partition's list by index: {@code PollPathBenchmark} read 1-2 ns a record more through the
     * lists' own iterators, which check for concurrent modification on every step and are called
     * twice a record through an interface. A list given without random access is copied first.
     */
    @Override
    public Iterator<ConsumerRecord<K, V>> iterator() {
        Iterator<List<ConsumerRecord<K, V>>> lists = byPartition.values().iterator();
        return new Iterator<>() {
            private List<ConsumerRecord<K, V>> current = List.of();
            private int index;

            @Override
            public boolean hasNext() {
                while (index >= current.size()) {
                    if (!lists.hasNext()) {
                        return false;
                    }
                    List<ConsumerRecord<K, V>> l = lists.next();
                    current = l instanceof RandomAccess ? l : new ArrayList<>(l); // a linked list is not walked by index
                    index = 0;
                }
                return true;
            }

            @Override
            public ConsumerRecord<K, V> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.get(index++);
            }
        };
    }
}
