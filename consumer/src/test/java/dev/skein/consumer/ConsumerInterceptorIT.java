package dev.skein.consumer;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(KafkaClusterExtension.class)
class ConsumerInterceptorIT {
    private static final int N = 20;

    /** Notes what it sees in a shared log; {@code change} maps the records it returns. */
    static class Named implements ConsumerInterceptor<String, String> {
        final String name;
        final List<String> log;

        Named(String name, List<String> log) {
            this.name = name;
            this.log = log;
        }

        ConsumerRecords<String, String> change(ConsumerRecords<String, String> records) {
            return records;
        }

        @Override
        public ConsumerRecords<String, String> onConsume(ConsumerRecords<String, String> records) {
            for (ConsumerRecord<String, String> r : records) {
                log.add(name + ":" + r.value());
            }
            return change(records);
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
            offsets.forEach((tp, om) -> log.add(name + ":commit@" + om.offset()));
        }

        @Override
        public void close() {
            log.add(name + ":closed");
        }
    }

    /** Drops odd values. */
    static final class EvenOnly extends Named {
        EvenOnly(List<String> log) {
            super("even", log);
        }

        @Override
        ConsumerRecords<String, String> change(ConsumerRecords<String, String> records) {
            Map<TopicPartition, List<ConsumerRecord<String, String>>> kept = new LinkedHashMap<>();
            for (TopicPartition tp : records.partitions()) {
                kept.put(tp, records.records(tp).stream().filter(r -> Integer.parseInt(r.value()) % 2 == 0).toList());
            }
            return new ConsumerRecords<>(kept);
        }
    }

    /** Suffixes values with "!". */
    static final class Marking extends Named {
        Marking(List<String> log) {
            super("mark", log);
        }

        @Override
        ConsumerRecords<String, String> change(ConsumerRecords<String, String> records) {
            Map<TopicPartition, List<ConsumerRecord<String, String>>> out = new LinkedHashMap<>();
            for (TopicPartition tp : records.partitions()) {
                out.put(tp, records.records(tp).stream().map(r -> new ConsumerRecord<>(r.topic(), r.partition(), r.offset(),
                        r.timestamp(), r.timestampIsLogAppendTime(), r.key(), r.value() + "!", r.headers(),
                        r.serializedKeySize(), r.serializedValueSize(), r.leaderEpoch())).toList());
            }
            return new ConsumerRecords<>(out);
        }
    }

    /** Throws from every call. */
    static final class Throwing implements ConsumerInterceptor<String, String> {
        @Override
        public ConsumerRecords<String, String> onConsume(ConsumerRecords<String, String> records) {
            throw new IllegalStateException("onConsume broke");
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
            throw new IllegalStateException("onCommit broke");
        }

        @Override
        public void close() {
            throw new IllegalStateException("close broke");
        }
    }

    /** For {@code interceptor.classes}: notes every call in {@link #LOG}. */
    public static final class Recording extends Named {
        static final List<String> LOG = Collections.synchronizedList(new ArrayList<>());

        public Recording() {
            super("recording", LOG);
        }
    }

