package dev.skein.samples;

import dev.skein.consumer.Delivery;
import dev.skein.consumer.OffsetReset;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.testkit.mock.MockConsumer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link AtMostOnceConsumerSample} on a {@link MockConsumer}: the batch is committed before it is handled,
 * so stopping mid-batch skips the rest rather than repeating anything.
 */
class AtMostOnceConsumerSampleTest {

    @Test
    void aBatchIsCommittedBeforeItsFirstRecordIsHandled() {
        TopicPartition alerts = new TopicPartition("alerts", 0);
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().groupId("notifier")
                .delivery(Delivery.AT_MOST_ONCE).offsetReset(OffsetReset.EARLIEST).maxPollRecords(50).build();
        for (int i = 0; i < 8; i++) {
            consumer.addRecord(alerts, "customer-" + i, "alert " + i);
        }
        consumer.rebalance(List.of(alerts));
        List<List<Map<TopicPartition, OffsetAndMetadata>>> committedWhenHandled = new ArrayList<>();
        int handled;
        try (consumer) {
            handled = AtMostOnceConsumerSample.run(consumer, "alerts", r -> {
                committedWhenHandled.add(consumer.commitHistory());
                return r.offset() == 2;
            }, Duration.ofSeconds(5));
        }
        assertEquals(3, handled);
        assertEquals(List.of(Map.of(alerts, OffsetAndMetadata.of(8))), committedWhenHandled.get(0),
                "the whole batch was committed before the first alert was sent");
        assertEquals(List.of(Map.of(alerts, OffsetAndMetadata.of(8))), consumer.commitHistory(),
                "nothing else was committed: the unsent alerts 3..7 are skipped, never repeated");
    }
}
