package dev.skein.cli;

/**
 * A bad command line found by a command's own checks (a value out of range, options that exclude each
 * other), before it does any work: exit status 2, like the parser's errors. Anything else thrown while a
 * command runs, an {@code IllegalArgumentException} from a client call included, is a run-time failure.
 */
final class UsageException extends CliException {
    UsageException(String message) {
        super(message);
    }

    UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