    /** Polls into {@code out} until {@code done} or 30 s; fails on the deadline. */
    private static void pollUntil(Consumer<String, String> c, List<ConsumerRecord<String, String>> out, BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out; got " + out.size() + " records");
            c.poll(Duration.ofMillis(200)).forEach(out::add);
        }
    }

    private static List<String> withPrefix(List<String> log, String prefix) {
        synchronized (log) {
            return log.stream().filter(s -> s.startsWith(prefix)).toList();
        }
    }

    @Test
    void interceptorsRunInOrderEachOnWhatTheOneBeforeReturnedAndHearOfCommits(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "interceptor-order", 1);
        ConsumerIT.produce(kafka, topic, N, "none");
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        try (Consumer<String, String> c = ConsumerIT.builder(kafka).groupId("interceptors-" + UUID.randomUUID())
                .delivery(Delivery.MANUAL).interceptor(new EvenOnly(log)).interceptor(new Marking(log))
                .interceptor(new Named("last", log)).build()) {
            c.subscribe(List.of(topic));
            pollUntil(c, got, () -> got.size() >= N / 2 && got.get(got.size() - 1).value().equals((N - 2) + "!"));
            c.commitSync();
            List<String> commits = withPrefix(log, "");
            assertEquals(List.of("even:commit@" + N, "mark:commit@" + N, "last:commit@" + N),
                    commits.subList(commits.size() - 3, commits.size()), "commitSync tells each, in order, before returning");
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < N; i += 2) {
            expected.add(i + "!");
        }
        assertEquals(expected, got.stream().map(ConsumerRecord::value).toList(), "poll returned what the last one returned");
        assertEquals(N, withPrefix(log, "even:").stream().filter(s -> !s.contains("@") && !s.contains("closed")).count(),
                "the first saw every record");
        assertEquals(N / 2, withPrefix(log, "mark:").stream().filter(s -> !s.contains("@") && !s.contains("closed")).count(),
                "the second saw what the first kept");
        assertEquals(expected.stream().map(v -> "last:" + v).toList(),
                withPrefix(log, "last:").stream().filter(s -> !s.contains("@") && !s.contains("closed")).toList(),
                "the third saw what the second changed");
        // Within each poll the interceptors ran one after the other: no "even:" entry after a "mark:" of the same poll.
        List<String> order = withPrefix(log, "");
        assertTrue(order.indexOf("even:0") < order.indexOf("mark:0") && order.indexOf("mark:0") < order.indexOf("last:0!"));
        assertEquals(List.of("even:closed", "mark:closed", "last:closed"), order.subList(order.size() - 3, order.size()));
    }

    @Test
    void aThrowingInterceptorIsSkippedAndFailsNeitherPollNorCommit(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "interceptor-throws", 1);
        ConsumerIT.produce(kafka, topic, N, "none");
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        try (Consumer<String, String> c = ConsumerIT.builder(kafka).groupId("interceptors-" + UUID.randomUUID())
                .delivery(Delivery.AT_LEAST_ONCE).interceptor(new Throwing()).interceptor(new Named("after", log)).build()) {
            c.subscribe(List.of(topic));
            pollUntil(c, got, () -> got.size() >= N);
            // At-least-once commits what was returned asynchronously at the next poll; its onCommit comes from a later one.
            pollUntil(c, got, () -> log.contains("after:commit@" + N));
            c.commitSync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(N - 1, "", -1)));
            assertTrue(log.contains("after:commit@" + (N - 1)), "a synchronous commit is told before it returns");
            c.commitAsync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(N - 2, "", -1)),
                    (offsets, e) -> log.add("callback " + (e == null ? "ok" : e)));
            pollUntil(c, got, () -> log.contains("callback ok"));
            assertEquals(log.indexOf("callback ok") - 1, log.indexOf("after:commit@" + (N - 2)),
                    "an asynchronous commit is told from a later poll, just before its callback: " + log);
            // One more, then close at once: close waits for its answer and runs its callback (as Kafka's does).
            c.commitAsync(Map.of(new TopicPartition(topic, 0), new OffsetAndMetadata(N - 3, "", -1)),
                    (offsets, e) -> log.add("last callback " + (e == null ? "ok" : e)));
        }
        assertTrue(log.contains("last callback ok"), "the callback of a commit in flight at close ran: " + log);
        assertEquals(log.indexOf("last callback ok") - 1, log.indexOf("after:commit@" + (N - 3)), log.toString());
        assertEquals(N, got.size());
        for (int i = 0; i < N; i++) {
            assertEquals(Integer.toString(i), got.get(i).value(), "records unchanged by the throwing interceptor");
        }
        assertEquals("after:closed", log.get(log.size() - 1));
    }

    @Test
    void interceptorClassesMakesOneInstancePerConsumerAndAtMostOnceCommitsBeforeOnConsume(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "interceptor-classes", 1);
        ConsumerIT.produce(kafka, topic, N, "none");
        Recording.LOG.clear();
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        try (Consumer<String, String> c = Consumer.builder(dev.skein.serdes.Serdes.string(), dev.skein.serdes.Serdes.string())
                .properties(Map.of("bootstrap.servers", kafka.bootstrapServers(), "group.id", "interceptors-" + UUID.randomUUID(),
                        "auto.offset.reset", "earliest", "skein.delivery", "at-most-once",
                        "interceptor.classes", Recording.class.getName())).build()) {
            c.subscribe(List.of(topic));
            pollUntil(c, got, () -> got.size() >= N);
        }
        List<String> log = Recording.LOG;
        assertEquals("recording:closed", log.get(log.size() - 1));
        int lastRecord = log.indexOf("recording:" + (N - 1));
        int commit = log.indexOf("recording:commit@" + N);
        assertTrue(commit >= 0 && commit < lastRecord, "at-most-once committed before the records were handed over: " + log);
        assertEquals(N, log.stream().filter(s -> !s.contains("@") && !s.contains("closed")).count());
    }

    /** For {@code interceptor.classes} on the producer side of an exactly-once processor. */
    public static final class RecordingProducerSide implements dev.skein.producer.ProducerInterceptor<String, String> {
        static final List<String> LOG = Collections.synchronizedList(new ArrayList<>());

        @Override
        public dev.skein.producer.ProducerRecord<String, String> onSend(dev.skein.producer.ProducerRecord<String, String> r) {
            LOG.add("send:" + r.value());
            return r;
        }
    }

    @Test
    void anExactlyOnceProcessorHandsEachInterceptorClassToTheClientItIsFor(KafkaCluster kafka) throws Exception {
        String in = ConsumerIT.topic(kafka, "interceptor-eos-in", 1);
        String out = ConsumerIT.topic(kafka, "interceptor-eos-out", 1);
        ConsumerIT.produce(kafka, in, 3, "none");
        Recording.LOG.clear();
        RecordingProducerSide.LOG.clear();
        try (ExactlyOnceProcessor<String, String, String, String> p = ExactlyOnceProcessor.builder(
                        dev.skein.serdes.Serdes.string().deserializer(), dev.skein.serdes.Serdes.string().deserializer(),
                        dev.skein.serdes.Serdes.string().serializer(), dev.skein.serdes.Serdes.string().serializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId("interceptors-eos-" + UUID.randomUUID())
                .transactionalId("interceptors-eos-" + UUID.randomUUID()).input(List.of(in))
                .property("interceptor.classes", Recording.class.getName() + "," + RecordingProducerSide.class.getName())
                .build()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int done = 0;
            while (done < 3) {
                assertTrue(System.nanoTime() < deadline, "timed out after " + done + " records");
                done += p.processOnce(Duration.ofMillis(200), r -> List.of(dev.skein.producer.ProducerRecord.of(out, r.key(), r.value())));
            }
        }
        assertEquals(List.of("recording:0", "recording:1", "recording:2", "recording:closed"), Recording.LOG);
        assertEquals(List.of("send:0", "send:1", "send:2"), RecordingProducerSide.LOG);
    }
}
