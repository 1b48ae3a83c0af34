package dev.skein.core;

/**
 * An offset found for a partition (by timestamp, or the earliest, latest or max-timestamp one), with the
 * timestamp of its record (-1 when not applicable) and its leader epoch (-1 if unknown). The admin
 * client's {@code listOffsets} gives offset -1 when no record matches a timestamp; the consumer's
 * {@code offsetsForTimes} gives no entry instead.
 */
public record OffsetAndTimestamp(long offset, long timestamp, int leaderEpoch) {}
