package dev.skein.samples;

import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.OffsetReset;
import dev.skein.core.TopicPartition;
import dev.skein.producer.ProducerRecord;
import dev.skein.samples.ChangeDataIndexerSample.Change;
import dev.skein.serdes.JsonSerde;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.mock.MockConsumer;
import dev.skein.testkit.mock.MockProducer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link ChangeDataIndexerSample} on the mocks: the table's change events (captured by a
 * {@link MockProducer}) feed the index through a {@link MockConsumer}; delivered twice, as at-least-once
 * may after a crash, they leave the same view.
 */
class ChangeDataIndexerSampleTest {

    @Test
    void changesDeliveredTwiceLeaveTheSameView() {
        MockProducer<String, Change> producer = MockProducer.builder(Serdes.string().serializer(),
                JsonSerde.of(Change.class).serializer()).partitions("customer-changes", 2).build();
        try (ChangeDataIndexerSample.CustomerTable table = new ChangeDataIndexerSample.CustomerTable(producer, "customer-changes")) {
            table.upsert("c1", "Ada", "London");
            table.upsert("c2", "Grace", "New York");
            table.upsert("c1", "Ada", "Paris");
            table.delete("c2");
            table.committedRows();
        }
        List<ProducerRecord<String, Change>> events = producer.history();
        assertEquals(4, events.size());

        MockConsumer<String, Change> consumer = MockConsumer.<String, Change>builder().groupId("city-index")
                .offsetReset(OffsetReset.EARLIEST).build();
        Map<TopicPartition, Long> next = new java.util.HashMap<>();
        for (int round = 0; round < 2; round++) { // every event twice, the second time after all the others
            for (ProducerRecord<String, Change> e : events) {
                TopicPartition tp = new TopicPartition(e.topic(), e.partition());
                long offset = next.merge(tp, 1L, Long::sum) - 1;
                consumer.addRecord(new ConsumerRecord<>(e.topic(), e.partition(), offset, 0L, false, e.key(), e.value(),
                        List.of(), -1, -1, -1));
            }
        }
        consumer.rebalance(next.keySet());
        ChangeDataIndexerSample.CityIndex index = new ChangeDataIndexerSample.CityIndex();
        int changed;
        try (consumer) {
            changed = ChangeDataIndexerSample.index(consumer, "customer-changes", index, Duration.ofMillis(300));
        }
        assertEquals(4, changed, "each change applied once; the repeats changed nothing");
        assertEquals(Map.of("Paris", Set.of("Ada")), index.view());
    }
}
