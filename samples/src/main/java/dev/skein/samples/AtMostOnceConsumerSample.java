package dev.skein.samples;

import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.OffsetReset;
import dev.skein.consumer.WakeupException;
import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An at-most-once consumer, for work that must never happen twice (a text message to a customer):
 * a batch's offsets are committed before poll() hands it over, so after a crash the batch in hand is
 * skipped, never repeated.
 *
 * <p>Run: {@code AtMostOnceConsumerSample localhost:9092 alerts notifier} (stops after 10 s without a
 * record, or on SIGTERM / Ctrl-C, leaving the group either way).
 */
public final class AtMostOnceConsumerSample {
    private AtMostOnceConsumerSample() {}

    public static void main(String[] args) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        try (Consumer<String, String> consumer = consumer(args[0], args[2])) {
            // SIGTERM or Ctrl-C: wake the loop out of poll() and hold the JVM until close() below has left the group.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                consumer.wakeup();
                try {
                    closed.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "stop-consumer"));
            int n = run(consumer, args[1], r -> {
                System.out.println("notify " + r.key() + ": " + r.value());
                return false;
            }, Duration.ofSeconds(10));
            System.out.println("sent " + n + " notifications");
        } catch (WakeupException e) {
            System.out.println("stopped");
        } finally {
            closed.countDown();
        }
    }

    /**
     * Handles records of {@code topic} as a member of {@code group} until {@code handle} returns true or
     * {@code idle} passes without a record. Returns how many were handled.
     */
    public static int run(String bootstrap, String topic, String group, Predicate<ConsumerRecord<String, String>> handle,
                          Duration idle) {
        try (Consumer<String, String> consumer = consumer(bootstrap, group)) {
            return run(consumer, topic, handle, idle);
        }
    }

    private static Consumer<String, String> consumer(String bootstrap, String group) {
        return Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(bootstrap)
                .groupId(group)
                .delivery(Delivery.AT_MOST_ONCE)           // committed before poll() returns
                .offsetReset(OffsetReset.EARLIEST)
                .maxPollRecords(50)                        // at most this many are lost in a crash
                .build();
    }

    /**
     * The loop of {@link #run(String, String, String, Predicate, Duration)}, on a consumer the caller built
     * (at-most-once, with a group) and closes afterwards.
     */
    public static int run(Consumer<String, String> consumer, String topic, Predicate<ConsumerRecord<String, String>> handle,
                          Duration idle) {
        int handled = 0;
        consumer.subscribe(List.of(topic));
        long last = System.nanoTime();
        while (System.nanoTime() - last < idle.toNanos()) {
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                last = System.nanoTime();
                handled++;
                if (handle.test(r)) {
                    return handled; // the rest of this batch is already committed: skipped, not repeated
                }
            }
        }
        return handled;
    }
}
