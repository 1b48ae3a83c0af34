package dev.skein.samples;

import dev.skein.consumer.OffsetReset;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.testkit.mock.MockConsumer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link AtLeastOnceConsumerSample} on a {@link MockConsumer}: stopping in the middle of a batch commits
 * exactly what was processed, so the rest is delivered again.
 */
class AtLeastOnceConsumerSampleTest {

    @Test
    void stoppingMidBatchCommitsOnlyWhatWasProcessed() {
        TopicPartition orders = new TopicPartition("orders", 0);
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder()
                .groupId("billing").offsetReset(OffsetReset.EARLIEST).build();
        for (int i = 0; i < 10; i++) {
            consumer.addRecord(orders, "customer-" + i, "order " + i);
        }
        consumer.rebalance(List.of(orders)); // the group gives this member the partition at its first poll
        int processed;
        try (consumer) {
            processed = AtLeastOnceConsumerSample.run(consumer, "orders", r -> r.offset() == 3, Duration.ofSeconds(5));
        }
        assertEquals(4, processed);
        List<Map<TopicPartition, OffsetAndMetadata>> commits = consumer.commitHistory();
        assertEquals(Map.of(orders, OffsetAndMetadata.of(4)), commits.get(commits.size() - 1),
                "close() commits the position the sample moved back to: records 4..9 are read again");
    }

    @Test
    void aRecordWhoseProcessingThrowsIsNotCommittedNorAreThoseAfterIt() {
        TopicPartition orders = new TopicPartition("orders", 0);
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder()
                .groupId("billing").offsetReset(OffsetReset.EARLIEST).build();
        for (int i = 0; i < 10; i++) {
            consumer.addRecord(orders, "customer-" + i, "order " + i);
        }
        consumer.rebalance(List.of(orders));
        IllegalStateException down = new IllegalStateException("billing is down");
        try (consumer) {
            assertSame(down, assertThrows(IllegalStateException.class, () -> AtLeastOnceConsumerSample.run(consumer, "orders",
                    r -> {
                        if (r.offset() == 6) {
                            throw down;
                        }
                        return false;
                    }, Duration.ofSeconds(5))));
        }
        List<Map<TopicPartition, OffsetAndMetadata>> commits = consumer.commitHistory();
        assertEquals(Map.of(orders, OffsetAndMetadata.of(6)), commits.get(commits.size() - 1),
                "close() commits up to the record that failed: records 6..9 are read again");
    }
}
