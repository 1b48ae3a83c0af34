package dev.skein.cli;

/** A failure the command explains itself; its message is the one line printed on stderr. */
class CliException extends RuntimeException {
    CliException(String message) {
        super(message);
    }

    CliException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Carries a checked exception out of a lambda; {@link Cli#describe} looks through it. */
    static final class Wrapped extends RuntimeException {
        Wrapped(Throwable cause) {
            super(cause);
        }
    }
}
