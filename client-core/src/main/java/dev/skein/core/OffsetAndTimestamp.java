package dev.skein.consumer;

/** An offset found by timestamp, with the timestamp of its record and its leader epoch (-1 if unknown). */
public record OffsetAndTimestamp(long offset, long timestamp, int leaderEpoch) {}
