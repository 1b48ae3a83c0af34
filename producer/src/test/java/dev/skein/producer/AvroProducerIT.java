package dev.skein.producer;

import dev.skein.serdes.AvroSerde;
import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SchemaRegistryClient;
import dev.skein.serdes.SerdeContext;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.SchemaRegistryStub;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Avro through a real broker: written with Skein's producer and Avro serde, read with a newer schema. */
@ExtendWith(KafkaClusterExtension.class)
class AvroProducerIT {
    static final Schema V1 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Payment\",\"namespace\":\"it\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"cents\",\"type\":\"long\"}]}");
    static final Schema V2 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Payment\",\"namespace\":\"it\","
            + "\"fields\":[{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"cents\",\"type\":\"long\"},"
            + "{\"name\":\"currency\",\"type\":\"string\",\"default\":\"EUR\"}]}");

    @Test
    void recordsWrittenWithTheOldSchemaAreReadWithTheNewOne(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "avro", 1, 1);
        try (SchemaRegistryStub registry = new SchemaRegistryStub()) {
            SchemaRegistryClient client = SchemaRegistryClient.builder().url(registry.url()).build();
            try (Producer<String, GenericRecord> p = Producer.builder(Serdes.string(), AvroSerde.builder(client).generic())
                    .bootstrapServers(kafka.bootstrapServers()).build()) {
                for (int i = 0; i < 50; i++) {
                    GenericRecord r = new GenericData.Record(V1);
                    r.put("id", "p-" + i);
                    r.put("cents", 100L * i);
                    p.send(ProducerRecord.of(topic, "p-" + i, r));
                }
                GenericRecord newer = new GenericData.Record(V2);
                newer.put("id", "p-new");
                newer.put("cents", 7L);
                newer.put("currency", "USD");
                p.send(ProducerRecord.of(topic, "p-new", newer)).get(30, TimeUnit.SECONDS);
            }
            Deserializer<GenericRecord> reader = AvroSerde.builder(SchemaRegistryClient.builder().url(registry.url()).build())
                    .readerSchema(V2).generic().deserializer();
            List<ConsumerRecord<byte[], byte[]>> read = Reference.readAll(kafka, topic, 51);
            assertEquals(51, read.size());
            for (int i = 0; i < 51; i++) {
                ConsumerRecord<byte[], byte[]> r = read.get(i);
                GenericRecord v = reader.deserialize(r.value(), SerdeContext.forConsumer(topic, SerdeContext.Target.VALUE,
                        List.of(), r.partition(), r.offset()));
                if (i < 50) {
                    assertEquals("p-" + i, v.get("id").toString());
                    assertEquals(100L * i, v.get("cents"));
                    assertEquals("EUR", v.get("currency").toString(), "old records take the new field's default");
                } else {
                    assertEquals("USD", v.get("currency").toString());
                }
            }
        }
    }
}
