package dev.skein.producer;

import dev.skein.serdes.AvroSerde;
import dev.skein.serdes.Deserializer;
import dev.skein.serdes.SchemaReference;
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
    @Test
    void recordsWhoseSchemaUsesAReferencedTypeAreWrittenAndReadBack(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "avro-refs", 1, 1);
        String money = "{\"type\":\"record\",\"name\":\"Money\",\"namespace\":\"it\",\"fields\":["
                + "{\"name\":\"cents\",\"type\":\"long\"},{\"name\":\"currency\",\"type\":\"string\"}]}";
        Schema.Parser parser = new Schema.Parser();
        Schema moneySchema = parser.parse(money);
        Schema order = parser.parse("{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"it\",\"fields\":["
                + "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"total\",\"type\":\"it.Money\"}]}");
        try (SchemaRegistryStub registry = new SchemaRegistryStub()) {
            SchemaRegistryClient client = SchemaRegistryClient.builder().url(registry.url()).build();
            client.register("it.Money", money);
            List<SchemaReference> refs = List.of(new SchemaReference("it.Money", "it.Money", 1));
            try (Producer<String, GenericRecord> p = Producer.builder(Serdes.string(),
                    AvroSerde.builder(client).references(refs).generic()).bootstrapServers(kafka.bootstrapServers()).build()) {
                for (int i = 0; i < 20; i++) {
                    GenericRecord total = new GenericData.Record(moneySchema);
                    total.put("cents", 100L * i);
                    total.put("currency", "EUR");
                    GenericRecord r = new GenericData.Record(order);
                    r.put("id", "o-" + i);
                    r.put("total", total);
                    p.send(ProducerRecord.of(topic, "o-" + i, r));
                }
                p.flush();
            }
            assertEquals(refs, client.latest(topic + "-value").references(), "registered with the reference");
            Deserializer<GenericRecord> reader = AvroSerde.builder(SchemaRegistryClient.builder().url(registry.url()).build())
                    .generic().deserializer();
            List<ConsumerRecord<byte[], byte[]>> read = Reference.readAll(kafka, topic, 20);
            assertEquals(20, read.size());
            for (int i = 0; i < 20; i++) {
                ConsumerRecord<byte[], byte[]> r = read.get(i);
                GenericRecord v = reader.deserialize(r.value(), SerdeContext.forConsumer(topic, SerdeContext.Target.VALUE,
                        List.of(), r.partition(), r.offset()));
                assertEquals("o-" + i, v.get("id").toString());
                assertEquals(100L * i, ((GenericRecord) v.get("total")).get("cents"));
            }
        }
    }
}
