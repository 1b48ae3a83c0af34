package dev.skein.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * A progress line on stderr for long runs: records so far, records per second since the last line, and
 * (for copy) the lag left. One line, rewritten in place with {@code \r} at most every
 * {@link #INTERVAL_NANOS}; {@link #finish} writes the last one (with the average rate over the whole
 * run) and ends it with a newline, so what is printed on stderr next starts on a line of its own.
 * Disabled, it prints nothing at all. Never writes to stdout: records go there.
 *
 * <p>Not thread-safe: the command's own thread drives it.
 */
final class Progress {
    /** Four lines a second at most: fast enough to look alive, slow enough to cost nothing. */
    static final long INTERVAL_NANOS = 250_000_000L;

    private final PrintStream err;
    private final boolean enabled;
    private final String verb;
    private final LongSupplier nanoClock;
    private final long start;
    private long lastPrint;
    private long lastRecords;
    private int lastWidth;
    private boolean finished;

    /**
     * @param verb      what happens to the records ({@code produced}, {@code consumed}, {@code copied})
     * @param nanoClock {@link System#nanoTime} outside tests
     */
    Progress(PrintStream err, boolean enabled, String verb, LongSupplier nanoClock) {
        this.err = err;
        this.enabled = enabled;
        this.verb = verb;
        this.nanoClock = nanoClock;
        this.start = nanoClock.getAsLong();
        this.lastPrint = start;
    }

    /** A disabled or enabled progress line on the command's stderr, as {@link ProgressOption} decides. */
    static Progress of(SkeinCommand root, ProgressOption option, String verb) {
        return new Progress(root.io.err(), option.enabled(), verb, System::nanoTime);
    }

    /** Rewrites the line if the interval has passed since the last one; cheap to call per record. */
    void update(long records, OptionalLong lag) {
        if (!enabled || finished) {
            return;
        }
        long now = nanoClock.getAsLong();
        long elapsed = now - lastPrint;
        if (elapsed < INTERVAL_NANOS) {
            return;
        }
        print(line(verb, records, (records - lastRecords) * 1e9 / elapsed, lag), false);
        lastPrint = now;
        lastRecords = records;
    }

    void update(long records) {
        update(records, OptionalLong.empty());
    }

    /**
     * Erases the line shown, if any, before the command writes records to stdout: at a terminal both
     * streams share the screen, and a record printed after the line would be glued to it. The next
     * {@link #update} draws it again below the records.
     */
    void clear() {
        if (!enabled || finished || lastWidth == 0) {
            return;
        }
        err.print("\r" + " ".repeat(lastWidth) + "\r");
        err.flush();
        lastWidth = 0;
    }

    /** The last line, with the average rate of the run, ended by a newline. Once; later calls do nothing. */
    void finish(long records, OptionalLong lag) {
        if (!enabled || finished) {
            return;
        }
        finished = true;
        long elapsed = Math.max(1, nanoClock.getAsLong() - start);
        print(line(verb, records, records * 1e9 / elapsed, lag), true);
    }

    void finish(long records) {
        finish(records, OptionalLong.empty());
    }

    private void print(String line, boolean last) {
        // Pad over the rest of a longer previous line: \r moves back without erasing.
        String padded = line.length() < lastWidth ? line + " ".repeat(lastWidth - line.length()) : line;
        lastWidth = line.length();
        err.print("\r" + padded + (last ? "\n" : ""));
        err.flush();
    }

    /** {@code copied 12,345 records  4,321 records/s  lag 678}: the lag only when known. */
    static String line(String verb, long records, double perSecond, OptionalLong lag) {
        StringBuilder b = new StringBuilder();
        b.append(verb).append(' ').append(String.format(Locale.ROOT, "%,d", records)).append(records == 1 ? " record" : " records")
                .append("  ").append(String.format(Locale.ROOT, "%,d", Math.round(perSecond))).append(" records/s");
        lag.ifPresent(l -> b.append("  lag ").append(String.format(Locale.ROOT, "%,d", l)));
        return b.toString();
    }
}
