package dev.skein.cli;

import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.skein.cli.CliIT.skein;
import static dev.skein.cli.CliIT.topic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The progress line of produce, consume and copy, in-process on the module's shared broker: this test JVM
 * has no terminal (Maven forks it with pipes), which is the piped case; {@code --progress} forces it.
 */
@ExtendWith(KafkaClusterExtension.class)
class CliProgressIT {
    private static final String LINES = IntStream.range(0, 500).mapToObj(i -> "k" + i + ":v" + i)
            .collect(Collectors.joining("\n", "", "\n"));

    @Test
    void aRunWithoutATerminalPrintsNoProgress(KafkaCluster kafka) {
        assertFalse(ProgressOption.atTerminal(), "the forked test JVM has no terminal: the piped case");
        String t = topic(kafka, 2);
        CliIT.Run produced = skein(kafka, LINES, "produce", "--topic", t, "--key-separator", ":");
        assertEquals(0, produced.exit(), produced.err());
        assertEquals("", produced.err(), "nothing on stderr");
        CliIT.Run consumed = skein(kafka, "", "consume", "--topic", t, "--from-beginning", "--max-messages", "500");
        assertEquals(0, consumed.exit(), consumed.err());
        assertEquals(500, consumed.lines().size());
        assertEquals("", consumed.err(), "nothing on stderr");
    }

    @Test
    void forcedProgressGoesToStderrAndEndsWithANewlineWhileStdoutKeepsOnlyRecords(KafkaCluster kafka) {
        String from = topic(kafka, 2);
        String to = topic(kafka, 2);
        CliIT.Run produced = skein(kafka, LINES, "produce", "--topic", from, "--key-separator", ":", "--progress");
        assertEquals(0, produced.exit(), produced.err());
        assertEquals("", produced.out());
        assertTrue(produced.err().startsWith("\r") && produced.err().endsWith("\n"), produced.err());
        assertTrue(lastLine(produced.err()).matches("produced 500 records  [0-9,]+ records/s"), produced.err());

        CliIT.Run copied = skein(kafka, "", "copy", "--from", from, "--to", to, "--group", "progress-" + UUID.randomUUID(),
                "--max-messages", "500", "--progress");
        assertEquals(0, copied.exit(), copied.err());
        assertEquals("", copied.out());
        String[] errLines = copied.err().split("\n");
        assertEquals(2, errLines.length, "the progress line, then the summary: " + copied.err());
        assertTrue(lastLine(errLines[0] + "\n").matches("copied 500 records  [0-9,]+ records/s  lag 0"), copied.err());
        assertEquals("copied 500 records from " + from + " to " + to, errLines[1]);

        CliIT.Run quiet = skein(kafka, "", "consume", "--topic", to, "--from-beginning", "--max-messages", "500",
                "--no-progress");
        assertEquals(500, quiet.lines().size());
        assertFalse(quiet.err().contains("records/s"), quiet.err());
    }

    /** The last rewrite of a progress line: after its last \r, without padding or the final newline. */
    private static String lastLine(String err) {
        assertTrue(err.endsWith("\n"), "the last progress line ends with a newline: " + err);
        return err.substring(err.lastIndexOf('\r') + 1, err.length() - 1).strip();
    }
}
