package dev.skein.cli;

import picocli.CommandLine.Option;

import java.io.Console;

/**
 * {@code --progress} / {@code --no-progress} for the long-running commands (produce, consume, copy).
 * Without either, progress is shown when the process has a console at a terminal ({@link #atTerminal()}),
 * so a pipe or a redirect never gets it.
 */
final class ProgressOption {
    @Option(names = "--progress", negatable = true, defaultValue = Option.NULL_VALUE,
            description = "Show a progress line on stderr (records, records/s; for copy the lag left). Default: only"
                    + " when run at a terminal; --no-progress never.")
    Boolean progress;

    boolean enabled() {
        return progress != null ? progress : atTerminal();
    }

    /**
     * True when {@link System#console()} is a terminal: on Java 17 to 21 a console exists only when stdin
     * and stdout are a terminal; from Java 22 one may exist with them redirected, and its
     * {@code isTerminal()} (looked up reflectively: this code targets 17) tells.
     */
    static boolean atTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // before Java 22: a console means a terminal
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
