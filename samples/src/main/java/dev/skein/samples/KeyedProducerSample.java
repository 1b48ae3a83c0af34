package dev.skein.samples;

import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A keyed producer with callbacks: orders keyed by customer, so each customer's orders stay in order
 * on one partition. The callback reports where each record landed, or why it did not.
 *
 * <p>Run: {@code KeyedProducerSample localhost:9092 orders 100}
 */
public final class KeyedProducerSample {
    private KeyedProducerSample() {}

    public static void main(String[] args) {
        Map<String, Integer> placement = run(args[0], args[1], Integer.parseInt(args[2]), System.out);
        System.out.println(placement.size() + " customers, each on one partition: " + placement);
    }

    /**
     * Sends {@code count} orders for 10 customers and returns each customer's partition.
     *
     * @throws IllegalStateException when a record was not written, or a customer's orders were split
     */
    public static Map<String, Integer> run(String bootstrap, String topic, int count, PrintStream out) {
        try (Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(bootstrap)
                .linger(Duration.ofMillis(10))          // acks=all and idempotence are the defaults
                .build()) {
            return run(producer, topic, count, out);
        }
    }

    /** As {@link #run(String, String, int, PrintStream)}, with a producer the caller owns (a test's mock, say). */
    public static Map<String, Integer> run(Producer<String, String> producer, String topic, int count, PrintStream out) {
        Map<String, Integer> partitionOf = new ConcurrentHashMap<>();
        AtomicInteger failed = new AtomicInteger();
        for (int i = 0; i < count; i++) {
            String customer = "customer-" + (i % 10);
            producer.send(ProducerRecord.of(topic, customer, "order " + i), (metadata, error) -> {
                // Runs on the producer's callback thread, in send order per partition.
                if (error != null) {
                    failed.incrementAndGet();
                    out.println("not written: " + error.getMessage());
                    return;
                }
                Integer before = partitionOf.putIfAbsent(customer, metadata.partition());
                if (before != null && before != metadata.partition()) {
                    failed.incrementAndGet();
                    out.println(customer + " was split across partitions " + before + " and " + metadata.partition());
                }
            });
        }
        producer.flush(); // every callback above has run
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + count + " orders had a problem");
        }
        return Map.copyOf(partitionOf);
    }
}
