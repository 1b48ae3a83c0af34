package dev.skein.bench;

import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.RebalanceListener;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What the consumer comparison asks of either client: assign or subscribe, poll, close. Each call
 * goes straight to the client's own method, and {@link #poll} walks the records in the client's own
 * loop, so the comparison measures the clients and not an adapter between them. One thread only,
 * as both clients require.
 */
interface BenchConsumer extends AutoCloseable {

    /** Reads partitions 0 to {@code partitions - 1} of {@code topic} outside any group. */
    void assign(String topic, int partitions);

    /**
     * Joins the group named in the properties for {@code topic}. {@code onAssigned} runs on the thread
     * calling {@link #poll}, inside that call, each time a non-empty set of partitions is assigned.
     */
    void subscribe(String topic, Runnable onAssigned);

    /** One {@code poll}; every record it returned is counted in {@code tally}, and its value's length read. */
    void poll(Duration timeout, Tally tally);

    /** Leaves the group, if any, and closes; commits nothing (auto-commit is off). */
    @Override
    void close();

    /** Records and value bytes read so far; touching each value's length stands for an application's use of it. */
    final class Tally {
        long records;
        long valueBytes;
    }

    /**
     * Opens {@code client}'s consumer with the standard Kafka property names, which both take. Skein's
     * runs with delivery MANUAL, so that it commits nothing, as the reference with auto-commit off.
     */
    static BenchConsumer open(Client client, Map<String, String> properties) {
        return switch (client) {
            case SKEIN -> skein(properties);
            case REFERENCE -> reference(properties);
        };
    }

    private static BenchConsumer skein(Map<String, String> properties) {
        Consumer<byte[], byte[]> c = Consumer.builder(Serdes.bytes(), Serdes.bytes()).properties(properties)
                .delivery(Delivery.MANUAL).build();
        return new BenchConsumer() {
            @Override
            public void assign(String topic, int partitions) {
                List<TopicPartition> all = new ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    all.add(new TopicPartition(topic, p));
                }
                c.assign(all);
            }

            @Override
            public void subscribe(String topic, Runnable onAssigned) {
                c.subscribe(List.of(topic), new RebalanceListener() {
                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                        if (!partitions.isEmpty()) {
                            onAssigned.run();
                        }
                    }
                });
            }

            @Override
            public void poll(Duration timeout, Tally tally) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(timeout)) {
                    tally.records++;
                    tally.valueBytes += r.value().length;
                }
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }

    private static BenchConsumer reference(Map<String, String> properties) {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.<String, Object>copyOf(properties),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return new BenchConsumer() {
            @Override
            public void assign(String topic, int partitions) {
                List<org.apache.kafka.common.TopicPartition> all = new ArrayList<>();
                for (int p = 0; p < partitions; p++) {
                    all.add(new org.apache.kafka.common.TopicPartition(topic, p));
                }
                c.assign(all);
            }

            @Override
            public void subscribe(String topic, Runnable onAssigned) {
                c.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<org.apache.kafka.common.TopicPartition> partitions) {
                        // nothing is committed, so nothing to do before giving partitions up
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<org.apache.kafka.common.TopicPartition> partitions) {
                        if (!partitions.isEmpty()) {
                            onAssigned.run();
                        }
                    }
                });
            }

            @Override
            public void poll(Duration timeout, Tally tally) {
                for (org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> r : c.poll(timeout)) {
                    tally.records++;
                    tally.valueBytes += r.value().length;
                }
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }
}
