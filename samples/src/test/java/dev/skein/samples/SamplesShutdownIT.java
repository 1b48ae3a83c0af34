package dev.skein.samples;

import dev.skein.admin.Admin;
import dev.skein.admin.NewTopic;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.Delivery;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The samples' {@code main}s run in a JVM of their own and stopped by SIGTERM (what {@code kill}, Docker
 * and Kubernetes send) still close their clients: a consumer commits what it processed and leaves its
 * group at once, rather than holding its partitions until its session times out; a producer stops sending
 * and writes what it holds, so every record it reports as sent is in the topic.
 */
@ExtendWith(KafkaClusterExtension.class)
class SamplesShutdownIT {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @Test
    void atLeastOnceOnSigtermCommitsWhatWasProcessedAndLeavesTheGroup(KafkaCluster kafka) throws Exception {
        String topic = SamplesIT.topic(kafka, 1);
        KeyedProducerSample.run(kafka.bootstrapServers(), topic, 100, QUIET);
        String group = "billing-" + UUID.randomUUID();
        try (Sample sample = new Sample(AtLeastOnceConsumerSample.class, kafka.bootstrapServers(), topic, group);
             Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            Await.until("the sample printed all 100 records", Duration.ofSeconds(60),
                    () -> sample.output().lines().filter(l -> l.contains(" -> order ")).count() == 100);
            sample.sigterm(); // well within the sample's 10 s idle time
            assertEquals(List.of(), admin.groups().describe(List.of(group)).get(group).get(30, TimeUnit.SECONDS).members(),
                    "the consumer left the group on SIGTERM:\n" + sample.output());
            assertEquals(Map.of(new TopicPartition(topic, 0), 100L), offsets(admin, group), "everything processed is committed");
        }
    }

    @Test
    void atMostOnceOnSigtermLeavesTheGroup(KafkaCluster kafka) throws Exception {
        String topic = SamplesIT.topic(kafka, 1);
        KeyedProducerSample.run(kafka.bootstrapServers(), topic, 100, QUIET);
        String group = "notifier-" + UUID.randomUUID();
        try (Sample sample = new Sample(AtMostOnceConsumerSample.class, kafka.bootstrapServers(), topic, group);
             Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            Await.until("the sample printed all 100 records", Duration.ofSeconds(60),
                    () -> sample.output().lines().filter(l -> l.startsWith("notify ")).count() == 100);
            sample.sigterm(); // well within the sample's 10 s idle time
            assertEquals(List.of(), admin.groups().describe(List.of(group)).get(group).get(30, TimeUnit.SECONDS).members(),
                    "the consumer left the group on SIGTERM:\n" + sample.output());
            assertEquals(Map.of(new TopicPartition(topic, 0), 100L), offsets(admin, group), "committed before handling");
        }
    }

    @Test
    void exactlyOnceOnSigtermFinishesItsTransactionAndLeavesTheGroup(KafkaCluster kafka) throws Exception {
        String orders = SamplesIT.topic(kafka, 1);
        String invoices = SamplesIT.topic(kafka, 1);
        KeyedProducerSample.run(kafka.bootstrapServers(), orders, 100, QUIET);
        String group = "invoicer-" + UUID.randomUUID();
        try (Sample sample = new Sample(ExactlyOnceSample.class, kafka.bootstrapServers(), orders, invoices, group,
                "invoicer-" + UUID.randomUUID());
             Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            Await.until("the sample committed all 100 orders", Duration.ofSeconds(60),
                    () -> Map.of(new TopicPartition(orders, 0), 100L).equals(offsets(admin, group)));
            sample.sigterm(); // well within the sample's 10 s idle time
            assertEquals(List.of(), admin.groups().describe(List.of(group)).get(group).get(30, TimeUnit.SECONDS).members(),
                    "the processor left the group on SIGTERM:\n" + sample.output());
        }
    }

    @Test
    void parallelEnrichmentOnSigtermDrainsCommitsAndLeavesTheGroup(KafkaCluster kafka) throws Exception {
        String orders = SamplesIT.topic(kafka, 1);
        String enriched = SamplesIT.topic(kafka, 1);
        KeyedProducerSample.run(kafka.bootstrapServers(), orders, 200, QUIET);
        String group = "enricher-" + UUID.randomUUID();
        try (Sample sample = new Sample(ParallelEnrichmentSample.class, kafka.bootstrapServers(), orders, enriched, group);
             Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            Await.until("the sample committed all 200 orders", Duration.ofSeconds(60),
                    () -> Map.of(new TopicPartition(orders, 0), 200L).equals(offsets(admin, group)));
            sample.sigterm(); // well within the sample's 10 s idle time
            assertEquals(List.of(), admin.groups().describe(List.of(group)).get(group).get(30, TimeUnit.SECONDS).members(),
                    "the processor left the group on SIGTERM:\n" + sample.output());
        }
    }

    @Test
    void metricsOnSigtermClosesTheClientsAndReports(KafkaCluster kafka) throws Exception {
        String topic = SamplesIT.topic(kafka, 1);
        try (Sample sample = new Sample(MetricsSample.class, kafka.bootstrapServers(), topic, "0", "100");
             Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            Await.until("the sample's consumer committed what it read", Duration.ofSeconds(60),
                    () -> offsets(admin, "metrics-sample").keySet().stream().anyMatch(tp -> tp.topic().equals(topic)));
            sample.sigterm();
            assertTrue(sample.output().matches("(?s).*wrote [1-9][0-9]* orders, read .*"), "no report:\n" + sample.output());
            assertEquals(List.of(), admin.groups().describe(List.of("metrics-sample")).get("metrics-sample")
                    .get(30, TimeUnit.SECONDS).members(), "the consumer left the group on SIGTERM:\n" + sample.output());
        }
    }

