package dev.skein.bench;

import dev.skein.consumer.ShareConsumer;
import dev.skein.consumer.ShareRecord;
import dev.skein.serdes.Serdes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the share-group comparison asks of either client's share consumer: subscribe, poll, close.
 * Each call goes straight to the client's own method, and {@link #poll} walks the records in the
 * client's own loop, so the comparison measures the clients and not an adapter between them. One
 * thread per instance, as both clients require.
 */
interface BenchShareConsumer extends AutoCloseable {

    /** Joins the share group named in the properties for {@code topic}. */
    void subscribe(String topic);

    /**
     * One {@code poll} (in implicit mode it also accepts what the previous poll returned); each record it
     * returned goes to {@code sink}.
     *
     * @return how many records it returned
     */
    int poll(Duration timeout, Sink sink);

    /** Accepts what the last poll returned, leaves the group, closes. */
    @Override
    void close();

    /** Where a member's records go, one call per record on the polling thread. */
    @FunctionalInterface
    interface Sink {
        /** {@code valueBytes}: the value's length, read as an application would touch the value. */
        void record(int partition, long offset, int valueBytes);
    }

    static BenchShareConsumer open(Client client, Map<String, String> properties) {
        return switch (client) {
            case SKEIN -> skein(properties);
            case REFERENCE -> reference(properties);
        };
    }

    private static BenchShareConsumer skein(Map<String, String> properties) {
        ShareConsumer<byte[], byte[]> c = ShareConsumer.builder(Serdes.bytes(), Serdes.bytes()).properties(properties).build();
        return new BenchShareConsumer() {
            @Override
            public void subscribe(String topic) {
                c.subscribe(List.of(topic));
            }

            @Override
            public int poll(Duration timeout, Sink sink) {
                List<ShareRecord<byte[], byte[]>> records = c.poll(timeout);
                for (ShareRecord<byte[], byte[]> r : records) {
                    sink.record(r.partition(), r.offset(), r.value().length);
                }
                return records.size();
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }

    private static BenchShareConsumer reference(Map<String, String> properties) {
        KafkaShareConsumer<byte[], byte[]> c = new KafkaShareConsumer<>(Map.<String, Object>copyOf(properties),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return new BenchShareConsumer() {
            @Override
            public void subscribe(String topic) {
                c.subscribe(List.of(topic));
            }

            @Override
            public int poll(Duration timeout, Sink sink) {
                int n = 0;
                for (ConsumerRecord<byte[], byte[]> r : c.poll(timeout)) {
                    sink.record(r.partition(), r.offset(), r.value().length);
                    n++;
                }
                return n;
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }
}
