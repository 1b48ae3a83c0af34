package dev.skein.consumer;

/** A committed position: the next offset to read, optional metadata, and the leader epoch (-1 if unknown). */
public record OffsetAndMetadata(long offset, String metadata, int leaderEpoch) {
    public OffsetAndMetadata {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, was " + offset);
        }
        metadata = metadata == null ? "" : metadata;
    }

    public static OffsetAndMetadata of(long offset) {
        return new OffsetAndMetadata(offset, "", -1);
    }
}