    @Test
    void aTimedMetricsRunEndsByItselfAndReports(KafkaCluster kafka) throws Exception {
        String topic = SamplesIT.topic(kafka, 1);
        try (Sample sample = new Sample(MetricsSample.class, kafka.bootstrapServers(), topic, "0", "100", "3")) {
            assertTrue(sample.process.waitFor(60, TimeUnit.SECONDS), "a 3 s run still running after 60 s:\n" + sample.output());
            assertEquals(0, sample.process.exitValue(), sample.output());
            assertTrue(sample.output().matches("(?s).*wrote [1-9][0-9]* orders, read .*"), "no report:\n" + sample.output());
        }
    }

    @Test
    void aMetricsRunWhoseOrdersAreRefusedSaysSoAndWhy(KafkaCluster kafka) throws Exception {
        String topic = "sample-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            admin.topics().create(List.of(NewTopic.of(topic, 1, 1).withConfig("max.message.bytes", "64")))
                    .all().get(30, TimeUnit.SECONDS); // smaller than any batch: every order is refused
        }
        try (Sample sample = new Sample(MetricsSample.class, kafka.bootstrapServers(), topic, "0", "20", "3")) {
            assertTrue(sample.process.waitFor(60, TimeUnit.SECONDS), "a 3 s run still running after 60 s:\n" + sample.output());
            assertTrue(sample.output().matches("(?s).*wrote 0 orders \\([1-9][0-9]* failed, first: [^)]+\\).*"),
                    "the report hides the failures:\n" + sample.output());
        }
    }

    @Test
    void keyedProducerOnSigtermStopsSendingClosesAndEveryOrderItReportsSentIsWritten(KafkaCluster kafka) throws Exception {
        String topic = SamplesIT.topic(kafka, 3);
        int count = 50_000_000; // far more than it sends before the SIGTERM
        List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1),
                new TopicPartition(topic, 2));
        try (Sample sample = new Sample(KeyedProducerSample.class, kafka.bootstrapServers(), topic, String.valueOf(count));
             Consumer<String, String> reader = Consumer.builder(Serdes.string(), Serdes.string())
                     .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).build()) {
            reader.assign(partitions);
            Await.until("the sample is writing orders", Duration.ofSeconds(60),
                    () -> total(reader.endOffsets(partitions)) >= 10_000);
            Duration exit = sample.sigterm();
            assertTrue(exit.compareTo(Duration.ofSeconds(30)) < 0, "exited " + exit + " after SIGTERM, not within its 30 s bound");
            Matcher report = Pattern.compile("(\\d+) orders sent, (\\d+) written").matcher(sample.output());
            assertTrue(report.find(), "no report of what was sent and written:\n" + sample.output());
            int sent = Integer.parseInt(report.group(1));
            assertTrue(sent >= 10_000 && sent < count, "stopped while sending, not before or after: sent " + sent);
            assertEquals(sent, Integer.parseInt(report.group(2)), "every order sent was written:\n" + sample.output());

            BitSet seen = new BitSet(); // order numbers in the topic
            Map<TopicPartition, Long> end = reader.endOffsets(partitions);
            reader.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!partitions.stream().allMatch(tp -> reader.position(tp) >= end.get(tp))) {
                assertTrue(System.nanoTime() < deadline, "the topic not read to its end " + end + " within 60 s");
                reader.poll(Duration.ofMillis(200)).forEach(r -> seen.set(Integer.parseInt(r.value().substring("order ".length()))));
            }
            assertEquals(sent, seen.nextClearBit(0), "orders 0.." + (sent - 1) + " are all in the topic");
            assertEquals(sent, seen.cardinality(), "and nothing past them");
        }
    }

    @Test
    void changeDataIndexerOnSigtermCommitsAndLeavesTheGroup(KafkaCluster kafka) throws Exception {
        String topic = SamplesIT.topic(kafka, 1);
        String group = "city-index"; // the sample's; only this test uses it
        try (Sample sample = new Sample(ChangeDataIndexerSample.class, kafka.bootstrapServers(), topic);
             Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            Await.until("the index committed the table's 4 changes", Duration.ofSeconds(60),
                    () -> Map.of(new TopicPartition(topic, 0), 4L).equals(offsets(admin, group)));
            sample.sigterm(); // well within the sample's 5 s idle time
            assertEquals(List.of(), admin.groups().describe(List.of(group)).get(group).get(30, TimeUnit.SECONDS).members(),
                    "the consumer left the group on SIGTERM:\n" + sample.output());
            assertTrue(sample.output().contains("stopped"), "stopped by the SIGTERM, not by idling:\n" + sample.output());
        }
    }

    private static long total(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, String group) throws Exception {
        return admin.groups().offsets(group).get(30, TimeUnit.SECONDS).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    /** A sample's main in a JVM of its own, on this test's class path; its output goes to a file. */
    private static final class Sample implements AutoCloseable {
        final Process process;
        private final Path log;

        Sample(Class<?> main, String... args) throws IOException {
            log = Files.createTempFile(main.getSimpleName(), ".log");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), main.getName()));
            cmd.addAll(List.of(args));
            process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }

        String output() throws IOException {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        /** Sends SIGTERM, waits (60 s at most) for the JVM to end and returns how long it took. */
        Duration sigterm() throws Exception {
            long start = System.nanoTime();
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "still running 60 s after SIGTERM:\n" + output());
            return Duration.ofNanos(System.nanoTime() - start);
        }

        @Override
        public void close() throws Exception {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(log);
        }
    }
}
