package dev.skein.consumer.internal;

import dev.skein.core.Header;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The headers of a record written to a dead-letter topic: those read, plus where it came from and why. */
public final class DeadLetterHeaders {
    /** The most bytes of {@code skein.dlt.error}, marker included. */
    public static final int MAX_ERROR_BYTES = 1024;
    /** Ends an error cut to {@link #MAX_ERROR_BYTES}. */
    public static final String TRUNCATED = "...[truncated]";

    private DeadLetterHeaders() {
    }

    /** {@code read} followed by {@code skein.dlt.topic}, {@code .partition}, {@code .offset}, {@code .attempts}, {@code .error}. */
    public static List<Header> of(List<Header> read, String topic, int partition, long offset, int attempts, Throwable error) {
        List<Header> headers = new ArrayList<>(read);
        headers.add(header("skein.dlt.topic", topic));
        headers.add(header("skein.dlt.partition", Integer.toString(partition)));
        headers.add(header("skein.dlt.offset", Long.toString(offset)));
        headers.add(header("skein.dlt.attempts", Integer.toString(attempts)));
        headers.add(new Header("skein.dlt.error", capped(String.valueOf(error))));
        return headers;
    }

    /**
     * The error's text, cut to {@link #MAX_ERROR_BYTES} of UTF-8 (ending with {@link #TRUNCATED}) when
     * longer: a message can be as long as a handler likes, and a dead-letter record too large to write
     * would stop the processor at the same record on every restart.
     */
    static byte[] capped(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_ERROR_BYTES) {
            return bytes;
        }
        byte[] marker = TRUNCATED.getBytes(StandardCharsets.UTF_8);
        int keep = MAX_ERROR_BYTES - marker.length;
        while (keep > 0 && (bytes[keep] & 0xC0) == 0x80) {
            keep--; // bytes[keep] continues a character: cut before that character starts
        }
        byte[] out = new byte[keep + marker.length];
        System.arraycopy(bytes, 0, out, 0, keep);
        System.arraycopy(marker, 0, out, keep, marker.length);
        return out;
    }

    private static Header header(String key, String value) {
        return new Header(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
