package dev.skein.consumer;

/** Where to start when a partition has no committed offset or its position is out of range. */
public enum OffsetReset {
    EARLIEST, LATEST,
    /** Raise {@link NoOffsetForPartitionException} naming the partitions. */
    NONE,
    /**
     * The first record no older than a duration back from now, or the end when every record is older
     * (KIP-842). Set with {@code ConsumerBuilder.offsetReset(Duration)} or {@code auto.offset.reset=by_duration:P7D}.
     */
    BY_DURATION
}
