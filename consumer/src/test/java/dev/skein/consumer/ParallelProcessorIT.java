package dev.skein.consumer;

import dev.skein.consumer.internal.DoneOffsets;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ParallelProcessor} against a real broker: order per key, commits that never skip, rebalances, failures. */
@ExtendWith(KafkaClusterExtension.class)
class ParallelProcessorIT {

    /**
     * Writes values "0".."n-1" with keys "k<i mod keys>" (the reference producer, every send checked). A
     * plain witness, as in {@link ConsumerIT}: no idempotence, acks=1.
     */
    static void produce(KafkaCluster kafka, String topic, int n, int keys) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "linger.ms", 5, "batch.size", 65536, "enable.idempotence", false, "acks", "1"),
                new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sent.add(p.send(new ProducerRecord<>(topic, "k" + (i % keys), Integer.toString(i))));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }

    /** Runs {@code processor} on a thread of its own; the future holds what run() threw, or null. */
    static CompletableFuture<Throwable> start(Runnable run) {
        CompletableFuture<Throwable> end = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                run.run();
                end.complete(null);
            } catch (Throwable e) {
                end.complete(e);
            }
        }, "parallel-run");
        t.setDaemon(true);
        t.start();
        return end;
    }

    static void await(BooleanSupplier condition, Duration max, String what) {
        Await.until(what, max, condition::getAsBoolean);
    }

    /** The group's committed offset and metadata for partition 0 of {@code topic}, through the reference admin. */
    static OffsetAndMetadata committed(Admin admin, String group, String topic, int partition) throws Exception {
        return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS)
                .get(new org.apache.kafka.common.TopicPartition(topic, partition));
    }

    /** Per key: no two records at once, and offsets increasing. Records what finished, by offset. */
    static final class OrderChecker {
        final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> lastStarted = new ConcurrentHashMap<>();
        final Map<Long, Boolean> done = new ConcurrentHashMap<>();
        final AtomicInteger runs = new AtomicInteger();
        final AtomicReference<String> violation = new AtomicReference<>();

        void start(ConsumerRecord<String, String> r) {
            runs.incrementAndGet();
            if (running.computeIfAbsent(r.key(), k -> new AtomicInteger()).incrementAndGet() != 1) {
                violation.compareAndSet(null, "two records of key " + r.key() + " at once (offset " + r.offset() + ")");
            }
            long before = lastStarted.computeIfAbsent(r.key(), k -> new AtomicLong(-1)).getAndSet(r.offset());
            if (before >= r.offset()) {
                violation.compareAndSet(null, "key " + r.key() + " ran offset " + r.offset() + " after " + before);
            }
        }

        void end(ConsumerRecord<String, String> r) {
            done.put(r.offset(), true);
            running.get(r.key()).decrementAndGet();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"blocking", "async"})
    void tenThousandKeysOnOnePartitionKeepOrderPerKeyAndNothingIsCommittedPastUnfinishedWork(String mode,
                                                                                           KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "parallel-order", 1);
        int total = 30_000;
        produce(kafka, topic, total, 10_000);
        String group = "parallel-order-" + UUID.randomUUID();
        OrderChecker checker = new OrderChecker();
        AtomicInteger maxConcurrent = new AtomicInteger();
        AtomicInteger concurrent = new AtomicInteger();
        List<String> badCommits = new CopyOnWriteArrayList<>();
        ScheduledExecutorService delays = Executors.newScheduledThreadPool(2);
        try (ParallelProcessor<String, String> processor = ParallelProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).topics(topic)
                .options(o -> o.offsetReset(OffsetReset.EARLIEST))
                .maxInFlight(500).commitInterval(Duration.ofMillis(50)).build();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            CompletableFuture<Throwable> run = start(() -> {
                if (mode.equals("blocking")) {
                    processor.run(r -> {
                        checker.start(r);
                        maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                        Thread.sleep(ThreadLocalRandom.current().nextInt(3)); // the work: records overlap
                        concurrent.decrementAndGet();
                        checker.end(r);
                    });
                } else {
                    processor.runAsync(r -> {
                        checker.start(r);
                        maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
                        CompletableFuture<Void> f = new CompletableFuture<>();
                        delays.schedule(() -> {
                            concurrent.decrementAndGet();
                            checker.end(r);
                            f.complete(null);
                        }, ThreadLocalRandom.current().nextInt(3000), TimeUnit.MICROSECONDS);
                        return f;
                    });
                }
            });
            // While it runs, every commit the broker holds must cover only finished records.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            long lastCommitted = -1;
            while (lastCommitted < total && System.nanoTime() < deadline && !run.isDone()) {
                OffsetAndMetadata om = committed(admin, group, topic, 0);
                if (om != null) {
                    lastCommitted = om.offset();
                    DoneOffsets said = DoneOffsets.decode(om.offset(), om.metadata());
                    for (long o = 0; o < Math.max(om.offset(), said.end()); o++) {
                        if ((o < om.offset() || said.isDone(o)) && !checker.done.containsKey(o)) {
                            badCommits.add("offset " + o + " committed (" + om + ") before it was done");
                            break;
                        }
                    }
                }
                Thread.sleep(20); // not a wait: how often the commit is sampled, to catch one ahead of the work
            }
            assertEquals(total, lastCommitted, "the whole partition is committed in the end");
            assertFalse(run.isDone(), "still running: " + run.getNow(null));
            processor.close();
            assertNull(run.get(30, TimeUnit.SECONDS), "run() returned normally after close()");
        } finally {
            delays.shutdownNow();
        }
        assertNull(checker.violation.get());
        assertEquals(List.of(), badCommits);
        assertEquals(total, checker.done.size(), "every record processed");
        assertEquals(total, checker.runs.get(), "and only once, in one uninterrupted run");
        assertTrue(maxConcurrent.get() > 50, "records of one partition ran in parallel: " + maxConcurrent.get());
        assertTrue(maxConcurrent.get() <= 500, "never more than maxInFlight: " + maxConcurrent.get());
    }

    /** Writes values "0".."n-1" (keys "k<i>") to one partition of {@code topic}. */
    static void produceTo(KafkaCluster kafka, String topic, int partition, int n) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "linger.ms", 5, "enable.idempotence", false, "acks", "1"), new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sent.add(p.send(new ProducerRecord<>(topic, partition, "k" + i, Integer.toString(i))));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The promise "its key waits meanwhile, other keys do not": a record that does not end (blocked, in
     * retry backoff, or an async stage that never completes) holds back its own partition only. Its
     * partition is written first, so its followers are polled before the other partition's records;
     * they wait behind it and must not use up {@code maxInFlight}, nor stop the other partition.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"blocked", "retrying", "async-never-completes"})
    void aStuckRecordUnderPartitionOrderingHoldsBackOnlyItsOwnPartition(String stuck, KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "parallel-stuck", 2);
        produceTo(kafka, topic, 0, 500);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch stuckStarted = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<Void> never = new CompletableFuture<>();
        Set<Long> done0 = ConcurrentHashMap.newKeySet();
        Set<Long> done1 = ConcurrentHashMap.newKeySet();
        try (ParallelProcessor<String, String> processor = ParallelProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId("parallel-stuck-" + UUID.randomUUID()).topics(topic)
                .options(o -> o.offsetReset(OffsetReset.EARLIEST)).ordering(ParallelProcessor.Ordering.PARTITION)
                .maxInFlight(20).retry(5, Duration.ofSeconds(5), Duration.ofSeconds(5))
                .drainTimeout(Duration.ofSeconds(1)).build()) {
            CompletableFuture<Throwable> run = start(() -> processor.runAsync(r -> {
                boolean head = r.partition() == 0 && r.offset() == 0;
                if (head) {
                    stuckStarted.countDown();
                }
                if (head && release.getCount() > 0) {
                    switch (stuck) {
                        case "blocked" -> {
                            try {
                                release.await(120, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        }
                        case "retrying" -> {
                            return CompletableFuture.failedFuture(new IllegalStateException("not yet"));
                        }
                        default -> {
                            return never;
                        }
                    }
                }
                (r.partition() == 0 ? done0 : done1).add(r.offset());
                return null;
            }));
            assertTrue(stuckStarted.await(60, TimeUnit.SECONDS), "the head of partition 0 started");
            await(() -> processor.inFlight() >= 20 || run.isDone(), Duration.ofSeconds(30),
                    "partition 0's followers wait behind it");
            produceTo(kafka, topic, 1, 500);
            await(() -> done1.size() == 500 || run.isDone(), Duration.ofSeconds(30), "partition 1 processed");
            assertEquals(500, done1.size(), "partition 1 went on while partition 0 was stuck; run: " + run.getNow(null));
            assertTrue(done0.isEmpty(), "nothing of partition 0 ran past its head: " + done0.size());
            if (!stuck.equals("retrying")) {
                release.countDown();
                never.complete(null);
                await(() -> done0.size() >= 499 || run.isDone(), Duration.ofSeconds(30), "partition 0 processed");
                assertTrue(java.util.stream.LongStream.range(1, 500).allMatch(done0::contains), "every follower of the stuck head");
            }
            processor.close();
            assertNull(run.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void partitionOrderingRunsOneRecordAtATimeAndUnorderedRunsEqualKeysTogether(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "parallel-modes", 2);
        produce(kafka, topic, 400, 1); // one key: in KEY mode this would be one at a time too
        for (ParallelProcessor.Ordering ordering : List.of(ParallelProcessor.Ordering.PARTITION,
                ParallelProcessor.Ordering.UNORDERED)) {
            Map<Integer, AtomicInteger> perPartition = new ConcurrentHashMap<>();
            AtomicInteger maxPerPartition = new AtomicInteger();
            Map<Integer, AtomicLong> lastOffset = new ConcurrentHashMap<>();
            AtomicReference<String> outOfOrder = new AtomicReference<>();
            Set<String> seen = ConcurrentHashMap.newKeySet();
            try (ParallelProcessor<String, String> processor = ParallelProcessor
                    .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                    .bootstrapServers(kafka.bootstrapServers()).groupId("parallel-modes-" + UUID.randomUUID())
                    .topics(List.of(topic)).options(o -> o.offsetReset(OffsetReset.EARLIEST))
                    .ordering(ordering).maxInFlight(100).build()) {
                CompletableFuture<Throwable> run = start(() -> processor.run(r -> {
                    int now = perPartition.computeIfAbsent(r.partition(), p -> new AtomicInteger()).incrementAndGet();
                    maxPerPartition.accumulateAndGet(now, Math::max);
                    long before = lastOffset.computeIfAbsent(r.partition(), p -> new AtomicLong(-1)).getAndSet(r.offset());
                    if (before > r.offset()) {
                        outOfOrder.compareAndSet(null, r.partition() + ": " + r.offset() + " after " + before);
                    }
                    Thread.sleep(2); // the work: long enough for records to overlap, were they allowed to
                    perPartition.get(r.partition()).decrementAndGet();
                    seen.add(r.value());
                }));
                await(() -> seen.size() == 400 || run.isDone(), Duration.ofSeconds(60), ordering + ": all 400 processed");
                processor.close();
                assertNull(run.get(30, TimeUnit.SECONDS));
            }
            if (ordering == ParallelProcessor.Ordering.PARTITION) {
                assertEquals(1, maxPerPartition.get(), "PARTITION: one at a time per partition");
                assertNull(outOfOrder.get(), "PARTITION: in offset order");
            } else {
                assertTrue(maxPerPartition.get() > 1, "UNORDERED: records of one key ran together: " + maxPerPartition.get());
            }
        }
    }

    @Test
    void aPoisonRecordIsRetriedThenDeadLetteredWithItsOriginAndOtherKeysKeepFlowing(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "parallel-poison", 1);
        String dlt = ConsumerIT.topic(kafka, "parallel-poison-dlt", 1);
        int total = 1_000;
        produce(kafka, topic, total, 50); // record i has key k(i mod 50): poison 105 and 210 are keys k5 and k10
        Set<Integer> poison = Set.of(105, 210);
        Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();
        Map<Integer, Long> doneAt = new ConcurrentHashMap<>();
        Map<Integer, Long> lastAttemptAt = new ConcurrentHashMap<>();
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (ParallelProcessor<String, String> processor = ParallelProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId("parallel-poison-" + UUID.randomUUID())
                .topics(topic).options(o -> o.offsetReset(OffsetReset.EARLIEST)).maxInFlight(200)
                // Backoffs long enough (2.4-3 s with jitter before a poison record is given up) that every record of
                // another key is done before then on a loaded machine too.
                .retry(3, Duration.ofSeconds(1), Duration.ofSeconds(2)).deadLetterTopic(dlt).meterRegistry(meters).build()) {
            CompletableFuture<Throwable> run = start(() -> processor.run(r -> {
                int v = Integer.parseInt(r.value());
                if (poison.contains(v)) {
                    attempts.computeIfAbsent(v, x -> new AtomicInteger()).incrementAndGet();
                    lastAttemptAt.put(v, System.nanoTime());
                    throw new IllegalStateException("cannot enrich " + v);
                }
                doneAt.put(v, System.nanoTime());
            }));
            await(() -> processor.deadLetteredCount() == 2 || run.isDone(), Duration.ofSeconds(60), "two dead letters");
            await(() -> doneAt.size() == total - 2 || run.isDone(), Duration.ofSeconds(60), "the rest processed");
            assertEquals(4, processor.retriedCount(), "two retries each");
            assertEquals(4.0, meters.get("skein.parallel.retries").counter().count());
            assertEquals(2.0, meters.get("skein.parallel.dead.lettered").counter().count());
            ParallelProcessorIT.await(() -> meters.get("skein.parallel.processing").timer().count() == total - 2,
                    Duration.ofSeconds(10), "the processing timer counts the records done by the handler");
            // The timer is recorded a moment before the record stops being held: wait for the gauges.
            ParallelProcessorIT.await(() -> meters.get("skein.parallel.in.flight").gauge().value() == 0.0,
                    Duration.ofSeconds(10), "nothing held once all is done");
            ParallelProcessorIT.await(() -> meters.get("skein.parallel.key.waiting.max").gauge().value() == 0.0,
                    Duration.ofSeconds(10), "no key waiting once all is done");
            processor.close();
            assertNull(run.get(30, TimeUnit.SECONDS));
        }
        assertEquals(3, attempts.get(105).get());
        assertEquals(3, attempts.get(210).get());
        long firstGaveUp = Math.min(lastAttemptAt.get(105), lastAttemptAt.get(210));
        for (int v = 0; v < total; v++) {
            if (poison.contains(v)) {
                continue;
            }
            boolean sameKeyAfterPoison = (v % 50 == 5 && v > 105) || (v % 50 == 10 && v > 210);
            if (sameKeyAfterPoison) {
                long poisonEnd = lastAttemptAt.get(v % 50 == 5 ? 105 : 210);
                assertTrue(doneAt.get(v) > poisonEnd, "record " + v + " waited for the poison record of its key");
            } else {
                assertTrue(doneAt.get(v) < firstGaveUp, "record " + v + " of another key did not wait for the poison");
            }
        }
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "group.id", "dlt-reader-" + UUID.randomUUID(), "auto.offset.reset", "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of(dlt));
            List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> letters = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (letters.size() < 2 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(letters::add);
            }
            assertEquals(2, letters.size());
            Map<String, String> byValue = new HashMap<>();
            for (var r : letters) {
                Map<String, String> h = new HashMap<>();
                r.headers().forEach(x -> h.put(x.key(), new String(x.value(), StandardCharsets.UTF_8)));
                assertEquals(topic, h.get("skein.dlt.topic"));
                assertEquals("0", h.get("skein.dlt.partition"));
                assertEquals(r.value(), h.get("skein.dlt.offset"), "values equal offsets on this one-partition topic");
                assertEquals("3", h.get("skein.dlt.attempts"));
                assertTrue(h.get("skein.dlt.error").contains("cannot enrich " + r.value()), h.get("skein.dlt.error"));
                byValue.put(r.value(), r.key());
            }
            assertEquals(Map.of("105", "k5", "210", "k10"), byValue, "key and value as read");
        }
    }

    @Test
    void withoutADeadLetterTopicAFailingRecordStopsTheProcessorAndIsNotCommitted(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "parallel-stop", 1);
        produce(kafka, topic, 500, 20);
        String group = "parallel-stop-" + UUID.randomUUID();
        Set<Integer> processed = ConcurrentHashMap.newKeySet();
        try (ParallelProcessor<String, String> processor = ParallelProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).topics(topic)
                .options(o -> o.offsetReset(OffsetReset.EARLIEST)).retry(2, Duration.ofMillis(10), Duration.ofMillis(10))
                .build()) {
            CompletableFuture<Throwable> run = start(() -> processor.run(r -> {
                if (r.value().equals("250")) {
                    throw new IllegalArgumentException("bad record");
                }
                processed.add(Integer.parseInt(r.value()));
            }));
            Throwable t = run.get(60, TimeUnit.SECONDS);
            RecordProcessingException e = assertInstanceOf(RecordProcessingException.class, t);
            assertEquals(250, e.offset());
            assertEquals(2, e.attempts());
            assertInstanceOf(IllegalArgumentException.class, e.getCause());
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            OffsetAndMetadata om = committed(admin, group, topic, 0);
            assertNotNull(om, "what was done before the failure is committed");
            assertTrue(om.offset() <= 250, "never past the failed record: " + om);
            assertFalse(DoneOffsets.decode(om.offset(), om.metadata()).isDone(250));
        }
        // A fixed handler picks up from there: the failed record and everything not done run now.
        Set<Integer> second = ConcurrentHashMap.newKeySet();
        try (ParallelProcessor<String, String> processor = ParallelProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).topics(topic)
                .options(o -> o.offsetReset(OffsetReset.EARLIEST)).build()) {
            CompletableFuture<Throwable> run = start(() -> processor.run(r -> second.add(Integer.parseInt(r.value()))));
            await(() -> java.util.stream.IntStream.range(0, 500).allMatch(v -> processed.contains(v) || second.contains(v))
                    || run.isDone(), Duration.ofSeconds(60), "the rest");
            processor.close();
            assertNull(run.get(30, TimeUnit.SECONDS));
        }
        for (int v = 0; v < 500; v++) {
            assertTrue(processed.contains(v) || second.contains(v), "record " + v + " lost");
        }
        for (int v : second) {
            assertFalse(processed.contains(v) && v < 250 - 20, "re-ran " + v + ", long finished before the failure");
        }
    }

    @Test
    void closeWaitsForRunningRecordsAndCommitsThem(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "parallel-close", 1);
        produce(kafka, topic, 50, 50);
        String group = "parallel-close-" + UUID.randomUUID();
        AtomicInteger started = new AtomicInteger();
        Set<Integer> done = ConcurrentHashMap.newKeySet();
        ParallelProcessor<String, String> processor = ParallelProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).topics(topic)
                .options(o -> o.offsetReset(OffsetReset.EARLIEST)).commitInterval(Duration.ofMinutes(1)).build();
        CompletableFuture<Throwable> run = start(() -> processor.run(r -> {
            started.incrementAndGet();
            Thread.sleep(1_000); // slow work: all 50 are still running when close() is called
            done.add(Integer.parseInt(r.value()));
        }));
        await(() -> started.get() == 50 || run.isDone(), Duration.ofSeconds(60), "all 50 running");
        processor.close();
        assertNull(run.get(30, TimeUnit.SECONDS));
        assertEquals(50, done.size(), "close() waited for the running records");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            assertEquals(50, committed(admin, group, topic, 0).offset(), "and committed them");
        }
    }

    @Test
    void aTracingHandlerThatThrowsNeverDecidesARecordsFate(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "parallel-tracing-broken", 1);
        int total = 200;
        produce(kafka, topic, total, 20);
        io.micrometer.observation.ObservationRegistry broken = io.micrometer.observation.ObservationRegistry.create();
        broken.observationConfig().observationHandler(new io.micrometer.observation.ObservationHandler<>() {
            @Override
            public boolean supportsContext(io.micrometer.observation.Observation.Context context) {
                return true;
            }

            @Override
            public void onStart(io.micrometer.observation.Observation.Context context) {
                throw new IllegalStateException("a broken tracer");
            }

            @Override
            public void onStop(io.micrometer.observation.Observation.Context context) {
                throw new IllegalStateException("a broken tracer");
            }
        });
        Set<Integer> done = ConcurrentHashMap.newKeySet();
        try (ParallelProcessor<String, String> processor = ParallelProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId("parallel-tracing-" + UUID.randomUUID())
                .topics(topic).options(o -> o.offsetReset(OffsetReset.EARLIEST)).observationRegistry(broken).build()) {
            CompletableFuture<Throwable> run = start(() -> processor.run(r -> done.add(Integer.parseInt(r.value()))));
            await(() -> done.size() == total || run.isDone(), Duration.ofSeconds(60), "every record handled");
            await(() -> processor.processedCount() == total || run.isDone(), Duration.ofSeconds(30), "every record done");
            assertEquals(0, processor.retriedCount(), "no record failed for its tracing");
            processor.close();
            assertNull(run.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void badOptionsFailAtBuildNamingThem() {
        var b = ParallelProcessor.builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers("127.0.0.1:1").groupId("g");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains("topics"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> b.topics("t").maxInFlight(0).build());
        assertTrue(e.getMessage().contains("maxInFlight"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> b.maxInFlight(10).property("max.poll.recordz", 5).build());
        assertTrue(e.getMessage().contains("max.poll.recordz"), e.getMessage());
        var noGroup = ParallelProcessor.builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers("127.0.0.1:1").topics("t");
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, noGroup::build);
        assertTrue(e.getMessage().contains("group.id"), e.getMessage());
        var intercepted = ParallelProcessor.builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers("127.0.0.1:1").groupId("g").topics("t").property("interceptor.classes", Noop.class);
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, intercepted::build);
        assertTrue(e.getMessage().contains("interceptor.classes"), e.getMessage());
    }

    /** An interceptor the processor must refuse: its consumer would hand it raw bytes. */
    public static final class Noop implements ConsumerInterceptor<String, String> {}
}
