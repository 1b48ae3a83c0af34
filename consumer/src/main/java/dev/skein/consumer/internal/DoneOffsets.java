package dev.skein.consumer.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Base64;

/**
 * The records a parallel processor finished above its committed offset, carried in the commit's
 * metadata so that a member taking the partition over skips them.
 *
 * <p>Meaning: every offset in {@code [committed, end)} is done except those listed as not done (usually
 * the committed offset itself is the first listed: the commit stops at the first record not done). Offsets the partition does not hold
 * (compacted away, transaction markers) fall in the done part, which is harmless: no record has them.
 * Encoded as {@code "skein-pp1:"} and the base64url of varints: {@code end - committed}, the count of
 * not-done offsets, then each not-done offset as its distance from the one before it (the first from
 * the committed offset, so 0 when that one is not done). The size grows with the records not done, never with the records done.
 *
 * <p>When the encoding would not fit {@code maxChars} (the broker refuses metadata over
 * {@code offset.metadata.max.bytes}, 4096 by default), {@code end} is moved down to the first not-done
 * offset left out: what lies above is run again after a takeover, but nothing is skipped that was not done.
 */
public record DoneOffsets(long committed, long end, long[] notDone) {
    public static final String PREFIX = "skein-pp1:";

    /** No record above {@code committed} is known to be done. */
    public static DoneOffsets none(long committed) {
        return new DoneOffsets(committed, committed, new long[0]);
    }

    /** True when the record at {@code offset} was finished by the member that committed this. */
    public boolean isDone(long offset) {
        return offset >= committed && offset < end && Arrays.binarySearch(notDone, offset) < 0;
    }

    /** The metadata string, at most {@code maxChars} long ("" when nothing above the committed offset is done). */
    public static String encode(long committed, long end, long[] notDone, int count, int maxChars) {
        if (end <= committed) {
            return "";
        }
        int budget = (maxChars - PREFIX.length()) / 4 * 3; // base64 turns 3 bytes into 4 chars
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int kept = 0;
        long last = committed;
        for (int i = 0; i < count; i++) {
            if (notDone[i] >= end) {
                break;
            }
            // Room for this offset and for the header written in front (end distance and count, at most 20 bytes).
            if (body.size() + varintSize(notDone[i] - last) + 20 > budget) {
                end = notDone[i]; // leave the rest out: everything from here is run again, nothing skipped wrongly
                break;
            }
            writeVarint(body, notDone[i] - last);
            last = notDone[i];
            kept++;
        }
        if (end - committed <= kept || budget < 20) { // nothing done in the range: the plain commit says it all
            return "";
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeVarint(out, end - committed);
        writeVarint(out, kept);
        out.writeBytes(body.toByteArray());
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
    }

    /**
     * Reads what {@link #encode} wrote for the commit at {@code committed}; metadata written by anything
     * else (another tool, a corrupt string) means nothing is known to be done.
     */
    public static DoneOffsets decode(long committed, String metadata) {
        if (metadata == null || !metadata.startsWith(PREFIX)) {
            return none(committed);
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(Base64.getUrlDecoder().decode(metadata.substring(PREFIX.length())));
            long end = committed + readVarint(in);
            long count = readVarint(in);
            if (count < 0 || count > in.remaining()) {
                return none(committed);
            }
            long[] notDone = new long[(int) count];
            long last = committed;
            for (int i = 0; i < count; i++) {
                long delta = readVarint(in);
                if (delta < 0 || (delta == 0 && i > 0)) {
                    return none(committed);
                }
                last += delta;
                notDone[i] = last;
            }
            if (in.hasRemaining() || end < committed || (count > 0 && notDone[(int) count - 1] >= end)) {
                return none(committed);
            }
            return new DoneOffsets(committed, end, notDone);
        } catch (IllegalArgumentException | java.nio.BufferUnderflowException e) {
            return none(committed);
        }
    }

    private static int varintSize(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long readVarint(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DoneOffsets d && d.committed == committed && d.end == end && Arrays.equals(d.notDone, notDone);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(committed) * 31 + Long.hashCode(end) * 17 + Arrays.hashCode(notDone);
    }

    @Override
    public String toString() {
        return "DoneOffsets(committed " + committed + ", end " + end + ", not done " + Arrays.toString(notDone) + ")";
    }
}
