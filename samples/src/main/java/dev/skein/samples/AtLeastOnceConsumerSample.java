package dev.skein.samples;

import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.OffsetReset;
import dev.skein.consumer.WakeupException;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An at-least-once consumer: the offsets of what a poll() returned are committed only when the next
 * poll() starts, so a record is never marked done before {@code process} returned. A crash re-delivers
 * what was being processed; nothing is lost. Make the processing idempotent (see
 * {@link ChangeDataIndexerSample}). Stopping in the middle of a batch, on purpose or because processing
 * threw, takes one step: seek back to the first record not processed before closing, as {@link #run}
 * does; close() then commits exactly what was processed.
 *
 * <p>Run: {@code AtLeastOnceConsumerSample localhost:9092 orders billing} (stops after 10 s without a
 * record, or on SIGTERM / Ctrl-C, committing what it processed either way).
 */
public final class AtLeastOnceConsumerSample {
    private AtLeastOnceConsumerSample() {}

    public static void main(String[] args) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        try (Consumer<String, String> consumer = consumer(args[0], args[2])) {
            // SIGTERM or Ctrl-C: wake the loop out of poll() and hold the JVM until close() below has committed
            // what was processed and left the group (Apache Kafka's documented way to stop a consumer).
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                consumer.wakeup();
                try {
                    closed.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "stop-consumer"));
            int n = run(consumer, args[1], r -> {
                System.out.println(r.key() + " -> " + r.value());
                return false;
            }, Duration.ofSeconds(10));
            System.out.println("processed " + n + " records");
        } catch (WakeupException e) {
            System.out.println("stopped");
        } finally {
            closed.countDown();
        }
    }

    /**
     * Processes records of {@code topic} as a member of {@code group} until {@code process} returns true
     * or {@code idle} passes without a record. Returns how many records were processed. When
     * {@code process} throws, that record and the rest of its batch stay uncommitted and the exception
     * is rethrown.
     */
    public static int run(String bootstrap, String topic, String group, Predicate<ConsumerRecord<String, String>> process,
                          Duration idle) {
        try (Consumer<String, String> consumer = consumer(bootstrap, group)) {
            return run(consumer, topic, process, idle);
        }
    }

    private static Consumer<String, String> consumer(String bootstrap, String group) {
        return Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(bootstrap)
                .groupId(group)
                .delivery(Delivery.AT_LEAST_ONCE)          // the default, named here for the reader
                .offsetReset(OffsetReset.EARLIEST)
                .build();
    }

    /**
     * The loop of {@link #run(String, String, String, Predicate, Duration)}, on a consumer the caller built
     * (at-least-once, with a group) and closes afterwards: its close() commits what was processed.
     */
    public static int run(Consumer<String, String> consumer, String topic, Predicate<ConsumerRecord<String, String>> process,
                          Duration idle) {
        int processed = 0;
        consumer.subscribe(List.of(topic));
        long last = System.nanoTime();
        while (System.nanoTime() - last < idle.toNanos()) {
            ConsumerRecords<String, String> batch = consumer.poll(Duration.ofMillis(200));
            Map<TopicPartition, Long> next = new HashMap<>(); // per partition, the first record not processed yet
            for (ConsumerRecord<String, String> r : batch) {
                last = System.nanoTime();
                boolean stop;
                try {
                    stop = process.test(r);
                } catch (RuntimeException e) {
                    rewind(consumer, batch, next); // r failed: it and the rest of the batch are read again
                    throw e;
                }
                processed++;
                next.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                if (stop) {
                    rewind(consumer, batch, next);
                    return processed;
                }
            }
        }
        return processed;
    }

    /**
     * close() commits the position, which is past everything {@code batch} held: move each of its partitions
     * back to the first record not processed, or those would count as done and never be read again.
     */
    private static void rewind(Consumer<String, String> consumer, ConsumerRecords<String, String> batch,
                               Map<TopicPartition, Long> next) {
        for (TopicPartition tp : batch.partitions()) {
            consumer.seek(tp, next.getOrDefault(tp, batch.records(tp).get(0).offset()));
        }
    }
}
