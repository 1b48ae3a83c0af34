package dev.skein.admin;

/** Which offset {@link RecordAdmin#listOffsets} looks up for a partition. */
public record OffsetSpec(long wire) {
    /** The first offset still in the log. */
    public static OffsetSpec earliest() {
        return new OffsetSpec(-2);
    }

    /** The log end offset (the offset the next record gets). */
    public static OffsetSpec latest() {
        return new OffsetSpec(-1);
    }

    /** The offset of the record with the highest timestamp. */
    public static OffsetSpec maxTimestamp() {
        return new OffsetSpec(-3);
    }

    /** The first offset whose timestamp is at least {@code epochMillis}. */
    public static OffsetSpec forTimestamp(long epochMillis) {
        if (epochMillis < 0) {
            throw new IllegalArgumentException("a timestamp is >= 0, was " + epochMillis);
        }
        return new OffsetSpec(epochMillis);
    }
}
