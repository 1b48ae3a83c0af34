package dev.skein.bench;

import dev.skein.producer.Callback;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import dev.skein.serdes.Serdes;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.Map;

/**
 * What the producer comparison asks of either client: send a keyless record with a callback, flush,
 * close. Each call goes straight to the client's own method, so the comparison measures the clients
 * and not an adapter between them.
 */
interface BenchProducer extends AutoCloseable {

    /** Queues one keyless record; {@code ack} runs once when the client reports its outcome. */
    void send(String topic, byte[] value, Ack ack);

    /** Waits until every record sent so far has its outcome. */
    void flush();

    /** Sends what is buffered and waits for it, without a bound. */
    @Override
    void close();

    /**
     * A callback that is both clients' callback type, so a shared instance passes straight through
     * with no wrapper allocated per record.
     */
    abstract class Ack implements Callback, org.apache.kafka.clients.producer.Callback {

        /** Runs on the client's callback thread; {@code error} is null when the record was written. */
        abstract void done(Exception error);

        @Override
        public final void onCompletion(RecordMetadata metadata, Exception error) {
            done(error);
        }

        @Override
        public final void onCompletion(org.apache.kafka.clients.producer.RecordMetadata metadata, Exception error) {
            done(error);
        }
    }

    /** Opens {@code client}'s producer with the standard Kafka property names, which both take. */
    static BenchProducer open(Client client, Map<String, String> properties) {
        return switch (client) {
            case SKEIN -> skein(properties);
            case REFERENCE -> reference(properties);
        };
    }

    private static BenchProducer skein(Map<String, String> properties) {
        Producer<byte[], byte[]> p = Producer.builder(Serdes.bytes(), Serdes.bytes()).properties(properties).build();
        return new BenchProducer() {
            @Override
            public void send(String topic, byte[] value, Ack ack) {
                p.send(ProducerRecord.of(topic, value), ack);
            }

            @Override
            public void flush() {
                p.flush();
            }

            @Override
            public void close() {
                p.close();
            }
        };
    }

    private static BenchProducer reference(Map<String, String> properties) {
        KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.<String, Object>copyOf(properties),
                new ByteArraySerializer(), new ByteArraySerializer());
        return new BenchProducer() {
            @Override
            public void send(String topic, byte[] value, Ack ack) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, value), ack);
            }

            @Override
            public void flush() {
                p.flush();
            }

            @Override
            public void close() {
                p.close();
            }
        };
    }
}
