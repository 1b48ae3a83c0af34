package dev.skein.samples;

import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.OffsetReset;
import dev.skein.producer.ProducerRecord;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.JsonSchemaSerde;
import dev.skein.serdes.SchemaRegistryClient;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.SchemaRegistryStub;
import dev.skein.testkit.mock.MockConsumer;
import dev.skein.testkit.mock.MockProducer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link JsonSchemaSample} on the mocks: valid payments pass the real JSON Schema serializer, the
 * invalid one is refused naming its field and never recorded, and what is read comes back in order.
 */
class JsonSchemaSampleTest {

    @Test
    void validPaymentsAreWrittenTheInvalidOneIsRefusedAndAllAreReadBackInOrder() throws Exception {
        List<ProducerRecord<String, JsonSchemaSample.Payment>> written;
        Set<TopicPartition> partitions;
        try (SchemaRegistryStub registry = new SchemaRegistryStub()) {
            SchemaRegistryClient client = SchemaRegistryClient.builder().url(registry.url()).build();
            MockProducer<String, JsonSchemaSample.Payment> producer = MockProducer.builder(Serdes.string().serializer(),
                    JsonSchemaSerde.builder(client).schema(JsonSchemaSample.SCHEMA).of(JsonSchemaSample.Payment.class)
                            .serializer()).build();
            partitions = JsonSchemaSample.produce(producer, "payments", 6);
            String refused = JsonSchemaSample.sendInvalid(producer, "payments");
            assertTrue(refused.contains("/cents"), refused);
            written = producer.history();
        }
        assertEquals(6, written.size(), "the invalid payment is not in the history");

        MockConsumer<String, JsonSchemaSample.Payment> consumer = MockConsumer.<String, JsonSchemaSample.Payment>builder()
                .delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).build();
        for (int i = 0; i < written.size(); i++) {
            ProducerRecord<String, JsonSchemaSample.Payment> r = written.get(i);
            consumer.addRecord(new ConsumerRecord<>(r.topic(), r.partition(), i, 0L, false, r.key(), r.value(), List.of(),
                    -1, -1, -1));
        }
        List<JsonSchemaSample.Payment> read;
        try (consumer) {
            read = JsonSchemaSample.readBack(consumer, partitions, 6);
        }
        assertEquals(6, read.size());
        for (int i = 0; i < 6; i++) {
            assertEquals(new JsonSchemaSample.Payment("pay-" + i, 100L * i, i % 2 == 0 ? "EUR" : "USD"), read.get(i));
        }
    }
}
