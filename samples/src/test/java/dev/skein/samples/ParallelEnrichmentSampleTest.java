package dev.skein.samples;

import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.ParallelProcessor;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.mock.MockProducer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link ParallelEnrichmentSample}'s handler on a {@link MockProducer}: an order is done only once its
 * enriched copy is written, and a write that fails fails the handler (so the order is retried, never
 * committed unwritten).
 */
class ParallelEnrichmentSampleTest {

    private static ConsumerRecord<String, String> order(String customer, String value) {
        return new ConsumerRecord<>("orders", 0, 0, 0L, false, customer, value, List.of(), -1, -1, -1);
    }

    @Test
    void theHandlerWritesTheEnrichedOrderAndFailsWhenTheWriteFails() throws Exception {
        ParallelEnrichmentSample.SlowLookup lookup = new ParallelEnrichmentSample.SlowLookup(Duration.ZERO);
        MockProducer<String, String> producer = MockProducer.builder(Serdes.string().serializer(), Serdes.string().serializer())
                .build();
        ParallelProcessor.Handler<String, String> handler = ParallelEnrichmentSample.enricher(producer, lookup, "enriched");
        handler.handle(order("customer-1", "two apples"));
        String tier = lookup.tierOf("customer-1");
        assertEquals(List.of(ProducerRecord.of("enriched", "customer-1", "two apples (" + tier + " customer)").withPartition(0)),
                producer.history());

        producer.close(); // a send on a closed producer fails, as a refused write would
        assertThrows(ExecutionException.class, () -> handler.handle(order("customer-2", "a pear")));
        assertEquals(1, producer.history().size());
    }
}
