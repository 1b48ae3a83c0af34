package dev.skein.samples;

import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.ExactlyOnceProcessor;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Exactly-once consume-transform-produce: orders in, one "invoice" per order out. Each polled batch is
 * one transaction holding the invoices and the orders' offsets, so a crash and restart (same
 * transactional id) neither loses nor repeats an invoice for read_committed readers.
 *
 * <p>Run: {@code ExactlyOnceSample localhost:9092 orders invoices invoicer invoicer-1} (stops after 10 s
 * without an order, or on SIGTERM / Ctrl-C after the transaction in progress).
 */
public final class ExactlyOnceSample {
    private ExactlyOnceSample() {}

    public static void main(String[] args) {
        long n = run(args[0], args[1], args[2], args[3], args[4], Duration.ofSeconds(10));
        System.out.println("invoiced " + n + " orders");
    }

    /** Turns every order of {@code orders} into an invoice on {@code invoices} until idle; returns how many. */
    public static long run(String bootstrap, String orders, String invoices, String group, String transactionalId,
                           Duration idle) {
        ExactlyOnceProcessor<String, String, String, String> invoicer = ExactlyOnceProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer(),
                        Serdes.string().serializer(), Serdes.string().serializer())
                .bootstrapServers(bootstrap)
                .groupId(group)                        // whose offsets track progress (committed in the transaction)
                .transactionalId(transactionalId)      // the same across restarts: a restart fences the old instance
                .input(List.of(orders))
                .build();
        // SIGTERM or Ctrl-C: stop after the transaction in progress and hold the JVM until the processor closed.
        CountDownLatch closed = new CountDownLatch(1);
        Thread stop = new Thread(() -> {
            invoicer.stop();
            try {
                closed.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "stop-invoicer");
        Runtime.getRuntime().addShutdownHook(stop);
        try (invoicer) {
            return invoicer.run(order -> invoice(order, invoices), idle);
        } finally {
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook is what stopped the processor
            }
        }
    }

    /** The transform: one invoice per order, keyed like the order (so a customer's invoices keep its order). */
    public static List<ProducerRecord<String, String>> invoice(ConsumerRecord<String, String> order, String invoices) {
        return List.of(ProducerRecord.of(invoices, order.key(), "invoice for " + order.value()));
    }
}
