package dev.skein.admin;

/** A group's committed offset for a partition: the next offset to read, its metadata string, the leader epoch (or -1). */
public record CommittedOffset(long offset, String metadata, int leaderEpoch) {
    public static CommittedOffset of(long offset) {
        return new CommittedOffset(offset, "", -1);
    }
}
