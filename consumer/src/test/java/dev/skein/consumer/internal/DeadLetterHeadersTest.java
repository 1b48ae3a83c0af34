package dev.skein.consumer.internal;

import dev.skein.core.Header;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeadLetterHeadersTest {

    private static String value(List<Header> headers, String key) {
        return headers.stream().filter(h -> h.key().equals(key)).map(h -> new String(h.value(), StandardCharsets.UTF_8))
                .findFirst().orElseThrow();
    }

    @Test
    void theHeadersReadComeFirstThenTheOriginAndTheError() {
        List<Header> read = List.of(new Header("trace", new byte[] {1}));
        List<Header> h = DeadLetterHeaders.of(read, "orders", 3, 42, 5, new IllegalStateException("boom"));
        assertEquals("trace", h.get(0).key());
        assertEquals("orders", value(h, "skein.dlt.topic"));
        assertEquals("3", value(h, "skein.dlt.partition"));
        assertEquals("42", value(h, "skein.dlt.offset"));
        assertEquals("5", value(h, "skein.dlt.attempts"));
        assertEquals("java.lang.IllegalStateException: boom", value(h, "skein.dlt.error"));
    }

    /**
     * An exception message can be as long as a handler likes (a whole response body, say): copied in
     * full it could make the dead-letter record too large to write, a failure that would stop the
     * processor at the same record on every restart.
     */
    @Test
    void aLongErrorIsCutToOneKibibyteWithAMarkerAndStaysValidUtf8() {
        String huge = "é".repeat(300_000); // two bytes each in UTF-8
        List<Header> h = DeadLetterHeaders.of(List.of(), "t", 0, 0, 1, new RuntimeException(huge));
        byte[] error = h.stream().filter(x -> x.key().equals("skein.dlt.error")).findFirst().orElseThrow().value();
        assertTrue(error.length <= DeadLetterHeaders.MAX_ERROR_BYTES, "error header of " + error.length + " bytes");
        String text = new String(error, StandardCharsets.UTF_8);
        assertTrue(text.startsWith("java.lang.RuntimeException: éé"), text.substring(0, 40));
        assertTrue(text.endsWith(DeadLetterHeaders.TRUNCATED), text.substring(text.length() - 40));
        assertEquals(-1, text.indexOf('\uFFFD'), "no character cut in half");
    }
}
