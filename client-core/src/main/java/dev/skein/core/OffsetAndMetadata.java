package dev.skein.core;

/**
 * A committed position: the next offset to read, optional metadata, and the leader epoch of the last
 * record read (-1 if unknown; KIP-320 checks a resumed position with it). The one type for offsets
 * wherever they travel: consumer commits, {@code Producer.sendOffsetsToTransaction}, and the admin
 * client's group offsets.
 */
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
