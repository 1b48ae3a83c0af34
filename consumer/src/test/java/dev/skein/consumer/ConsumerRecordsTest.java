package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Iterating the records of a poll: partition by partition, in each partition's order, whatever lists hold them. */
class ConsumerRecordsTest {
    @Test
    void everyRecordOncePartitionByPartitionPastEmptyListsAndListsWithoutRandomAccess() {
        Map<TopicPartition, List<ConsumerRecord<String, String>>> byPartition = new LinkedHashMap<>();
        byPartition.put(new TopicPartition("t", 2), new ArrayList<>(List.of(record(2, 10), record(2, 11))));
        byPartition.put(new TopicPartition("t", 0), new ArrayList<>());
        byPartition.put(new TopicPartition("t", 1), new LinkedList<>(List.of(record(1, 5), record(1, 6), record(1, 7))));
        byPartition.put(new TopicPartition("u", 0), List.of());
        ConsumerRecords<String, String> records = new ConsumerRecords<>(byPartition);

        List<String> seen = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records) {
            seen.add(r.partition() + "@" + r.offset());
        }
        assertEquals(List.of("2@10", "2@11", "1@5", "1@6", "1@7"), seen);
        assertEquals(5, records.count());

        Iterator<ConsumerRecord<String, String>> it = records.iterator();
        for (int i = 0; i < 5; i++) {
            it.next(); // without hasNext() in between
        }
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
        assertFalse(ConsumerRecords.<String, String>empty().iterator().hasNext());
    }

    private static ConsumerRecord<String, String> record(int partition, long offset) {
        return new ConsumerRecord<>("t", partition, offset, 0L, false, null, "v" + offset, List.of(), -1, 2, 0);
    }
}
