package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.DeliveryChecker;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(KafkaClusterExtension.class)
class ConsumerCrashIT {

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"classic, AT_LEAST_ONCE", "consumer, AT_LEAST_ONCE", "consumer, AUTO_COMMIT"})
    void atLeastOnceSurvivesSigkillMidStreamWithDuplicatesOnlyAfterTheLastCommit(String protocol, String delivery,
                                                                               KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "crash", 1);
        int total = 3_000;
        // What the application processed counts as read: at-least-once promises every record processed.
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.AT_LEAST_ONCE);
        produce(kafka, topic, total, checker);
        String group = "crash-" + UUID.randomUUID();
        ConsumerIT.groupSession(kafka, group, Duration.ofSeconds(6));
        Set<Integer> processed = new HashSet<>();
        checker.assigned("child", 0, topic, 0);
        // Kill it mid-stream once half is processed: no close, no final commit.
        // AUTO_COMMIT: processing inside the poll loop, then the kill; auto-commit must lose nothing either.
        runThenKill(kafka, group, topic, delivery, protocol, line -> {
            record(line, processed);
            if (line.startsWith("PROCESSED ")) {
                read(checker, "child", topic, line);
            }
        }, () -> processed.size() >= total / 2);
        assertTrue(processed.size() >= total / 2, "the child consumed half before the crash: " + processed.size());
        long committed;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            OffsetAndMetadata om = offsets.get(new org.apache.kafka.common.TopicPartition(topic, 0));
            committed = om == null ? 0 : om.offset();
        }
        assertTrue(committed > 0, "the child committed while it ran (" + delivery + ")");
        checker.committed("child", topic, 0, committed); // judged: nothing committed that was not processed
        checker.revokedAll("child");
        checker.assigned("successor", 0, topic, 0);
        Set<Integer> again = new HashSet<>();
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).offsetReset(OffsetReset.EARLIEST)
                .sessionTimeout(Duration.ofSeconds(10)).build()) {
            c.assign(List.of(new TopicPartition(topic, 0)));
            assertEquals(committed, c.position(new TopicPartition(topic, 0)), "the successor starts at the last commit");
            for (ConsumerRecord<String, String> r : ConsumerIT.pollUntil(c, (int) (total - committed), Duration.ofSeconds(30))) {
                int v = Integer.parseInt(r.value());
                again.add(v);
                checker.received("successor", 0, r.topic(), r.partition(), r.offset(), r.value());
                if (processed.contains(v)) {
                    assertTrue(r.offset() >= committed, "a duplicate from before the last commit: " + v);
                }
            }
        }
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.ok(), "no record lost, none out of order, no commit past what was processed: " + report);
        assertEquals(total, report.counts().get("distinct_read"), report.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void atMostOnceKilledBetweenCommitAndProcessingNeverDeliversARecordTwice(String protocol, KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "crash-amo", 1);
        int total = 3_000;
        // What poll() handed over counts as read: at-most-once promises nothing handed over twice.
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.AT_MOST_ONCE);
        produce(kafka, topic, total, checker);
        String group = "crash-amo-" + UUID.randomUUID();
        ConsumerIT.groupSession(kafka, group, Duration.ofSeconds(6));
        Set<Integer> processed = new HashSet<>();
        checker.assigned("child", 0, topic, 0);
        runThenKill(kafka, group, topic, "AT_MOST_ONCE", protocol, line -> {
            record(line, processed);
            if (line.startsWith("RECEIVED ")) {
                read(checker, "child", topic, line);
            }
        }, () -> processed.size() >= total / 3);
        checker.revokedAll("child");
        assertTrue(processed.size() >= total / 3, "the child consumed a third before the crash: " + processed.size());
        Set<Integer> afterwards = new HashSet<>();
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).offsetReset(OffsetReset.EARLIEST)
                .delivery(Delivery.AT_MOST_ONCE).groupProtocol(GroupProtocol.forName(protocol)).build()) {
            c.subscribe(List.of(topic), new RecordingListener(checker, "successor"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!afterwards.contains(total - 1) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    checker.received("successor", 0, r.topic(), r.partition(), r.offset(), r.value());
                    afterwards.add(Integer.parseInt(r.value()));
                }
            }
        }
        assertTrue(afterwards.contains(total - 1), "the successor read to the end");
        // Lost: what the child was handed but did not process, or what it committed but was killed
        // before poll() returned. Either way no more than the one batch (max.poll.records) in hand.
        Set<Integer> lost = new HashSet<>();
        for (int v = 0; v < total; v++) {
            if (!processed.contains(v) && !afterwards.contains(v)) {
                lost.add(v);
            }
        }
        assertTrue(lost.size() <= 50, "at most the batch in hand is lost: " + lost.size());
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.ok(), "nothing handed over twice, nothing out of order: " + report);
    }

    /** {@code total} records, values 0, 1, 2, ..., each acknowledged to {@code checker} with its offset. */
    private static void produce(KafkaCluster kafka, String topic, int total, DeliveryChecker checker) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "linger.ms", 5), new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                checker.sent("producer", Integer.toString(i));
                sent.add(p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "k" + (i % 13), Integer.toString(i))));
            }
            for (int i = 0; i < total; i++) {
                RecordMetadata md = sent.get(i).get(60, TimeUnit.SECONDS);
                checker.acknowledged(Integer.toString(i), md.topic(), md.partition(), md.offset());
            }
        }
    }

    /** A child's "RECEIVED offset value" or "PROCESSED offset value" line, told to {@code checker}. */
    private static void read(DeliveryChecker checker, String member, String topic, String line) {
        String[] f = line.trim().split(" ");
        checker.received(member, 0, topic, 0, Long.parseLong(f[1]), f[2]);
    }

    /**
     * Runs {@link CrashingConsumerMain} in a child JVM, handing each line it prints to {@code onLine}
     * until {@code enough} holds (at most 60 s); then freezes it, hands over what it printed meanwhile
     * (all of that happened), and SIGKILLs it.
     */
    private static void runThenKill(KafkaCluster kafka, String group, String topic, String delivery, String protocol,
                                    java.util.function.Consumer<String> onLine, java.util.function.BooleanSupplier enough)
            throws Exception {
        Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CrashingConsumerMain.class.getName(),
                kafka.bootstrapServers(), group, topic, delivery, protocol)).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            while (!enough.getAsBoolean() && System.nanoTime() < deadline && (line = out.readLine()) != null) {
                onLine.accept(line);
            }
            Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(child.pid())).start();
            assertTrue(stop.waitFor(10, TimeUnit.SECONDS));
            // Time for the stop to take hold in every thread of the child (a write in progress ends first): no
            // portable way to observe that, and a line missed here would be a false "lost" below.
            Thread.sleep(200);
            while (out.ready() && (line = out.readLine()) != null) {
                onLine.accept(line);
            }
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
    }

    private static void record(String line, Set<Integer> processed) {
        if (line.startsWith("PROCESSED ")) {
            processed.add(Integer.parseInt(line.trim().split(" ")[2]));
        }
    }
}
