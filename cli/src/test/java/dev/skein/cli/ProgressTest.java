package dev.skein.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress line: its format, its throttle on a manual clock, and the flag pair. */
class ProgressTest {
    private static final long MS = 1_000_000L;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private final AtomicLong now = new AtomicLong(1_000 * MS);

    private String printed() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theLineSaysRecordsRateAndLagWhenKnown() {
        assertEquals("copied 12,345 records  4,321 records/s  lag 678",
                Progress.line("copied", 12_345, 4_321.4, OptionalLong.of(678)));
        assertEquals("produced 1 record  0 records/s", Progress.line("produced", 1, 0, OptionalLong.empty()));
    }

    @Test
    void atMostOneLinePerIntervalRewrittenInPlaceAndTheLastEndsWithANewline() {
        Progress p = new Progress(err, true, "consumed", now::get);
        p.update(10);
        now.addAndGet(100 * MS);
        p.update(20);
        assertEquals("", printed(), "nothing before the first interval has passed");

        now.addAndGet(150 * MS); // 250 ms since the start: 100 records in 0.25 s since the last line
        p.update(100);
        assertEquals("\rconsumed 100 records  400 records/s", printed());
        now.addAndGet(249 * MS);
        p.update(150);
        assertEquals("\rconsumed 100 records  400 records/s", printed(), "throttled: 249 ms after the last line");
        now.addAndGet(751 * MS); // a second after the last line: 50 more records
        p.update(150);
        assertEquals("\rconsumed 100 records  400 records/s\rconsumed 150 records  50 records/s ", printed(),
                "a shorter line is padded over the longer one it replaces");

        bytes.reset();
        p.finish(250); // 1.25 s since the start
        assertEquals("\rconsumed 250 records  200 records/s\n", printed(), "the last line: the average, then a newline");
        p.finish(300);
        p.update(400);
        assertEquals("\rconsumed 250 records  200 records/s\n", printed(), "nothing after finish");
    }

    @Test
    void clearErasesTheLineShownSoRecordsOnTheSameTerminalStartOnAClearLine() {
        Progress p = new Progress(err, true, "consumed", now::get);
        p.clear();
        assertEquals("", printed(), "nothing shown, nothing to erase");
        now.addAndGet(1_000 * MS);
        p.update(7);
        p.clear();
        assertEquals("\rconsumed 7 records  7 records/s\r" + " ".repeat(31) + "\r", printed());
        p.clear();
        assertEquals("\rconsumed 7 records  7 records/s\r" + " ".repeat(31) + "\r", printed(), "erased once");
    }

    @Test
    void disabledItPrintsNothing() {
        Progress p = new Progress(err, false, "copied", now::get);
        for (int i = 0; i < 10; i++) {
            now.addAndGet(1_000 * MS);
            p.update(i, OptionalLong.of(5));
        }
        p.clear();
        p.finish(10, OptionalLong.of(0));
        assertEquals("", printed());
    }

    @Test
    void theFlagPairOverridesTheTerminalCheck() {
        ProduceCommand forced = new ProduceCommand();
        new CommandLine(forced).parseArgs("--topic", "t", "--progress");
        assertTrue(forced.progressOption.enabled());

        ProduceCommand off = new ProduceCommand();
        new CommandLine(off).parseArgs("--topic", "t", "--no-progress");
        assertFalse(off.progressOption.enabled());

        ConsumeCommand unset = new ConsumeCommand();
        new CommandLine(unset).parseArgs("--topic", "t");
        assertNull(unset.progressOption.progress, "without a flag the terminal decides");
        assertEquals(ProgressOption.atTerminal(), unset.progressOption.enabled());
        assertFalse(ProgressOption.atTerminal(), "Maven forks this JVM with pipes: no terminal");
    }
}
