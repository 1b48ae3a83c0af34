package dev.skein.consumer;

/** When the consumer commits the offsets of the records it hands out. */
public enum Delivery {
    /**
     * The default. Offsets of the records a {@code poll()} returned are committed when the next
     * {@code poll()} starts (after you processed them), synchronously on revocation and on
     * {@code close()}. A crash may re-deliver records, never lose them.
     *
     * <p>The promise holds when a record is processed before the next {@code poll()}, on the polling
     * thread or waited for by it. A record handed to another thread and not waited for counts as
     * processed when the next {@code poll()} starts: a crash then loses what that thread had not
     * finished. Wait for such work before polling again, or commit yourself ({@link #MANUAL}).
     *
     * <p>{@code close()} and {@code unsubscribe()} commit what the last {@code poll()} returned, as a
     * revocation does (Apache Kafka's consumer does the same on close): the records it returned count as
     * processed. When processing stops part-way through a batch (an exception leaves the poll loop),
     * seek each partition back to its first unprocessed record before closing, and that is what is
     * committed; otherwise the rest of the batch is skipped by the next owner. A crash commits nothing.
     */
    AT_LEAST_ONCE,
    /**
     * Offsets of a batch are committed, synchronously, before {@code poll()} returns it. A crash may
     * lose the records being processed, never deliver one twice.
     */
    AT_MOST_ONCE,
    /**
     * The application commits ({@code commitSync}, {@code commitAsync}); or auto-commit, if enabled
     * ({@code enable.auto.commit}): then, as with Apache Kafka's consumer, the positions of what earlier
     * polls returned are committed at the start of a {@code poll()} once {@code auto.commit.interval.ms}
     * has passed, synchronously before a rebalance or {@code unsubscribe()} takes partitions away, and on
     * {@code close()}. Records processed inside the poll loop are never lost to a
     * crash (they may be read again); records handed to another thread are committed whether or not
     * that thread finished them, and a {@code close()} after processing stopped part-way through a batch
     * commits the whole batch unless you seek back first, as under {@link #AT_LEAST_ONCE}.
     */
    MANUAL,
    /**
     * Offsets are committed by a transactional producer together with the output, in one transaction
     * ({@link ExactlyOnceProcessor}); the consumer itself never commits and reads read_committed.
     */
    EXACTLY_ONCE
}
