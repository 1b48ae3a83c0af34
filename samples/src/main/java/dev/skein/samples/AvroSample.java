package dev.skein.samples;

import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.OffsetReset;
import dev.skein.core.TopicPartition;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import dev.skein.serdes.AvroSerde;
import dev.skein.serdes.SchemaRegistryClient;
import dev.skein.serdes.Serdes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Avro with a Schema Registry: payments written with one schema (registered on first use, its id in
 * each record) and read back by a consumer that resolves the writer's schema by that id.
 *
 * <p>Run: {@code AvroSample localhost:9092 http://localhost:8081 payments}
 */
public final class AvroSample {
    static final Schema PAYMENT = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Payment\","
            + "\"namespace\":\"samples\",\"fields\":[{\"name\":\"id\",\"type\":\"string\"},"
            + "{\"name\":\"cents\",\"type\":\"long\"},{\"name\":\"currency\",\"type\":\"string\",\"default\":\"EUR\"}]}");

    private AvroSample() {}

    public static void main(String[] args) throws Exception {
        for (GenericRecord p : run(args[0], args[1], args[2], 10)) {
            System.out.println(p);
        }
    }

    /** Writes {@code count} payments and reads them back; returns what was read, in order within each partition. */
    public static List<GenericRecord> run(String bootstrap, String registryUrl, String topic, int count) throws Exception {
        SchemaRegistryClient registry = SchemaRegistryClient.builder().url(registryUrl).build();
        Set<TopicPartition> written;
        try (Producer<String, GenericRecord> producer = Producer.builder(Serdes.string(), AvroSerde.builder(registry).generic())
                .bootstrapServers(bootstrap).build()) {
            written = produce(producer, topic, count);
        }
        try (Consumer<String, GenericRecord> consumer = Consumer.builder(Serdes.string(), AvroSerde.builder(registry).generic())
                .bootstrapServers(bootstrap).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).build()) {
            return readBack(consumer, written, count);
        }
    }

    /**
     * Writes {@code count} payments, keyed by payment id, each acknowledged before the next; returns the
     * partitions they landed on (the keys spread them over the topic's partitions).
     */
    public static Set<TopicPartition> produce(Producer<String, GenericRecord> producer, String topic, int count) throws Exception {
        Set<TopicPartition> written = new HashSet<>();
        for (int i = 0; i < count; i++) {
            GenericRecord payment = new GenericData.Record(PAYMENT);
            payment.put("id", "pay-" + i);
            payment.put("cents", 100L * i);
            payment.put("currency", i % 2 == 0 ? "EUR" : "USD");
            RecordMetadata md = producer.send(ProducerRecord.of(topic, "pay-" + i, payment)).get(30, TimeUnit.SECONDS);
            written.add(new TopicPartition(topic, md.partition()));
        }
        return written;
    }

    /**
     * Reads {@code partitions} from where the consumer starts until {@code count} payments (or 30 s); in
     * order within each partition.
     */
    public static List<GenericRecord> readBack(Consumer<String, GenericRecord> consumer, Collection<TopicPartition> partitions, int count) {
        List<GenericRecord> read = new ArrayList<>();
        consumer.assign(partitions);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (read.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, GenericRecord> r : consumer.poll(Duration.ofMillis(200))) {
                read.add(r.value());
            }
        }
        return read;
    }
}
