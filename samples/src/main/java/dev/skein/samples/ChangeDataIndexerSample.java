package dev.skein.samples;

import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.OffsetReset;
import dev.skein.consumer.WakeupException;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.JsonSerde;
import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Change data into a denormalized view. An application writes customer rows and produces a change
 * event per write, keyed by the row id (so one row's changes stay in order on one partition). An
 * at-least-once consumer maintains "customers by city". It may see an event twice after a crash, so
 * it applies each row's changes by version: a repeated or older event changes nothing.
 *
 * <p>Run: {@code ChangeDataIndexerSample localhost:9092 customer-changes} (writes four changes, indexes them in
 * group {@code city-index} until 5 s pass without one, or until SIGTERM / Ctrl-C, and prints the view; either way
 * it closes its clients: the table's producer sends what it holds, the consumer commits and leaves the group).
 */
public final class ChangeDataIndexerSample {
    private ChangeDataIndexerSample() {}

    /** A row after a change (or its deletion), with the row's version: 1, 2, 3... per id. */
    public record Change(String id, long version, String name, String city, boolean deleted) {}

    /** The application's table; every write also produces its change event. */
    public static final class CustomerTable implements AutoCloseable {
        private final Map<String, Change> rows = new TreeMap<>();
        private final Producer<String, Change> producer;
        private final String topic;
        private final AtomicReference<Throwable> notWritten = new AtomicReference<>();

        public CustomerTable(String bootstrap, String topic) {
            this(Producer.builder(Serdes.string(), JsonSerde.of(Change.class)).bootstrapServers(bootstrap).build(), topic);
        }

        /** A table whose change events go through {@code producer}, which {@link #close()} closes. */
        public CustomerTable(Producer<String, Change> producer, String topic) {
            this.topic = topic;
            this.producer = producer;
        }

        public void upsert(String id, String name, String city) {
            write(new Change(id, version(id), name, city, false));
        }

        public void delete(String id) {
            write(new Change(id, version(id), null, null, true));
        }

        private long version(String id) {
            Change before = rows.get(id);
            return before == null ? 1 : before.version() + 1;
        }

        private void write(Change c) {
            rows.put(c.id(), c);
            producer.send(ProducerRecord.of(topic, c.id(), c)).whenComplete((metadata, error) -> {
                if (error != null) {
                    notWritten.compareAndSet(null, error); // the view would never see this change
                }
            });
        }

        /**
         * Waits until every change event is acknowledged; then returns the rows that exist.
         *
         * @throws IllegalStateException when a change event was not written (the view differs from the table)
         */
        public Map<String, Change> committedRows() {
            producer.flush();
            Throwable error = notWritten.get();
            if (error != null) {
                throw new IllegalStateException("a change event was not written: " + error.getMessage(), error);
            }
            Map<String, Change> live = new TreeMap<>(rows);
            live.values().removeIf(Change::deleted);
            return live;
        }

        /** Closes the producer: it sends what it holds and waits for the answers, 10 s at most. */
        @Override
        public void close() {
            producer.close(Duration.ofSeconds(10)); // bounded, so a shutdown hook waiting for it is too
        }
    }

    /** The view: names by city, and the last version applied per row (what makes it idempotent). */
    public static final class CityIndex {
        private final Map<String, Long> applied = new HashMap<>();
        private final Map<String, Change> current = new HashMap<>();
        private final Map<String, Set<String>> byCity = new TreeMap<>();

        /** Applies a change; false when it was already applied or is older than what was (a re-delivery). */
        public boolean apply(Change c) {
            if (c.version() <= applied.getOrDefault(c.id(), 0L)) {
                return false;
            }
            Change old = current.remove(c.id());
            if (old != null) {
                Set<String> names = byCity.get(old.city());
                names.remove(old.name());
                if (names.isEmpty()) {
                    byCity.remove(old.city());
                }
            }
            if (!c.deleted()) {
                current.put(c.id(), c);
                byCity.computeIfAbsent(c.city(), k -> new TreeSet<>()).add(c.name());
            }
            applied.put(c.id(), c.version());
            return true;
        }

        public Map<String, Set<String>> view() {
            Map<String, Set<String>> copy = new TreeMap<>();
            byCity.forEach((city, names) -> copy.put(city, Set.copyOf(names)));
            return copy;
        }
    }

    /**
     * Feeds the index from the change topic, at least once, until {@code idle} passes without an event.
     * Returns how many events changed the view.
     */
    public static int index(String bootstrap, String topic, String group, CityIndex index, Duration idle) {
        try (Consumer<String, Change> consumer = consumer(bootstrap, group)) {
            return index(consumer, topic, index, idle);
        }
    }

    private static Consumer<String, Change> consumer(String bootstrap, String group) {
        return Consumer.builder(Serdes.string(), JsonSerde.of(Change.class))
                .bootstrapServers(bootstrap).groupId(group).delivery(Delivery.AT_LEAST_ONCE)
                .offsetReset(OffsetReset.EARLIEST).build();
    }

    /**
     * The loop of {@link #index(String, String, String, CityIndex, Duration)}, on a consumer the caller owns
     * (at-least-once, with a group) and closes afterwards: its close() commits what was applied.
     */
    public static int index(Consumer<String, Change> consumer, String topic, CityIndex index, Duration idle) {
        int changed = 0;
        consumer.subscribe(List.of(topic));
        long last = System.nanoTime();
        while (System.nanoTime() - last < idle.toNanos()) {
            for (ConsumerRecord<String, Change> r : consumer.poll(Duration.ofMillis(200))) {
                last = System.nanoTime();
                if (index.apply(r.value())) {
                    changed++;
                }
            }
        }
        return changed;
    }

    public static void main(String[] args) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        CityIndex index = new CityIndex();
        // The consumer is built first so that a SIGTERM or Ctrl-C at any point can wake it: wakeup() makes its
        // current or next poll() throw, also when it lands while the table still writes. The hook then holds the JVM
        // until close() below has run: the table's producer sent what it holds, and the consumer committed what was
        // applied and left the group at once, rather than holding its partitions until its session times out.
        try (Consumer<String, Change> consumer = consumer(args[0], "city-index");
             CustomerTable table = new CustomerTable(args[0], args[1])) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                consumer.wakeup();
                try {
                    closed.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "stop-indexer"));
            table.upsert("c1", "Ada", "London");
            table.upsert("c2", "Grace", "New York");
            table.upsert("c1", "Ada", "Paris");
            table.delete("c2");
            table.committedRows();
            index(consumer, args[1], index, Duration.ofSeconds(5));
            System.out.println(index.view());
        } catch (WakeupException e) {
            System.out.println("stopped; the view so far: " + index.view());
        } finally {
            closed.countDown();
        }
    }
}
