package dev.skein.cli;

import picocli.CommandLine.Option;

/**
 * {@code --progress} / {@code --no-progress} for the long-running commands (produce, consume, copy).
 * Without either, progress is shown when the process has a console ({@link System#console()}: stdin and
 * stdout are a terminal, as when nothing is piped), so a pipe or a redirect never gets it.
 */
final class ProgressOption {
    @Option(names = "--progress", negatable = true, defaultValue = Option.NULL_VALUE,
            description = "Show a progress line on stderr (records, records/s; for copy the lag left). Default: only"
                    + " when run at a terminal; --no-progress never.")
    Boolean progress;

    boolean enabled() {
        return progress != null ? progress : System.console() != null;
    }
}
