package dev.skein.producer;

import dev.skein.core.errors.OutcomeUnknownException;
import dev.skein.core.internal.Retry;
import dev.skein.testkit.Await;
import dev.skein.testkit.DeliveryChecker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * The steady writer of the fault ITs: about 1,000 records a second from its own thread, each send's
 * answer told to a {@link DeliveryChecker} (acknowledged with its offset, failed, or outcome unknown).
 * A record that {@code send()} itself refuses counts as failed. Closing stops the thread and waits until
 * every send has been answered: a send that never answers fails the test by name.
 *
 * <p>The caller owns the {@link Producer} (its options are the test's subject) and closes it after this.
 */
public final class PacedProducer implements AutoCloseable {
    private static final Duration ANSWERED_WITHIN = Duration.ofSeconds(150);

    private final List<DeliveryChecker> checkers;
    private final Predicate<String> promised;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicInteger pending = new AtomicInteger();
    private final Map<Integer, AtomicLong> acknowledgedBy = new ConcurrentHashMap<>();
    private final Thread thread;

    private PacedProducer(Producer<String, String> producer, List<DeliveryChecker> checkers,
                          IntFunction<ProducerRecord<String, String>> recordOf, Predicate<String> promised) {
        this.checkers = List.copyOf(checkers);
        this.promised = promised;
        this.thread = new Thread(() -> run(producer, recordOf), "paced-producer");
        thread.setDaemon(true);
    }

    /** Starts writing {@code recordOf.apply(i)} for i = 0, 1, 2, ...; every value must be unique. */
    public static PacedProducer start(Producer<String, String> producer, DeliveryChecker checker,
                                      IntFunction<ProducerRecord<String, String>> recordOf) {
        return start(producer, List.of(checker), recordOf, value -> true);
    }

    /** As {@link #start(Producer, DeliveryChecker, IntFunction)}, telling every one of {@code checkers}. */
    public static PacedProducer start(Producer<String, String> producer, List<DeliveryChecker> checkers,
                                      IntFunction<ProducerRecord<String, String>> recordOf) {
        return start(producer, checkers, recordOf, value -> true);
    }

    /**
     * As {@link #start(Producer, DeliveryChecker, IntFunction)}, telling the checker only about the
     * values {@code promised} accepts (what the scenario promises to deliver); the rest are still
     * written and waited for.
     */
    public static PacedProducer start(Producer<String, String> producer, DeliveryChecker checker,
                                      IntFunction<ProducerRecord<String, String>> recordOf, Predicate<String> promised) {
        return start(producer, List.of(checker), recordOf, promised);
    }

    private static PacedProducer start(Producer<String, String> producer, List<DeliveryChecker> checkers,
                                       IntFunction<ProducerRecord<String, String>> recordOf, Predicate<String> promised) {
        PacedProducer p = new PacedProducer(producer, checkers, recordOf, promised);
        p.thread.start();
        return p;
    }

    /** A unique, ordered value for record {@code i}. */
    public static String value(int i) {
        return String.format("v-%07d", i);
    }

    /** Records acknowledged on {@code partition} so far. */
    public long acknowledged(int partition) {
        AtomicLong n = acknowledgedBy.get(partition);
        return n == null ? 0 : n.get();
    }

    /** The partitions that acknowledged at least one record. */
    public Set<Integer> acknowledgedPartitions() {
        return acknowledgedBy.keySet();
    }

    /** Stops sending and waits until every send has been answered. */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        thread.join(TimeUnit.SECONDS.toMillis(30));
        Await.until("every send answered (" + pending.get() + " waiting)", ANSWERED_WITHIN, () -> pending.get() == 0);
    }

    private void run(Producer<String, String> producer, IntFunction<ProducerRecord<String, String>> recordOf) {
        for (int i = 0; !stop.get(); i++) {
            ProducerRecord<String, String> record = recordOf.apply(i);
            String value = record.value();
            boolean told = promised.test(value);
            if (told) {
                checkers.forEach(c -> c.sent("producer", value));
            }
            pending.incrementAndGet();
            try {
                producer.send(record).whenComplete((md, e) -> {
                    if (e == null) {
                        acknowledgedBy.computeIfAbsent(md.partition(), x -> new AtomicLong()).incrementAndGet();
                    }
                    if (told) {
                        for (DeliveryChecker c : checkers) {
                            if (e == null) {
                                c.acknowledged(value, md.topic(), md.partition(), md.offset());
                            } else if (Retry.cause(e) instanceof OutcomeUnknownException) {
                                c.outcomeUnknown(value);
                            } else {
                                c.failed(value);
                            }
                        }
                    }
                    pending.decrementAndGet();
                });
            } catch (RuntimeException e) {
                pending.decrementAndGet(); // send() refused it (say, no metadata within max.block.ms): answered
                if (told) {
                    checkers.forEach(c -> c.failed(value));
                }
            }
            if (i % 5 == 0) {
                try {
                    Thread.sleep(5); // pacing: about 1,000 records a second, steady rather than a flood
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
