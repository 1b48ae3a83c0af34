package dev.skein.consumer;

/** Where to start when a partition has no committed offset or its position is out of range. */
public enum OffsetReset {
    EARLIEST, LATEST,
    /** Raise {@link NoOffsetForPartitionException} naming the partitions. */
    NONE
}
