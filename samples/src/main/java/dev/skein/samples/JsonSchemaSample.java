package dev.skein.samples;

import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.OffsetReset;
import dev.skein.core.TopicPartition;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import dev.skein.serdes.JsonSchemaSerde;
import dev.skein.serdes.SchemaRegistryClient;
import dev.skein.serdes.SerializationException;
import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * JSON Schema with a Schema Registry: payments written as JSON that must conform to a schema (checked
 * before each send; the schema registered on first use and its id in each record, as Confluent's
 * serializers frame them) and read back into the same record type. A payment that breaks the schema
 * never reaches the topic: its send fails with an error naming the field.
 *
 * <p>Run: {@code JsonSchemaSample localhost:9092 http://localhost:8081 payments}
 */
public final class JsonSchemaSample {
    /** A payment: an id, a non-negative amount in cents, and a currency. */
    public record Payment(String id, long cents, String currency) {}

    static final String SCHEMA = """
            {"$schema": "http://json-schema.org/draft-07/schema#", "title": "samples.Payment", "type": "object",
             "properties": {"id": {"type": "string", "minLength": 1},
                            "cents": {"type": "integer", "minimum": 0},
                            "currency": {"enum": ["EUR", "USD"]}},
             "required": ["id", "cents", "currency"]}""";

    private JsonSchemaSample() {}

    public static void main(String[] args) throws Exception {
        for (Payment p : run(args[0], args[1], args[2], 10)) {
            System.out.println(p);
        }
    }

    /** Writes {@code count} payments and one invalid one (refused), and reads them back (in order within each partition). */
    public static List<Payment> run(String bootstrap, String registryUrl, String topic, int count) throws Exception {
        SchemaRegistryClient registry = SchemaRegistryClient.builder().url(registryUrl).build();
        JsonSchemaSerde<Payment> serde = JsonSchemaSerde.builder(registry).schema(SCHEMA).of(Payment.class);
        Set<TopicPartition> written;
        try (Producer<String, Payment> producer = Producer.builder(Serdes.string(), serde)
                .bootstrapServers(bootstrap).build()) {
            written = produce(producer, topic, count);
            String refused = sendInvalid(producer, topic);
            System.out.println("refused: " + refused);
        }
        try (Consumer<String, Payment> consumer = Consumer.builder(Serdes.string(), serde)
                .bootstrapServers(bootstrap).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).build()) {
            return readBack(consumer, written, count);
        }
    }

    /**
     * Writes {@code count} payments, keyed by payment id, each acknowledged before the next; returns the
     * partitions they landed on (the keys spread them over the topic's partitions).
     */
    public static Set<TopicPartition> produce(Producer<String, Payment> producer, String topic, int count) throws Exception {
        Set<TopicPartition> written = new HashSet<>();
        for (int i = 0; i < count; i++) {
            Payment p = new Payment("pay-" + i, 100L * i, i % 2 == 0 ? "EUR" : "USD");
            RecordMetadata md = producer.send(ProducerRecord.of(topic, p.id(), p)).get(30, TimeUnit.SECONDS);
            written.add(new TopicPartition(topic, md.partition()));
        }
        return written;
    }

    /** Tries to send a payment of -1 cents; returns the validation error (the record is not written). */
    public static String sendInvalid(Producer<String, Payment> producer, String topic) throws Exception {
        try {
            producer.send(ProducerRecord.of(topic, "bad", new Payment("bad", -1, "EUR"))).get(30, TimeUnit.SECONDS);
        } catch (SerializationException e) {
            return e.getMessage();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SerializationException s) {
                return s.getMessage();
            }
            throw e;
        }
        throw new IllegalStateException("a payment of -1 cents was written");
    }

    /**
     * Reads {@code partitions} from where the consumer starts until {@code count} payments (or 30 s); in
     * order within each partition.
     */
    public static List<Payment> readBack(Consumer<String, Payment> consumer, Collection<TopicPartition> partitions, int count) {
        List<Payment> read = new ArrayList<>();
        consumer.assign(partitions);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (read.size() < count && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, Payment> r : consumer.poll(Duration.ofMillis(200))) {
                read.add(r.value());
            }
        }
        return read;
    }
}
