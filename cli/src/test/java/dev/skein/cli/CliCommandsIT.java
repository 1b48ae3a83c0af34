package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.skein.cli.CliIT.skein;
import static dev.skein.cli.CliIT.topic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** groups, perf, copy and quickstart against a real broker. */
@ExtendWith(KafkaClusterExtension.class)
class CliCommandsIT {

    static String lines(int from, int to) {
        return IntStream.range(from, to).mapToObj(Integer::toString).collect(Collectors.joining("\n", "", "\n"));
    }

    @Test
    void groupsAreListedDescribedResetAndDeleted(KafkaCluster kafka) {
        String t = topic(kafka, 2);
        CliIT.Run produced = skein(kafka, lines(0, 10), "produce", "--topic", t);
        assertEquals(0, produced.exit(), produced.err());
        String group = "cli-groups-" + UUID.randomUUID();
        assertEquals(0, skein(kafka, "", "consume", "--topic", t, "--group", group, "--from-beginning",
                "--max-messages", "6", "--group-protocol", "classic").exit());
        assertTrue(skein(kafka, "", "groups", "list").lines().contains(group));

        CliIT.Run described = skein(kafka, "", "groups", "describe", "--group", group);
        assertEquals(0, described.exit(), described.err());
        long lag = described.lines().stream().filter(l -> l.startsWith(t)).mapToLong(l -> Long.parseLong(l.split("\\s+")[4])).sum();
        assertEquals(4, lag, "10 written, 6 committed: " + described.out());

        CliIT.Run reset = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--to-earliest");
        assertEquals(0, reset.exit(), reset.err());
        assertEquals(List.of(t + " 0 0", t + " 1 0"), reset.lines());
        // The group, classic so far, is read next by a consumer-protocol (KIP-848) member.
        CliIT.Run again = skein(kafka, "", "consume", "--topic", t, "--group", group, "--timeout-ms", "2000",
                "--group-protocol", "consumer");
        assertEquals(10, again.lines().size(), "everything is read again after the reset: " + again.err());
        CliIT.Run badProtocol = skein(kafka, "", "consume", "--topic", t, "--group", group, "--group-protocol", "eager");
        assertEquals(2, badProtocol.exit());
        assertTrue(badProtocol.err().contains("--group-protocol"), badProtocol.err());

        CliIT.Run latest = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--to-latest");
        assertEquals(0, latest.exit(), latest.err());
        CliIT.Run toOffset = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--to-offset", "1");
        // The keyless records may all be on one partition (sticky partitioner): an empty one ends at 0.
        List<String> oneOrEnd = latest.lines().stream().map(l -> l.split(" "))
                .map(f -> f[0] + " " + f[1] + " " + Math.min(1, Long.parseLong(f[2]))).toList();
        assertEquals(oneOrEnd, toOffset.lines(), "1, or the end of a partition that ends before it: " + toOffset.err());
        CliIT.Run future = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t,
                "--to-datetime", "2999-01-01T00:00:00Z");
        assertEquals(latest.lines(), future.lines(), "no record that late: the end");

