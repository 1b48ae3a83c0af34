package dev.skein.admin;

/**
 * An offset found for a partition, with the timestamp of that record (-1 when not applicable) and the
 * leader epoch (-1 when unknown). {@code offset} is -1 when no record matches a timestamp.
 */
public record ListedOffset(long offset, long timestamp, int leaderEpoch) {}
