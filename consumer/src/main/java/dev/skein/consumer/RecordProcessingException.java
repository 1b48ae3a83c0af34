package dev.skein.consumer;

import dev.skein.core.errors.SkeinException;

/**
 * A record's handler kept failing (or the record did not deserialize) and no dead-letter topic was
 * set, so the {@link ParallelProcessor} stopped. The record was not committed: the next run of the
 * group starts with it. The cause is the handler's last exception.
 */
public final class RecordProcessingException extends SkeinException {
    private final String topic;
    private final int partition;
    private final long offset;
    private final int attempts;

    public RecordProcessingException(String topic, int partition, long offset, int attempts, Throwable cause) {
        super("record " + topic + "-" + partition + " offset " + offset + " failed after " + attempts
                + (attempts == 1 ? " attempt: " : " attempts: ") + cause, cause);
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.attempts = attempts;
    }

    public String topic() { return topic; }

    public int partition() { return partition; }

    public long offset() { return offset; }

    /** How many times the handler ran (0 when the record did not deserialize). */
    public int attempts() { return attempts; }
}