        CliIT.Run both = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--to-earliest",
                "--to-latest");
        assertEquals(2, both.exit(), "the targets exclude each other");

        assertEquals(0, skein(kafka, "", "groups", "delete", "--group", group).exit());
        CliIT.Run gone = skein(kafka, "", "groups", "describe", "--group", group);
        assertEquals(1, gone.exit());
        assertTrue(gone.err().contains(group) && gone.err().contains("does not exist"), gone.err());
    }

    @Test
    void resetToAnOffsetOutsideThePartitionIsClampedToItsStartOrEnd(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 1);
        assertEquals(0, skein(kafka, lines(0, 10), "produce", "--topic", t).exit());
        TopicPartition tp = new TopicPartition(t, 0);
        String group = "cli-clamp-" + UUID.randomUUID();
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            assertEquals(4L, admin.records().deleteRecords(Map.of(tp, 4L)).get(tp).get(30, TimeUnit.SECONDS),
                    "the log now starts at 4 and ends at 10");

            CliIT.Run below = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--to-offset", "1");
            assertEquals(0, below.exit(), below.err());
            assertEquals(List.of(t + " 0 4"), below.lines(), "below the log start: the log start; " + below.err());
            assertTrue(below.err().contains("1") && below.err().contains(" 4"), "says it moved 1 to 4: " + below.err());
            assertEquals(4L, committed(admin, group, tp));

            CliIT.Run above = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--to-offset", "100");
            assertEquals(0, above.exit(), above.err());
            assertEquals(List.of(t + " 0 10"), above.lines(), "past the log end: the log end; " + above.err());
            assertTrue(above.err().contains("100") && above.err().contains(" 10"), "says it moved 100 to 10: " + above.err());
            assertEquals(10L, committed(admin, group, tp));

            CliIT.Run inside = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--to-offset", "6");
            assertEquals(List.of(t + " 0 6"), inside.lines(), inside.err());
            assertEquals("", inside.err(), "an offset in range is taken as given, without a warning");
            assertEquals(6L, committed(admin, group, tp));

            CliIT.Run forward = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--shift-by", "2");
            assertEquals(List.of(t + " 0 8"), forward.lines(), "6 + 2: " + forward.err());
            assertEquals("", forward.err());
            CliIT.Run pastEnd = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--shift-by", "5");
            assertEquals(List.of(t + " 0 10"), pastEnd.lines(), "8 + 5 is past the end: the end; " + pastEnd.err());
            assertTrue(pastEnd.err().contains("13") && pastEnd.err().contains(" 10"), pastEnd.err());
            assertEquals(10L, committed(admin, group, tp));
            CliIT.Run back = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--shift-by", "-100");
            assertEquals(List.of(t + " 0 4"), back.lines(), "10 - 100 is before the start: the start; " + back.err());
            assertEquals(4L, committed(admin, group, tp));
            CliIT.Run now = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--by-duration", "PT0S");
            assertEquals(List.of(t + " 0 10"), now.lines(), "no record from now on: the end; " + now.err());
            CliIT.Run hourAgo = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--by-duration", "PT1H");
            assertEquals(List.of(t + " 0 4"), hourAgo.lines(), "every record left is newer than an hour: the start; "
                    + hourAgo.err());
            String fresh = "cli-clamp-none-" + UUID.randomUUID();
            CliIT.Run nothingToShift = skein(kafka, "", "groups", "reset-offsets", "--group", fresh, "--topic", t, "--shift-by", "1");
            assertEquals(1, nothingToShift.exit(), nothingToShift.err());
            assertTrue(nothingToShift.err().contains("no offset"), nothingToShift.err());

            CliIT.Run negative = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--to-offset", "-5");
            assertEquals(List.of(t + " 0 4"), negative.lines(), "a negative offset is below the start too: " + negative.err());
            assertEquals(4L, committed(admin, group, tp));

            CliIT.Run earliest = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t, "--to-earliest");
            assertEquals(List.of(t + " 0 4"), earliest.lines(), "earliest is the log start after the deletion");
            CliIT.Run beforeAll = skein(kafka, "", "groups", "reset-offsets", "--group", group, "--topic", t,
                    "--to-datetime", "1960-01-01T00:00:00Z");
            assertEquals(0, beforeAll.exit(), beforeAll.err());
            assertEquals(List.of(t + " 0 4"), beforeAll.lines(), "a time before every record: the log start");
            assertEquals(4L, committed(admin, group, tp));
        }
    }

    private static long committed(Admin admin, String group, TopicPartition tp) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.groups().offsets(group).get(30, TimeUnit.SECONDS);
        return offsets.get(tp).offset();
    }

    @Test
    void perfPrintsOneJsonLineWithThroughputCpuLatencyAndJoinTime(KafkaCluster kafka) {
        String t = topic(kafka, 3);
        CliIT.Run produced = skein(kafka, "", "perf", "produce", "--topic", t, "--records", "20000", "--record-size", "100",
                "--throughput", "50000");
        assertEquals(0, produced.exit(), produced.err());
        String json = produced.lines().get(produced.lines().size() - 1);
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        assertEquals(20000, (long) number(json, "records"));
        assertTrue(number(json, "records_per_sec") <= 60_000, "the throughput cap holds: " + json);
        assertTrue(number(json, "mb_per_sec") > 0, json);
        assertTrue(number(json, "cpu_seconds") > 0, "the process's CPU time is reported: " + json);
        assertTrue(number(json, "p50") <= number(json, "p99") && number(json, "p99") <= number(json, "p999")
                && number(json, "p999") <= number(json, "max"), json);

        CliIT.Run consumed = skein(kafka, "", "perf", "consume", "--topic", t, "--records", "20000");
        assertEquals(0, consumed.exit(), consumed.err());
        String cjson = consumed.lines().get(consumed.lines().size() - 1);
        assertEquals(20000, (long) number(cjson, "records"));
        assertTrue(number(cjson, "seconds") > 0 && number(cjson, "records_per_sec") > 0, cjson);
        assertTrue(number(cjson, "cpu_seconds") > 0, cjson);
        assertTrue(cjson.contains("\"join_ms\":null"), "no group, no join: " + cjson);

        for (String protocol : List.of("classic", "consumer")) {
            CliIT.Run grouped = skein(kafka, "", "perf", "consume", "--topic", t, "--records", "20000",
                    "--group", "perf-" + UUID.randomUUID(), "--group-protocol", protocol);
            assertEquals(0, grouped.exit(), grouped.err());
            String gjson = grouped.lines().get(grouped.lines().size() - 1);
            assertEquals(20000, (long) number(gjson, "records"), protocol);
            assertTrue(number(gjson, "join_ms") > 0 && number(gjson, "join_ms") < number(gjson, "seconds") * 1000,
                    "subscribe to first assignment, within the run: " + gjson);
        }
    }

    static double number(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":([0-9.]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void copyCopiesKeysValuesAndHeadersInEveryMode(KafkaCluster kafka) {
        String from = topic(kafka, 2);
        assertEquals(0, skein(kafka, "a=1\nb=2\nc=3\n", "produce", "--topic", from, "--key-separator", "=",
                "--header", "h=x").exit());
        for (String mode : List.of("at-least-once", "at-most-once", "exactly-once")) {
            String to = topic(kafka, 1);
            CliIT.Run copied = skein(kafka, "", "copy", "--from", from, "--to", to, "--group", "copy-" + UUID.randomUUID(),
                    "--delivery", mode, "--timeout-ms", "2000");
            assertEquals(0, copied.exit(), copied.err());
            CliIT.Run read = skein(kafka, "", "consume", "--topic", to, "--from-beginning", "--isolation", "read_committed",
                    "--timeout-ms", "1500", "--format", "%k=%v %h\\n");
            assertEquals(List.of("a=1 h=x", "b=2 h=x", "c=3 h=x"), read.lines().stream().sorted().toList(), mode);
        }
        String to = topic(kafka, 1);
        CliIT.Run two = skein(kafka, "", "copy", "--from", from, "--to", to, "--group", "copy-" + UUID.randomUUID(),
                "--delivery", "exactly-once", "--max-messages", "2");
        assertEquals(0, two.exit(), two.err());
        assertEquals(2, skein(kafka, "", "consume", "--topic", to, "--from-beginning", "--isolation", "read_committed",
                "--timeout-ms", "1500").lines().size(), "exactly --max-messages records, committed");
        CliIT.Run stray = skein(kafka, "", "copy", "--from", from, "--to", to, "--group", "g", "--transactional-id", "t");
        assertEquals(2, stray.exit(), "--transactional-id without exactly-once");
    }

    @Test
    void copyKilledWithSigkillAndRestartedLosesNothing(KafkaCluster kafka) throws Exception {
        String from = topic(kafka, 3);
        String to = topic(kafka, 3);
        int total = 30_000;
        assertEquals(0, skein(kafka, lines(0, total), "produce", "--topic", from).exit());
        String group = "copy-kill-" + UUID.randomUUID();
        Path launcher = Path.of(System.getProperty("user.dir")).getParent().resolve("bin/skein");
        List<String> command = List.of(launcher.toString(), "copy", "--bootstrap", kafka.bootstrapServers(), "--from", from,
                "--to", to, "--group", group, "--timeout-ms", "5000", "-X", "max.poll.records=200",
                "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=1000");
        Process first = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long[] written = {0};
        // Stops early if the copy died: the assertion below then says so rather than waiting out the bound.
        Await.until("a quarter of the records copied, or the copy exited", Duration.ofSeconds(60), () -> {
            written[0] = endOffsets(kafka, to);
            return written[0] >= total / 4 || !first.isAlive();
        });
        assertTrue(written[0] >= total / 4 && first.isAlive(), "the copy is under way: " + written[0]);
        first.destroyForcibly(); // SIGKILL: no close, no final commit
        assertTrue(first.waitFor(10, TimeUnit.SECONDS));

        Process second = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(second.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, second.exitValue(), out);

        CliIT.Run read = skein(kafka, "", "consume", "--topic", to, "--from-beginning", "--timeout-ms", "3000");
        Set<String> values = new HashSet<>(read.lines());
        Set<String> missing = new HashSet<>();
        for (int i = 0; i < total; i++) {
            if (!values.contains(Integer.toString(i))) {
                missing.add(Integer.toString(i));
            }
        }
        assertTrue(missing.isEmpty(), missing.size() + " records lost, e.g. " + missing.stream().limit(5).toList());
        assertTrue(read.lines().size() >= total, "duplicates are allowed, losses are not");
    }

    /** Records in the topic now: the sum of its partitions' end offsets. */
    private static long endOffsets(KafkaCluster kafka, String topic) throws Exception {
        try (dev.skein.admin.Admin admin = dev.skein.admin.Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            java.util.Map<dev.skein.core.TopicPartition, dev.skein.admin.OffsetSpec> specs = new java.util.HashMap<>();
            for (int p = 0; p < 3; p++) {
                specs.put(new dev.skein.core.TopicPartition(topic, p), dev.skein.admin.OffsetSpec.latest());
            }
            return admin.records().listOffsets(specs).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(dev.skein.core.OffsetAndTimestamp::offset).sum();
        }
    }

    @Test
    void quickstartAgainstAGivenClusterReportsEachDeliveryMode(KafkaCluster kafka) {
        CliIT.Run q = skein(kafka, "", "quickstart");
        assertEquals(0, q.exit(), q.err() + q.out());
        assertTrue(q.out().contains("using the cluster at " + kafka.bootstrapServers()), q.out());
        assertTrue(q.out().contains("at-least-once") && q.out().contains("at-most-once"), q.out());
        assertTrue(q.out().contains("read all 30 records once"), q.out());
    }

    @Test
    void quickstartStartsItsOwnBrokerWhenNoneIsGiven() {
        CliIT.Run q = skein("", "quickstart");
        assertEquals(0, q.exit(), q.err() + q.out());
        assertTrue(q.out().contains("started a local Kafka broker"), q.out());
        assertTrue(q.out().contains("stopped the local broker"), q.out());
    }
}
