package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
        ConsumerIT.produce(kafka, topic, total, "none");
        String group = "crash-" + UUID.randomUUID();
        ConsumerIT.groupSession(kafka, group, Duration.ofSeconds(6));
        Set<Integer> received = new HashSet<>();
        Set<Integer> processed = new HashSet<>();
        // Kill it mid-stream once half is processed: no close, no final commit.
        // AUTO_COMMIT: processing inside the poll loop, then the kill; auto-commit must lose nothing either.
        runThenKill(kafka, group, topic, delivery, protocol, line -> record(line, received, processed),
                () -> processed.size() >= total / 2);
        assertTrue(processed.size() >= total / 2, "the child consumed half before the crash: " + processed.size());
        long committed;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets =
                    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            OffsetAndMetadata om = offsets.get(new org.apache.kafka.common.TopicPartition(topic, 0));
            committed = om == null ? 0 : om.offset();
        }
        assertTrue(committed <= processed.size(), "nothing is committed that was not processed");
        assertTrue(committed > 0, "the child committed while it ran (" + delivery + ")");
        Set<Integer> again = new HashSet<>();
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).offsetReset(OffsetReset.EARLIEST)
                .sessionTimeout(Duration.ofSeconds(10)).build()) {
            c.assign(List.of(new TopicPartition(topic, 0)));
            assertEquals(committed, c.position(new TopicPartition(topic, 0)), "the successor starts at the last commit");
            for (ConsumerRecord<String, String> r : ConsumerIT.pollUntil(c, (int) (total - committed), Duration.ofSeconds(30))) {
                int v = Integer.parseInt(r.value());
                again.add(v);
                if (processed.contains(v)) {
                    assertTrue(r.offset() >= committed, "a duplicate from before the last commit: " + v);
                }
            }
        }
        Set<Integer> all = new HashSet<>(processed);
        all.addAll(again);
        assertEquals(total, all.size(), "no record lost");
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void atMostOnceKilledBetweenCommitAndProcessingNeverDeliversARecordTwice(String protocol, KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "crash-amo", 1);
        int total = 3_000;
        ConsumerIT.produce(kafka, topic, total, "none");
        String group = "crash-amo-" + UUID.randomUUID();
        ConsumerIT.groupSession(kafka, group, Duration.ofSeconds(6));
        Set<Integer> received = new HashSet<>();
        Set<Integer> processed = new HashSet<>();
        runThenKill(kafka, group, topic, "AT_MOST_ONCE", protocol, line -> record(line, received, processed),
                () -> processed.size() >= total / 3);
        assertTrue(processed.size() >= total / 3, "the child consumed a third before the crash: " + processed.size());
        Set<Integer> afterwards = new HashSet<>();
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).offsetReset(OffsetReset.EARLIEST)
                .delivery(Delivery.AT_MOST_ONCE).groupProtocol(protocol).build()) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!afterwards.contains(total - 1) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    int v = Integer.parseInt(r.value());
                    assertTrue(!received.contains(v), "delivered twice: " + v);
                    assertTrue(afterwards.add(v), "delivered twice to the successor: " + v);
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

    private static void record(String line, Set<Integer> received, Set<Integer> processed) {
        if (line.startsWith("RECEIVED ")) {
            received.add(Integer.parseInt(line.substring("RECEIVED ".length()).trim()));
        } else if (line.startsWith("PROCESSED ")) {
            processed.add(Integer.parseInt(line.substring("PROCESSED ".length()).trim()));
        }
    }
}
