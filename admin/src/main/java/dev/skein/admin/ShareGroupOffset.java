package dev.skein.admin;

/**
 * A share group's position in one partition: {@code startOffset}, before which every record is done for
 * the group; the partition leader's epoch; and {@code lag}, the records from the start offset to the end
 * of the partition that the group has not finished with, or -1 when the broker does not report it
 * (before DescribeShareGroupOffsets v1, KIP-1226). The broker moves the start offset lazily, as whole
 * batches of records are done: the lag, not the start offset, says whether the group is caught up.
 */
public record ShareGroupOffset(long startOffset, int leaderEpoch, long lag) {}
