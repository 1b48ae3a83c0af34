package dev.skein.cli;

import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each command against a real broker, run in-process through {@link Cli#run}. */
@ExtendWith(KafkaClusterExtension.class)
class CliIT {

    /** What one command line did. */
    record Run(int exit, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
        }
    }

    static Run skein(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Cli.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Run skein(KafkaCluster kafka, String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap", kafka.bootstrapServers()));
        all.addAll(List.of(args));
        return skein(stdin, all.toArray(String[]::new));
    }

    static String topic(KafkaCluster kafka, int partitions) {
        String t = "cli-" + UUID.randomUUID().toString().substring(0, 8);
        Run r = skein(kafka, "", "topics", "create", "--topic", t, "--partitions", Integer.toString(partitions),
                "--replication-factor", "1");
        assertEquals(0, r.exit(), r.err());
        // The create returns once the controller has the topic; the broker a command asks next may learn of it
        // a moment later, and a produce there would fail with "does not exist".
        Await.until(t + " described", Duration.ofSeconds(30),
                () -> skein(kafka, "", "topics", "describe", "--topic", t).exit() == 0);
        return t;
    }

    @Test
    void topicsAreCreatedListedDescribedGrownAndDeleted(KafkaCluster kafka) {
        String t = "cli-topics-" + UUID.randomUUID().toString().substring(0, 8);
        Run created = skein(kafka, "", "topics", "create", "--topic", t, "--partitions", "2", "--replication-factor", "1",
                "--config", "retention.ms=3600000");
        assertEquals(0, created.exit(), created.err());
        // The create and the alter return once the controller has them; the broker asked next applies
        // them a moment later.
        Await.until("list prints one name per line, " + t + " among them", Duration.ofSeconds(30),
                () -> skein(kafka, "", "topics", "list").lines().contains(t));
        Run described = Await.value("describe of " + t + " with its partitions", Duration.ofSeconds(30), () -> {
            Run r = skein(kafka, "", "topics", "describe", "--topic", t);
            return r.exit() == 0 && r.out().contains("partitions 2") ? r : null;
        });
        assertTrue(described.out().contains("retention.ms=3600000"), described.out());
        assertEquals(0, skein(kafka, "", "topics", "alter", "--topic", t, "--partitions", "3").exit());
        Await.until(t + " described with 3 partitions", Duration.ofSeconds(30),
                () -> skein(kafka, "", "topics", "describe", "--topic", t).out().contains("partitions 3"));
        Run again = skein(kafka, "", "topics", "create", "--topic", t);
        assertEquals(1, again.exit());
        assertTrue(again.err().contains(t) && again.err().contains("already exists"), again.err());
        assertEquals(0, skein(kafka, "", "topics", "delete", "--topic", t).exit());
        Run gone = skein(kafka, "", "topics", "delete", "--topic", t);
        assertEquals(1, gone.exit());
        assertEquals("skein: topic " + t + " does not exist\n", gone.err());
    }

    @Test
    void producedLinesAreConsumedWithKeysHeadersAndTheFormat(KafkaCluster kafka) {
        String t = topic(kafka, 1);
        Run produced = skein(kafka, "a:1\nb:2\n:no-key\nc:3:with:colons\n", "produce", "--topic", t, "--key-separator", ":",
                "--header", "source=cli", "--compression", "lz4");
        assertEquals(0, produced.exit(), produced.err());
        Run consumed = skein(kafka, "", "consume", "--topic", t, "--from-beginning", "--max-messages", "4",
                "--format", "%k|%v|%h|%p:%o\\n");
        assertEquals(0, consumed.exit(), consumed.err());
        assertEquals(List.of("a|1|source=cli|0:0", "b|2|source=cli|0:1", "|no-key|source=cli|0:2",
                "c|3:with:colons|source=cli|0:3"), consumed.lines());

        Run fromOffset = skein(kafka, "", "consume", "--topic", t, "--partition", "0", "--offset", "2", "--max-messages", "2");
        assertEquals(List.of("no-key", "3:with:colons"), fromOffset.lines(), "default format: the value");
    }

    @Test
    void aLineWithoutTheKeySeparatorStopsProduceNamingItsLineAfterWritingTheLinesBefore(KafkaCluster kafka) {
        String t = topic(kafka, 1);
        Run produced = skein(kafka, "a:1\nb:2\nno separator here\nc:3\n", "produce", "--topic", t, "--key-separator", ":");
        assertEquals(1, produced.exit(), "a keyless record would go where no key of the data sends it: " + produced.err());
        assertEquals("skein: no key separator ':' found on line 3: 'no separator here'; the 2 lines before it were"
                + " written to " + t + ", none after it\n", produced.err());
        Run consumed = skein(kafka, "", "consume", "--topic", t, "--from-beginning", "--timeout-ms", "3000",
                "--format", "%k|%v\\n");
        assertEquals(0, consumed.exit(), consumed.err());
        assertEquals(List.of("a|1", "b|2"), consumed.lines(), "the lines before the bad one, and nothing else");

        Run first = skein(kafka, "\nd:4\n", "produce", "--topic", t, "--key-separator", ":");
        assertEquals(1, first.exit(), first.err());
        assertEquals("skein: no key separator ':' found on line 1: ''; nothing was written to " + t + "\n", first.err(),
                "an empty line holds no separator either");
        assertEquals(2, skein(kafka, "", "consume", "--topic", t, "--from-beginning", "--timeout-ms", "3000").lines().size(),
                "d:4, after the refused line, was not sent");
    }

    @Test
    void aGroupResumesWhereItsCommitsLeftOffAndTimeoutEndsAnIdleConsume(KafkaCluster kafka) {
        String t = topic(kafka, 2);
        assertEquals(0, skein(kafka, "1\n2\n3\n4\n5\n6\n", "produce", "--topic", t).exit());
        String group = "cli-group-" + UUID.randomUUID();
        Run first = skein(kafka, "", "consume", "--topic", t, "--group", group, "--from-beginning", "--max-messages", "4");
        assertEquals(0, first.exit(), first.err());
        assertEquals(4, first.lines().size());
        long start = System.nanoTime();
        Run rest = skein(kafka, "", "consume", "--topic", t, "--group", group, "--from-beginning", "--timeout-ms", "3000");
        assertEquals(0, rest.exit(), rest.err());
        List<String> all = new ArrayList<>(first.lines());
        all.addAll(rest.lines());
        all.sort(null);
        assertEquals(List.of("1", "2", "3", "4", "5", "6"), all, "each record once across the two runs");
        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 60, "--timeout-ms ended it");
    }

    @Test
    void failuresExitNonZeroWithOneClearLine(KafkaCluster kafka) throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Run unreachable = skein("", "--bootstrap", "127.0.0.1:" + port, "topics", "list", "-X", "request.timeout.ms=1000",
                "-X", "default.api.timeout.ms=3000");
        assertEquals(1, unreachable.exit());
        assertTrue(unreachable.err().startsWith("skein: cannot reach the cluster at 127.0.0.1:" + port), unreachable.err());
        assertEquals(1, unreachable.err().lines().count(), unreachable.err());

        Run unknown = skein(kafka, "x\n", "produce", "--topic", "no-such-topic-" + UUID.randomUUID());
        assertEquals(1, unknown.exit());
        assertTrue(unknown.err().contains("does not exist"), unknown.err());

        Run badOption = skein(kafka, "", "consume", "--topic", "t", "--no-such-option");
        assertEquals(2, badOption.exit());
        assertTrue(badOption.err().contains("--no-such-option"), badOption.err());
        assertEquals(1, badOption.err().lines().count(), badOption.err());

        Run badValue = skein(kafka, "", "consume", "--topic", "t", "--format", "%z");
        assertEquals(2, badValue.exit());
        assertTrue(badValue.err().contains("%z"), badValue.err());

        Run badProperty = skein(kafka, "x\n", "produce", "--topic", topic(kafka, 1), "-X", "linger.ms=soon");
        assertEquals(2, badProperty.exit());
        assertTrue(badProperty.err().contains("linger.ms"), badProperty.err());

        Run noCommand = skein("");
        assertEquals(2, noCommand.exit());
    }

    @Test
    void aConsumeWhoseStdoutIsClosedStopsWithStatus1AndLeavesWhatItDidNotPrintUncommitted(KafkaCluster kafka) {
        String t = topic(kafka, 1);
        assertEquals(0, skein(kafka, "1\n2\n3\n4\n5\n6\n", "produce", "--topic", t).exit());
        String group = "cli-closed-stdout-" + UUID.randomUUID();
        // As `skein consume ... | head -2`: the reader goes away after two lines and every later write fails.
        ByteArrayOutputStream taken = new ByteArrayOutputStream();
        OutputStream pipe = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                if (taken.size() >= 4) {
                    throw new IOException("Broken pipe");
                }
                taken.write(b);
            }
        };
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Cli.run(new String[] {"--bootstrap", kafka.bootstrapServers(), "consume", "--topic", t, "--group", group,
                        "--from-beginning", "--timeout-ms", "5000"}, new ByteArrayInputStream(new byte[0]),
                new PrintStream(pipe, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, exit, "records that reached no one are a failure: " + stderr);
        assertTrue(stderr.startsWith("skein: cannot write to stdout"), stderr);
        assertEquals(1, stderr.lines().count(), stderr);

        Run again = skein(kafka, "", "consume", "--topic", t, "--group", group, "--timeout-ms", "3000");
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.lines().containsAll(List.of("3", "4", "5", "6")),
                "what was not printed is read again, not committed: " + again.lines());
    }

    @Test
    void propertiesFromXAndConfigAreNotOverriddenByTheDefaultsOfFlags(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 1);
        assertEquals(0, skein(kafka, "a\nb\n", "produce", "--topic", t).exit());
        Run fromX = skein(kafka, "", "consume", "--topic", t, "-X", "auto.offset.reset=earliest", "--max-messages", "2",
                "--timeout-ms", "10000");
        assertEquals(0, fromX.exit(), fromX.err());
        assertEquals(List.of("a", "b"), fromX.lines(), "-X auto.offset.reset=earliest is honoured without --from-beginning");

        Path config = Files.createTempFile("skein-cli", ".properties");
        try {
            Files.writeString(config, "auto.offset.reset=earliest\n");
            Run fromFile = skein(kafka, "", "consume", "--topic", t, "--config", config.toString(), "--max-messages", "2",
                    "--timeout-ms", "10000");
            assertEquals(List.of("a", "b"), fromFile.lines(), "--config's auto.offset.reset is honoured: " + fromFile.err());
        } finally {
            Files.deleteIfExists(config);
        }
        Run flagWins = skein(kafka, "", "consume", "--topic", t, "-X", "auto.offset.reset=latest", "--from-beginning",
                "--max-messages", "2", "--timeout-ms", "10000");
        assertEquals(List.of("a", "b"), flagWins.lines(), "a flag given explicitly wins: " + flagWins.err());
    }

    @Test
    void anUnknownPropertyFailsTheAdminCommandsTooNamingIt(KafkaCluster kafka) {
        Run topics = skein(kafka, "", "topics", "list", "-X", "bogus.key=1");
        assertEquals(2, topics.exit(), "an unknown key is a bad command line: " + topics.out() + topics.err());
        assertTrue(topics.err().startsWith("skein: ") && topics.err().contains("bogus.key"), topics.err());
        Run groups = skein(kafka, "", "groups", "list", "-X", "bogus.key=1");
        assertEquals(2, groups.exit(), groups.err());
        assertTrue(groups.err().contains("bogus.key"), groups.err());
        Run producerKey = skein(kafka, "", "topics", "list", "-X", "acks=all");
        assertEquals(0, producerKey.exit(), "a key another client takes is not unknown: " + producerKey.err());
    }

    @Test
    void aProduceStoppedBySigtermWritesTheLinesItHadReadBeforeExiting(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 1);
        Path launcher = Path.of(System.getProperty("user.dir")).getParent().resolve("bin/skein");
        // linger.ms of a minute: without a flush on the way out, what was read sits in the batch and is lost.
        Path errFile = Files.createTempFile("skein-produce", ".err");
        // stderr to a file: Process.destroy() would close the pipe before the last line arrives.
        Process p = new ProcessBuilder(launcher.toString(), "produce", "--bootstrap", kafka.bootstrapServers(), "--topic", t,
                "--progress", "-X", "linger.ms=60000", "-X", "delivery.timeout.ms=180000")
                .redirectError(errFile.toFile()).start();
        OutputStream stdin = p.getOutputStream();
        int[] written = {0};
        java.util.regex.Pattern shown = java.util.regex.Pattern.compile("produced (\\d+) record");
        long read = Await.value("the progress line shows lines read", Duration.ofSeconds(60), () -> {
            stdin.write(("line-" + written[0]++ + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            java.util.regex.Matcher m = shown.matcher(Files.readString(errFile));
            Long last = null;
            while (m.find()) {
                last = Long.parseLong(m.group(1));
            }
            return last != null && last > 0 ? last : null;
        });
        p.toHandle().destroy(); // SIGTERM only: stdin stays open, so no end of input races it
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exited after SIGTERM");
        String err = Files.readString(errFile);
        Files.deleteIfExists(errFile);
        Run consumed = skein(kafka, "", "consume", "--topic", t, "--from-beginning", "--timeout-ms", "3000");
        assertTrue(consumed.lines().size() >= read, read + " lines were read before SIGTERM, the topic holds "
                + consumed.lines().size() + "; stderr: " + err);
        assertTrue(err.contains("skein: stopped by a signal after reading "), "exit " + p.exitValue() + ": " + err);
        assertTrue(p.exitValue() != 0, "a signal is not success");
    }

    @Test
    void theLauncherRunsFromAnyDirectory() throws Exception {
        Path launcher = Path.of(System.getProperty("user.dir")).getParent().resolve("bin/skein");
        Process p = new ProcessBuilder(launcher.toString(), "produce", "--help").directory(Path.of("/").toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("--key-separator") && out.contains("--bootstrap") && out.contains("Default: all"), out);
        assertFalse(out.contains("Exception"), out);
    }
}
