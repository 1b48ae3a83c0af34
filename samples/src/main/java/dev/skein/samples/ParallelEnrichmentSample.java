package dev.skein.samples;

import dev.skein.consumer.OffsetReset;
import dev.skein.consumer.ParallelProcessor;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Parallel enrichment: each order, keyed by customer, needs a slow call to a remote service before it
 * can go on. A plain poll loop makes those calls one after the other (at 5 ms each, 200 orders a
 * second, whatever the broker could do). {@link ParallelProcessor} runs many at once, within one
 * partition too, and with {@link ParallelProcessor.Ordering#KEY KEY} ordering still keeps each
 * customer's orders in order: two orders of one customer never run together, and they run in offset
 * order. The handler waits until the enriched order is written before it returns, and only what has
 * returned is committed: at least once, nothing lost.
 *
 * <p>Run: {@code ParallelEnrichmentSample localhost:9092 orders enriched-orders enricher} (stops after 10 s
 * without an order, or on SIGTERM / Ctrl-C, committing what was enriched either way).
 */
public final class ParallelEnrichmentSample {
    private static final List<String> TIERS = List.of("gold", "silver", "bronze");

    private ParallelEnrichmentSample() {}

    /**
     * Stands in for a remote customer service: a blocking call that takes {@code latency}. It counts
     * the calls running at once, so the sample can show how many ran in parallel. Thread-safe.
     */
    public static final class SlowLookup {
        private final Duration latency;
        private final AtomicInteger running = new AtomicInteger();
        private final AtomicInteger maxRunning = new AtomicInteger();
        private final AtomicLong calls = new AtomicLong();
        private final AtomicLong firstStart = new AtomicLong();
        private final AtomicLong lastEnd = new AtomicLong();

        public SlowLookup(Duration latency) {
            this.latency = latency;
        }

        /** The customer's tier; blocks the calling thread for the latency. */
        public String tierOf(String customer) throws InterruptedException {
            long start = System.nanoTime();
            firstStart.compareAndSet(0, start);
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                Thread.sleep(latency.toMillis());
                return TIERS.get(Math.floorMod(customer.hashCode(), TIERS.size()));
            } finally {
                running.decrementAndGet();
                calls.incrementAndGet();
                lastEnd.accumulateAndGet(System.nanoTime(), Math::max);
            }
        }

        /** The most calls that were running at the same moment. */
        public int maxConcurrentCalls() {
            return maxRunning.get();
        }

        public long calls() {
            return calls.get();
        }

        /** From the start of the first call to the end of the last one. */
        public Duration busy() {
            return Duration.ofNanos(Math.max(0, lastEnd.get() - firstStart.get()));
        }
    }

    public static void main(String[] args) {
        SlowLookup lookup = new SlowLookup(Duration.ofMillis(5));
        long n = run(args[0], args[1], args[2], args[3], lookup, Duration.ofSeconds(10));
        System.out.println("enriched " + n + " orders in " + lookup.busy().toMillis() + " ms, up to "
                + lookup.maxConcurrentCalls() + " lookups at once");
    }

    /**
     * Enriches the orders of {@code orders} onto {@code enriched} (same key, value
     * {@code "<order> (<tier> customer)"}) as a member of {@code group}, until {@code idle} passes in
     * which no order finished and none was in hand. Returns how many orders were enriched.
     *
     * @throws dev.skein.consumer.RecordProcessingException when an order still failed (the lookup or
     *         the write) after three attempts; what was done before it is committed, it is not
     */
    public static long run(String bootstrap, String orders, String enriched, String group, SlowLookup lookup,
                           Duration idle) {
        try (Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(bootstrap)
                .linger(Duration.ofMillis(5))          // many handlers write at once: let them share batches
                .build();
             ParallelProcessor<String, String> processor = ParallelProcessor
                     .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                     .bootstrapServers(bootstrap)
                     .groupId(group)
                     .topics(orders)
                     .options(o -> o.offsetReset(OffsetReset.EARLIEST))
                     .ordering(ParallelProcessor.Ordering.KEY)    // the default, named here for the reader
                     .maxInFlight(200)                            // orders in hand at most, running or waiting for their customer
                     .build()) {
            // SIGTERM or Ctrl-C: close() drains the running orders, commits and leaves the group, and run() returns.
            Thread stop = new Thread(processor::close, "enrichment-stop");
            Runtime.getRuntime().addShutdownHook(stop);
            CountDownLatch ended = new CountDownLatch(1);
            Thread watch = closeWhenIdle(processor, idle, ended);
            try {
                processor.run(enricher(producer, lookup, enriched)); // on the processor's threads; blocking is fine
            } finally {
                ended.countDown();
                join(watch);
                removeHook(stop);
            }
            return processor.processedCount();
        }
    }

    /**
     * The handler: looks the customer up, writes the enriched order, and returns only once the write is
     * acknowledged (returning marks the order done, and done orders get committed). A failed write
     * throws, so the order is retried and never committed unwritten.
     */
    public static ParallelProcessor.Handler<String, String> enricher(Producer<String, String> producer, SlowLookup lookup,
                                                                     String enriched) {
        return order -> {
            String tier = lookup.tierOf(order.key());
            producer.send(ProducerRecord.of(enriched, order.key(), order.value() + " (" + tier + " customer)")).get();
        };
    }

    /**
     * Watches the processor from a thread of its own and closes it (which ends {@link ParallelProcessor#run})
     * once {@code idle} passes with no record finished and none held; stops watching when {@code ended}
     * opens first.
     */
    private static Thread closeWhenIdle(ParallelProcessor<?, ?> processor, Duration idle, CountDownLatch ended) {
        Thread watch = new Thread(() -> {
            long done = -1;
            long since = System.nanoTime();
            try {
                while (!ended.await(100, TimeUnit.MILLISECONDS)) {
                    long now = processor.processedCount();
                    if (now != done || processor.inFlight() > 0) {
                        done = now;
                        since = System.nanoTime();
                    } else if (System.nanoTime() - since >= idle.toNanos()) {
                        processor.close(); // waits for run() to drain, commit and return
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "enrichment-idle-watch");
        watch.setDaemon(true);
        watch.start();
        return watch;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook is what closed the processor
        }
    }

    /** Waits for the watch: if it is closing the processor, that close finishes before the producer's. */
    private static void join(Thread watch) {
        try {
            watch.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
