package dev.skein.consumer;

/** When the consumer commits the offsets of the records it hands out. */
public enum Delivery {
    /**
     * The default. Offsets of the records a {@code poll()} returned are committed when the next
     * {@code poll()} starts (after you processed them), synchronously on revocation and on
     * {@code close()}. A crash may re-deliver records, never lose them.
     */
    AT_LEAST_ONCE,
    /**
     * Offsets of a batch are committed, synchronously, before {@code poll()} returns it. A crash may
     * lose the records being processed, never deliver one twice.
     */
    AT_MOST_ONCE,
    /** The application commits ({@code commitSync}, {@code commitAsync}); or auto-commit, if enabled. */
    MANUAL,
    /**
     * Offsets are committed by a transactional producer together with the output, in one transaction
     * ({@link ExactlyOnceProcessor}); the consumer itself never commits and reads read_committed.
     */
    EXACTLY_ONCE
}
