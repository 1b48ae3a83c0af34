package dev.skein.samples;

import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * A keyed producer with callbacks: orders keyed by customer, so each customer's orders stay in order
 * on one partition. The callback reports where each record landed, or why it did not.
 *
 * <p>Run: {@code KeyedProducerSample localhost:9092 orders 100} (stops early on SIGTERM / Ctrl-C: it
 * sends no more orders, closes the producer, which sends what it holds (within 20 s), and reports how
 * many orders were sent and written).
 */
public final class KeyedProducerSample {
    /** The longest close() waits for what the producer holds on a stop; the shutdown hook waits a little longer. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(20);

    private KeyedProducerSample() {}

    /** What a run did: orders accepted by send(), orders the broker acknowledged, each customer's partition. */
    public record Report(int sent, int written, Map<String, Integer> placement) {
        /** @throws IllegalStateException when an order sent was not written, or a customer's orders were split */
        Map<String, Integer> placementIfAllWritten() {
            if (written < sent) {
                throw new IllegalStateException((sent - written) + " of " + sent + " orders had a problem");
            }
            return placement;
        }
    }

    public static void main(String[] args) {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch closed = new CountDownLatch(1);
        // SIGTERM or Ctrl-C: stop sending, and hold the JVM until main has closed the producer. Without that the
        // JVM ends at once, and the records send() accepted but the producer still holds are lost unreported.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.set(true);
            try {
                closed.await(CLOSE_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stop-producer"));
        try {
            Report report = run(args[0], args[1], Integer.parseInt(args[2]), System.out, stop::get);
            System.out.println(report.sent() + " orders sent, " + report.written() + " written");
            System.out.println(report.placement().size() + " customers, each on one partition: " + report.placement());
        } finally {
            closed.countDown();
        }
    }

    /**
     * Sends {@code count} orders for 10 customers and returns each customer's partition.
     *
     * @throws IllegalStateException when a record was not written, or a customer's orders were split
     */
    public static Map<String, Integer> run(String bootstrap, String topic, int count, PrintStream out) {
        return run(bootstrap, topic, count, out, () -> false).placementIfAllWritten();
    }

    /**
     * Sends up to {@code count} orders for 10 customers, fewer when {@code stop} turns true first, then
     * closes the producer: it sends what it holds and waits for the answers, {@link #CLOSE_TIMEOUT} at most.
     * Every callback has run when this returns; an order not written, or written to a partition other than
     * its customer's earlier orders, is printed to {@code out} and not counted as written.
     */
    public static Report run(String bootstrap, String topic, int count, PrintStream out, BooleanSupplier stop) {
        Orders orders = new Orders(out);
        Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(bootstrap)
                .linger(Duration.ofMillis(10))          // acks=all and idempotence are the defaults
                .build();
        try {
            orders.send(producer, topic, count, stop);
        } finally {
            producer.close(CLOSE_TIMEOUT); // every record's callback has run when it returns
        }
        return orders.report();
    }

    /** As {@link #run(String, String, int, PrintStream)}, with a producer the caller owns (a test's mock, say). */
    public static Map<String, Integer> run(Producer<String, String> producer, String topic, int count, PrintStream out) {
        Orders orders = new Orders(out);
        orders.send(producer, topic, count, () -> false);
        producer.flush(); // every callback above has run
        return orders.report().placementIfAllWritten();
    }

    /** The orders of one run, and what their callbacks said. */
    private static final class Orders {
        private final PrintStream out;
        private final Map<String, Integer> partitionOf = new ConcurrentHashMap<>();
        private final AtomicInteger written = new AtomicInteger();
        private int sent;

        Orders(PrintStream out) {
            this.out = out;
        }

        void send(Producer<String, String> producer, String topic, int count, BooleanSupplier stop) {
            for (int i = 0; i < count && !stop.getAsBoolean(); i++) {
                String customer = "customer-" + (i % 10);
                producer.send(ProducerRecord.of(topic, customer, "order " + i), (metadata, error) -> {
                    // Runs on the producer's callback thread, in send order per partition.
                    if (error != null) {
                        out.println("not written: " + error.getMessage());
                        return;
                    }
                    Integer before = partitionOf.putIfAbsent(customer, metadata.partition());
                    if (before != null && before != metadata.partition()) {
                        out.println(customer + " was split across partitions " + before + " and " + metadata.partition());
                        return;
                    }
                    written.incrementAndGet();
                });
                sent++;
            }
        }

        /** Complete once every callback has run (after the producer's flush() or close()). */
        Report report() {
            return new Report(sent, written.get(), Map.copyOf(partitionOf));
        }
    }
}
