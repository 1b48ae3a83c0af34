package dev.skein.samples;

import com.google.protobuf.Message;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.OffsetReset;
import dev.skein.producer.ProducerRecord;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.ProtobufSerde;
import dev.skein.serdes.SchemaRegistryClient;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.SchemaRegistryStub;
import dev.skein.testkit.mock.MockConsumer;
import dev.skein.testkit.mock.MockProducer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link ProtobufSample} on the mocks: the payments pass the real Protobuf serializer and a fresh
 * deserializer (schema through testkit's registry stub), and come back in order.
 */
class ProtobufSampleTest {

    @Test
    void paymentsSurviveTheRegistryWireFormatAndAreReadBackInOrder() throws Exception {
        Set<TopicPartition> partitions;
        try (SchemaRegistryStub registry = new SchemaRegistryStub()) {
            SchemaRegistryClient client = SchemaRegistryClient.builder().url(registry.url()).build();
            MockProducer<String, Message> producer = MockProducer.builder(Serdes.string().serializer(),
                    ProtobufSerde.builder(client).dynamic().serializer()).build();
            partitions = ProtobufSample.produce(producer, "payments", 6);
            List<ProducerRecord<String, Message>> written = producer.history();
            assertEquals(6, written.size());

            var deserializer = ProtobufSerde.builder(SchemaRegistryClient.builder().url(registry.url()).build())
                    .dynamic().deserializer();
            var serializer = ProtobufSerde.builder(client).dynamic().serializer();
            MockConsumer<String, Message> consumer = MockConsumer.<String, Message>builder()
                    .delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).build();
            for (int i = 0; i < written.size(); i++) {
                ProducerRecord<String, Message> r = written.get(i);
                Message decoded = deserializer.deserialize(serializer.serialize(r.value(),
                        dev.skein.serdes.SerdeContext.forProducer("payments", dev.skein.serdes.SerdeContext.Target.VALUE,
                                new java.util.ArrayList<>())), null);
                consumer.addRecord(new ConsumerRecord<>(r.topic(), r.partition(), i, 0L, false, r.key(), decoded,
                        List.of(), -1, -1, -1));
            }
            List<Message> read;
            try (consumer) {
                read = ProtobufSample.readBack(consumer, partitions, 6);
            }
            assertEquals(6, read.size());
            for (int i = 0; i < 6; i++) {
                assertEquals(ProtobufSample.payment(i).toString(), read.get(i).toString());
            }
        }
    }
}
