package dev.skein.consumer;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.OffsetAndTimestamp;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.Deserializer;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(KafkaClusterExtension.class)
class ConsumerIT {

    static String topic(KafkaCluster kafka, String prefix, int partitions) throws Exception {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        return name;
    }

    /** Writes 60 records ("round-i") every {@code pauseMs} on a thread of its own until closed. */
    static final class BackgroundProducer implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        private final Thread thread;

        BackgroundProducer(KafkaCluster kafka, String topic, long pauseMs) {
            thread = new Thread(() -> {
                for (int round = 0; running.get(); round++) {
                    try {
                        produce(kafka, topic, 60, "none", round + "-");
                        Thread.sleep(pauseMs); // pacing between rounds
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "background-producer");
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }

    /**
     * Gives a consumer-protocol group a short session (group config {@code consumer.session.timeout.ms},
     * set through Skein's admin): under KIP-848 the broker, not the member, sets the session timeout.
     */
    static void groupSession(KafkaCluster kafka, String group, Duration session) throws Exception {
        dev.skein.admin.ConfigResource resource = dev.skein.admin.ConfigResource.group(group);
        try (dev.skein.admin.Admin admin = dev.skein.admin.Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            admin.configs().alter(Map.of(resource, List.of(dev.skein.admin.ConfigOp.set("consumer.session.timeout.ms",
                    Long.toString(session.toMillis()))))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Writes values "0".."n-1" with the reference producer, key "k<i mod keys>", header "i", and checks
     * every send. A plain witness (no idempotence, acks=1): on fresh topics of the shared broker the
     * reference idempotent producer was seen retrying OUT_OF_ORDER_SEQUENCE_NUMBER for minutes.
     */
    static void produce(KafkaCluster kafka, String topic, int n, String codec) throws Exception {
        produce(kafka, topic, n, codec, "");
    }

    /** As {@link #produce(KafkaCluster, String, int, String)}, with values prefix + i. */
    static void produce(KafkaCluster kafka, String topic, int n, String codec, String prefix) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "compression.type", codec, "linger.ms", 5, "enable.idempotence", false, "acks", "1",
                "max.in.flight.requests.per.connection", 1), new StringSerializer(), new StringSerializer())) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ProducerRecord<String, String> r = new ProducerRecord<>(topic, "k" + (i % 13), prefix + i);
                r.headers().add(new RecordHeader("i", Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
                sent.add(p.send(r));
            }
            p.flush();
            for (var f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
    }

    static ConsumerBuilder<String, String> builder(KafkaCluster kafka) {
        return Consumer.builder(Serdes.string(), Serdes.string()).bootstrapServers(kafka.bootstrapServers())
                .offsetReset(OffsetReset.EARLIEST);
    }

    static List<TopicPartition> partitions(String topic, int n) {
        List<TopicPartition> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new TopicPartition(topic, i));
        }
        return out;
    }

    static List<ConsumerRecord<String, String>> pollUntil(Consumer<String, String> c, int n, Duration max) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + max.toNanos();
        while (out.size() < n && System.nanoTime() < deadline) {
            c.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
    void readsEverythingTheReferenceProducerWroteInOffsetOrder(String codec, KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "read-" + codec, 3);
        produce(kafka, topic, 3_000, codec);
        try (Consumer<String, String> c = builder(kafka).delivery(Delivery.MANUAL).build()) {
            c.assign(partitions(topic, 3));
            List<ConsumerRecord<String, String>> got = pollUntil(c, 3_000, Duration.ofSeconds(30));
            assertEquals(3_000, got.size());
            Map<Integer, Long> lastOffset = new HashMap<>();
            Set<String> values = new HashSet<>();
            for (ConsumerRecord<String, String> r : got) {
                Long prev = lastOffset.put(r.partition(), r.offset());
                assertTrue(prev == null || r.offset() == prev + 1, "offsets contiguous per partition");
                assertTrue(values.add(r.value()), "no duplicates");
                assertArrayEquals(r.value().getBytes(StandardCharsets.UTF_8), r.headers().get(0).value());
                assertEquals("k" + (Integer.parseInt(r.value()) % 13), r.key());
            }
        }
    }

    /**
     * A record's timestamp says whose it is: on a topic with {@code message.timestamp.type=LogAppendTime}
     * the broker's append time, flagged as such, in place of the producer's; on a CreateTime topic the
     * producer's own, not flagged. Values read as byte arrays, the byte-array deserializer's copy.
     */
    @ParameterizedTest
    @ValueSource(strings = {"none", "lz4"})
    void recordsOfALogAppendTimeTopicCarryTheBrokersTimeFlaggedAsSuch(String codec, KafkaCluster kafka) throws Exception {
        long producerTime = System.currentTimeMillis() - TimeUnit.HOURS.toMillis(1);
        Map<String, Long> earliestAppend = new HashMap<>();
        List<String> topics = new ArrayList<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            for (String type : List.of("LogAppendTime", "CreateTime")) {
                String name = "ts-" + type + "-" + codec + "-" + UUID.randomUUID().toString().substring(0, 8);
                admin.createTopics(List.of(new NewTopic(name, 1, (short) 1).configs(Map.of("message.timestamp.type", type))))
                        .all().get(30, TimeUnit.SECONDS);
                topics.add(name);
            }
        }
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "compression.type", codec, "linger.ms", 5, "enable.idempotence", false, "acks", "1"),
                new StringSerializer(), new StringSerializer())) { // a plain witness, as produce() explains
            for (String t : topics) {
                earliestAppend.put(t, System.currentTimeMillis());
                for (int i = 0; i < 50; i++) {
                    p.send(new ProducerRecord<>(t, 0, producerTime + i, null, "v" + i)).get(30, TimeUnit.SECONDS);
                }
            }
        }
        long latestAppend = System.currentTimeMillis();
        for (String t : topics) {
            boolean appendTime = t.startsWith("ts-LogAppendTime");
            try (Consumer<byte[], byte[]> c = Consumer.builder(Serdes.bytes(), Serdes.bytes()).bootstrapServers(kafka.bootstrapServers())
                    .offsetReset(OffsetReset.EARLIEST).delivery(Delivery.MANUAL).build()) {
                c.assign(List.of(new TopicPartition(t, 0)));
                List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (got.size() < 50 && System.nanoTime() < deadline) {
                    c.poll(Duration.ofMillis(200)).forEach(got::add);
                }
                assertEquals(50, got.size(), t);
                for (int i = 0; i < 50; i++) {
                    ConsumerRecord<byte[], byte[]> r = got.get(i);
                    assertArrayEquals(("v" + i).getBytes(StandardCharsets.UTF_8), r.value());
                    assertEquals(appendTime, r.timestampIsLogAppendTime(), t + " offset " + i);
                    if (appendTime) {
                        // The broker's clock is this machine's: the append lies between the first send and the last ack.
                        assertTrue(r.timestamp() >= earliestAppend.get(t) - 1_000 && r.timestamp() <= latestAppend + 1_000,
                                "append time " + r.timestamp() + " at offset " + i);
                    } else {
                        assertEquals(producerTime + i, r.timestamp());
                    }
                }
            }
        }
    }

    /**
     * Compressed batches are decompressed ahead of the polling thread on the event loop; seeks drop
     * fetches whose batches are half taken, half decompressed ahead. Every poll after a seek starts at
     * the sought offset and runs on without a gap, and a last read from the start sees every record once.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gzip", "zstd"})
    void seeksAmidBatchesDecompressedAheadReadOnFromTheSoughtOffset(String codec, KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "ahead-" + codec, 1);
        int n = 20_000;
        produce(kafka, topic, n, codec);
        TopicPartition tp = new TopicPartition(topic, 0);
        java.util.Random random = new java.util.Random(42);
        try (Consumer<String, String> c = builder(kafka).delivery(Delivery.MANUAL).maxPollRecords(37).build()) {
            c.assign(List.of(tp));
            long expected = 0;
            for (int polls = 0; polls < 60; polls++) {
                List<ConsumerRecord<String, String>> got = pollUntil(c, 1, Duration.ofSeconds(10));
                assertTrue(!got.isEmpty(), "records after offset " + expected);
                for (ConsumerRecord<String, String> r : got) {
                    assertEquals(expected, r.offset(), "no gap, no repeat");
                    assertEquals(Long.toString(expected), r.value());
                    expected++;
                }
                if (polls % 3 == 2) {
                    expected = random.nextInt(n - 100);
                    c.seek(tp, expected);
                }
            }
            c.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, String>> all = pollUntil(c, n, Duration.ofSeconds(60));
            assertEquals(n, all.size());
            for (int i = 0; i < n; i++) {
                assertEquals(i, all.get(i).offset());
                assertEquals(Integer.toString(i), all.get(i).value());
            }
        }
    }

    @Test
    void seekPositionAndOffsetLookups(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "seek", 1);
        produce(kafka, topic, 100, "none");
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Consumer<String, String> c = builder(kafka).delivery(Delivery.MANUAL).build()) {
            c.assign(List.of(tp));
            assertEquals(0L, c.beginningOffsets(List.of(tp)).get(tp));
            assertEquals(100L, c.endOffsets(List.of(tp)).get(tp));
            assertEquals(0L, c.position(tp));
            c.seek(tp, 42);
            assertEquals("42", pollUntil(c, 1, Duration.ofSeconds(10)).get(0).value());
            c.seekToEnd(List.of(tp));
            assertEquals(100L, c.position(tp));
            c.seekToBeginning(List.of(tp));
            assertEquals("0", pollUntil(c, 1, Duration.ofSeconds(10)).get(0).value());
            OffsetAndTimestamp future = c.offsetsForTimes(Map.of(tp, System.currentTimeMillis() + 3_600_000)).get(tp);
            assertEquals(null, future, "no record is newer than an hour from now");
            assertEquals(0L, c.offsetsForTimes(Map.of(tp, 0L)).get(tp).offset());
        }
    }

    @Test
    void commitsSurviveAndANewConsumerResumesThere(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "commit", 2);
        produce(kafka, topic, 200, "lz4");
        String group = "g-" + UUID.randomUUID();
        Map<TopicPartition, OffsetAndMetadata> committed;
        try (Consumer<String, String> c = builder(kafka).groupId(group).delivery(Delivery.MANUAL).build()) {
            c.assign(partitions(topic, 2));
            pollUntil(c, 50, Duration.ofSeconds(10));
            c.commitSync();
            committed = c.committed(Set.copyOf(partitions(topic, 2)));
            assertEquals(2, committed.size());
        }
        try (Consumer<String, String> c = builder(kafka).groupId(group).delivery(Delivery.MANUAL).build()) {
            c.assign(partitions(topic, 2));
            for (TopicPartition tp : partitions(topic, 2)) {
                assertEquals(committed.get(tp).offset(), c.position(tp), "resumes at the committed offset");
            }
        }
    }

    /**
     * A commit the broker refuses per partition (metadata over {@code offset.metadata.max.bytes}, 4096 by
     * default) names the partitions by topic and number, also at OffsetCommit v10, whose response names
     * topics by id only.
     */
    @Test
    void aRefusedCommitNamesItsPartitions(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "refused-commit", 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Consumer<String, String> c = builder(kafka).groupId("g-" + UUID.randomUUID()).delivery(Delivery.MANUAL).build()) {
            c.assign(List.of(tp));
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> c.commitSync(Map.of(tp, new OffsetAndMetadata(0, "m".repeat(5_000), -1))));
            StringBuilder messages = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(t).append('\n');
            }
            assertTrue(messages.toString().contains("OffsetCommit of [" + topic + "-0]"), "the refusal names " + tp + ":\n" + messages);
        }
    }

    @Test
    void atLeastOnceCommitsWhatWasReturnedAtTheNextPollSoACrashOnlyRedelivers(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "alo", 1);
        produce(kafka, topic, 1_000, "none");
        String group = "alo-" + UUID.randomUUID();
        Set<String> seen = new HashSet<>();
        List<String> afterLastCommit = new ArrayList<>();
        Consumer<String, String> crashed = builder(kafka).groupId(group).maxPollRecords(100).build();
        try {
            crashed.assign(partitions(topic, 1));
            for (int i = 0; i < 3; i++) {
                ConsumerRecords<String, String> rs = crashed.poll(Duration.ofSeconds(10));
                afterLastCommit.clear(); // the poll that returned these committed the previous batch
                rs.forEach(r -> {
                    seen.add(r.value());
                    afterLastCommit.add(r.value());
                });
            }
            // The third poll committed the second batch asynchronously: wait until the group holds it.
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
                Await.until("the commit of the second batch", Duration.ofSeconds(30), () -> {
                    var committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                            .get(10, TimeUnit.SECONDS).get(tp);
                    return committed != null && committed.offset() == 200;
                });
            }
            // "Crash": stop using it without close (close would commit).
            try (Consumer<String, String> next = builder(kafka).groupId(group).build()) {
                next.assign(partitions(topic, 1));
                List<String> redelivered = new ArrayList<>();
                for (ConsumerRecord<String, String> r : pollUntil(next, 1_000 - seen.size() + afterLastCommit.size(),
                        Duration.ofSeconds(20))) {
                    if (!seen.add(r.value())) {
                        redelivered.add(r.value());
                    }
                }
                assertEquals(1_000, seen.size(), "nothing lost");
                assertTrue(afterLastCommit.containsAll(redelivered), "duplicates only after the last commit");
            }
        } finally {
            crashed.close(Duration.ZERO);
        }
    }

    @Test
    void atMostOnceNeverDeliversARecordTwice(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "amo", 1);
        produce(kafka, topic, 500, "none");
        String group = "amo-" + UUID.randomUUID();
        Set<String> handedOut = new HashSet<>();
        Consumer<String, String> crashed = builder(kafka).groupId(group).delivery(Delivery.AT_MOST_ONCE).maxPollRecords(100).build();
        try {
            crashed.assign(partitions(topic, 1));
            crashed.poll(Duration.ofSeconds(10)).forEach(r -> handedOut.add(r.value()));
            // "Crash" between commit and processing: these records are lost, never repeated.
            try (Consumer<String, String> next = builder(kafka).groupId(group).delivery(Delivery.AT_MOST_ONCE).build()) {
                next.assign(partitions(topic, 1));
                for (ConsumerRecord<String, String> r : pollUntil(next, 500 - handedOut.size(), Duration.ofSeconds(20))) {
                    assertTrue(handedOut.add(r.value()), "record " + r.value() + " delivered twice");
                }
            }
        } finally {
            crashed.close(Duration.ZERO);
        }
        assertEquals(500, handedOut.size());
    }

    @Test
    void aRecordThatDoesNotDeserializeNamesItsOffsetFailsAgainUntilSoughtPast(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "poison", 1);
        produce(kafka, topic, 10, "none");
        Deserializer<String> picky = (data, ctx) -> {
            String s = new String(data, StandardCharsets.UTF_8);
            if (s.equals("5")) {
                throw new IllegalArgumentException("poison");
            }
            return s;
        };
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Consumer<String, String> c = Consumer.builder(Serdes.string().deserializer(), picky)
                .bootstrapServers(kafka.bootstrapServers()).offsetReset(OffsetReset.EARLIEST).delivery(Delivery.MANUAL).build()) {
            c.assign(List.of(tp));
            List<String> before = new ArrayList<>();
            RecordDeserializationException e = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (e == null && System.nanoTime() < deadline) {
                try {
                    c.poll(Duration.ofMillis(200)).forEach(r -> before.add(r.value()));
                } catch (RecordDeserializationException x) {
                    e = x;
                }
            }
            assertEquals(List.of("0", "1", "2", "3", "4"), before, "records before the bad one are delivered");
            assertEquals(5L, e.offset());
            assertEquals(tp, e.topicPartition());
            assertArrayEquals("5".getBytes(StandardCharsets.UTF_8), e.data());
            assertEquals(5L, c.position(tp), "the position stays on the bad record");
            RecordDeserializationException again = null;
            List<String> skipped = new ArrayList<>();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (again == null && System.nanoTime() < deadline) {
                try {
                    c.poll(Duration.ofMillis(200)).forEach(r -> skipped.add(r.value()));
                } catch (RecordDeserializationException x) {
                    again = x;
                }
            }
            assertEquals(List.of(), skipped, "no record past the bad one before a seek");
            assertEquals(5L, again.offset(), "polling again without a seek fails on the same record");
            assertEquals(5L, c.position(tp));
            c.seek(tp, e.offset() + 1);
            assertEquals("6", pollUntil(c, 1, Duration.ofSeconds(10)).get(0).value());
        }
    }

    @Test
    void pausedPartitionsReturnNothingUntilResumed(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "pause", 2);
        produce(kafka, topic, 200, "none");
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        try (Consumer<String, String> c = builder(kafka).delivery(Delivery.MANUAL).build()) {
            c.assign(List.of(p0, p1));
            c.pause(List.of(p1));
            assertEquals(Set.of(p1), c.paused());
            for (ConsumerRecord<String, String> r : pollUntil(c, 150, Duration.ofSeconds(5))) {
                assertEquals(0, r.partition(), "nothing from the paused partition");
            }
            c.resume(List.of(p1));
            assertTrue(pollUntil(c, 1, Duration.ofSeconds(10)).stream().anyMatch(r -> r.partition() == 1));
        }
    }

    @Test
    void wakeupInterruptsAPoll(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "wakeup", 1);
        try (Consumer<String, String> c = builder(kafka).delivery(Delivery.MANUAL).build()) {
            c.assign(partitions(topic, 1));
            new Thread(() -> {
                try {
                    Thread.sleep(300); // time for the poll below to block: the wakeup must interrupt a poll in progress
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
                c.wakeup();
            }).start();
            long start = System.nanoTime();
            assertThrows(WakeupException.class, () -> c.poll(Duration.ofSeconds(30)));
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 10);
            c.poll(Duration.ZERO); // usable again
        }
    }

    /** KIP-842: by_duration starts at the first record no older than the duration, or at the end when all are older. */
    @Test
    void resetByDurationStartsAtTheFirstRecentRecordOrAtTheEnd(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "reset-duration", 2);
        long now = System.currentTimeMillis();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 5; i++) {
                p.send(new ProducerRecord<>(topic, 0, now - TimeUnit.HOURS.toMillis(3), null, "old-" + i)).get(30, TimeUnit.SECONDS);
                p.send(new ProducerRecord<>(topic, 1, now - TimeUnit.HOURS.toMillis(3), null, "old-" + i)).get(30, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 5; i++) {
                p.send(new ProducerRecord<>(topic, 0, now - TimeUnit.MINUTES.toMillis(10), null, "new-" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        try (Consumer<String, String> c = builder(kafka).groupId("by-duration-" + UUID.randomUUID()).delivery(Delivery.MANUAL)
                .property("auto.offset.reset", "by_duration:PT1H").build()) {
            c.assign(partitions(topic, 2));
            assertEquals(5, c.position(new TopicPartition(topic, 0)), "the first record of the last hour");
            assertEquals(5, c.position(new TopicPartition(topic, 1)), "every record is older: the end");
            List<String> values = new ArrayList<>();
            pollUntil(c, 5, Duration.ofSeconds(10)).forEach(r -> values.add(r.value()));
            assertEquals(List.of("new-0", "new-1", "new-2", "new-3", "new-4"), values);
        }
        try (Consumer<String, String> c = builder(kafka).delivery(Delivery.MANUAL).offsetReset(Duration.ofHours(4)).build()) {
            c.assign(partitions(topic, 2));
            assertEquals(0, c.position(new TopicPartition(topic, 0)), "four hours back: everything");
            assertEquals(0, c.position(new TopicPartition(topic, 1)));
        }
    }

    @Test
    void resetNoneNamesThePartitions(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "reset-none", 1);
        try (Consumer<String, String> c = builder(kafka).groupId("none-" + UUID.randomUUID()).delivery(Delivery.MANUAL)
                .offsetReset(OffsetReset.NONE).build()) {
            c.assign(partitions(topic, 1));
            NoOffsetForPartitionException e = assertThrows(NoOffsetForPartitionException.class,
                    () -> c.poll(Duration.ofSeconds(5)));
            assertTrue(e.getMessage().contains(topic + "-0"), e.getMessage());
        }
    }

    @Test
    void theBufferedBytesBudgetHoldsWhileTwentyPartitionsAreBacklogged(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "budget", 20);
        // The witness is kept simple (no idempotence, acks=1) and every send is checked: on a fresh
        // 20-partition topic the reference idempotent producer was seen retrying sequence errors for minutes.
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "linger.ms", 5, "batch.size", 16384, "enable.idempotence", false, "acks", "1"),
                new StringSerializer(), new StringSerializer())) {
            String value = "v".repeat(1_000);
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                sent.add(p.send(new ProducerRecord<>(topic, i % 20, null, value)));
            }
            p.flush();
            for (var f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        long budget = 512 * 1024;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Consumer<String, String> c = builder(kafka).delivery(Delivery.MANUAL).bufferMaxBytes(budget)
                .maxPartitionFetchBytes(256 * 1024).meterRegistry(registry).maxPollRecords(50).build()) {
            c.assign(partitions(topic, 20));
            c.poll(Duration.ofSeconds(5));
            double max = 0;
            for (int i = 0; i < 30; i++) {
                Thread.sleep(50); // the application is slow: the fetcher runs ahead as far as the budget allows
                max = Math.max(max, registry.get("skein.consumer.buffered.bytes").gauge().value());
                c.poll(Duration.ofMillis(10));
            }
            // One batch may exceed what was asked for (the broker always returns a whole first batch).
            assertTrue(max <= budget + 32 * 1024, "buffered " + max + " bytes, budget " + budget);
            assertTrue(max > 0, "the fetcher did buffer ahead");
            long inLog = c.endOffsets(partitions(topic, 20)).values().stream().mapToLong(Long::longValue).sum();
            assertEquals(20_000, inLog, "the witness wrote everything");
            int total = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            c.seekToBeginning(partitions(topic, 20));
            Map<Integer, Integer> perPartition = new java.util.TreeMap<>();
            while (total < inLog && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    perPartition.merge(r.partition(), 1, Integer::sum);
                    total++;
                }
            }
            assertEquals(inLog, total, "everything in the log is read within the budget: " + perPartition);
            assertEquals(0L, c.currentLag(new TopicPartition(topic, 0)).getAsLong(), "caught up");
            assertEquals(20_000.0, registry.get("skein.consumer.records.consumed").counter().count(), 2_000.0);
            assertTrue(registry.get("skein.consumer.fetch.latency").timer().count() > 0);
            assertEquals(20, registry.find("skein.consumer.lag").gauges().size(), "one lag gauge per partition");
        }
    }

    @Test
    void incrementalFetchSessionsReadEverythingAcrossPausesAndSeeks(KafkaCluster kafka) throws Exception {
        String topic = topic(kafka, "session", 30);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p7 = new TopicPartition(topic, 7);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "enable.idempotence", false, "acks", "1"), new StringSerializer(), new StringSerializer());
             Consumer<String, String> c = builder(kafka).delivery(Delivery.MANUAL).meterRegistry(registry)
                     .fetchMaxWait(Duration.ofMillis(100)).build()) {
            c.assign(partitions(topic, 30)); // 28 partitions stay idle: the session stops naming them
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            int sent = 0;
            for (int round = 0; round < 6; round++) {
                for (int i = 0; i < 10; i++, sent++) {
                    p.send(new ProducerRecord<>(topic, sent % 2 == 0 ? 0 : 7, null, Integer.toString(sent))).get(30, TimeUnit.SECONDS);
                }
                if (round == 2) {
                    c.pause(List.of(p7)); // forgotten by the session while paused
                }
                if (round == 4) {
                    c.resume(List.of(p7)); // and named again
                }
                got.addAll(pollUntil(c, round < 2 || round >= 4 ? 10 : 5, Duration.ofSeconds(10)));
            }
            got.addAll(pollUntil(c, 60 - got.size(), Duration.ofSeconds(10)));
            assertEquals(60, got.size(), "everything, once");
            Map<Integer, Long> last = new HashMap<>();
            for (ConsumerRecord<String, String> r : got) {
                Long prev = last.put(r.partition(), r.offset());
                assertTrue(prev == null || r.offset() == prev + 1, "in offset order per partition");
            }
            c.seek(p0, 0); // a seek re-lists the partition at its new offset
            List<ConsumerRecord<String, String>> again = pollUntil(c, 30, Duration.ofSeconds(10));
            assertEquals(30, again.size());
            assertEquals(0, again.get(0).offset());
            double incremental = registry.get("skein.consumer.fetch.requests").tag("session", "incremental").counter().count();
            double full = registry.get("skein.consumer.fetch.requests").tag("session", "full").counter().count();
            assertTrue(incremental > full, "incremental fetches (" + incremental + ") after a full one (" + full + ")");
        }
    }
}
