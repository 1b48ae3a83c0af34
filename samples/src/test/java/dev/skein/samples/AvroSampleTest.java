package dev.skein.samples;

import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.OffsetReset;
import dev.skein.producer.ProducerRecord;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.AvroSerde;
import dev.skein.serdes.SchemaRegistryClient;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.SchemaRegistryStub;
import dev.skein.testkit.mock.MockConsumer;
import dev.skein.testkit.mock.MockProducer;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link AvroSample} on the mocks: the payments it writes pass the real Avro serializer (schema
 * registered with testkit's registry stub), and what the consumer hands back is read in order.
 */
class AvroSampleTest {

    @Test
    void paymentsSerializeWithTheSchemaAndAreReadBackInOrder() throws Exception {
        List<ProducerRecord<String, GenericRecord>> written;
        Set<TopicPartition> partitions;
        try (SchemaRegistryStub registry = new SchemaRegistryStub()) {
            SchemaRegistryClient client = SchemaRegistryClient.builder().url(registry.url()).build();
            MockProducer<String, GenericRecord> producer = MockProducer.builder(Serdes.string().serializer(),
                    AvroSerde.builder(client).generic().serializer()).build();
            partitions = AvroSample.produce(producer, "payments", 6);
            written = producer.history();
        }
        assertEquals(6, written.size());

        MockConsumer<String, GenericRecord> consumer = MockConsumer.<String, GenericRecord>builder()
                .delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).build();
        for (int i = 0; i < written.size(); i++) {
            ProducerRecord<String, GenericRecord> r = written.get(i);
            consumer.addRecord(new ConsumerRecord<>(r.topic(), r.partition(), i, 0L, false, r.key(), r.value(), List.of(),
                    -1, -1, -1));
        }
        List<GenericRecord> read;
        try (consumer) {
            read = AvroSample.readBack(consumer, partitions, 6);
        }
        for (int i = 0; i < 6; i++) {
            assertEquals("pay-" + i, read.get(i).get("id").toString());
            assertEquals(100L * i, read.get(i).get("cents"));
            assertEquals(i % 2 == 0 ? "EUR" : "USD", read.get(i).get("currency").toString());
        }
        assertEquals(6, read.size());
    }
}
