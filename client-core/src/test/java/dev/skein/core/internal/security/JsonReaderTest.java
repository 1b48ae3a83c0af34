package dev.skein.core.internal.security;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The strict reader behind JWT claims and token endpoint answers: RFC 8259 and nothing more. */
class JsonReaderTest {
    @Test
    void readsEveryKindOfValue() {
        Map<String, Object> o = JsonReader.object(" {\"s\":\"a\\u00e9\\n\\\"\\/\",\"n\":-1.5e3,\"t\":true,\"f\":false,"
                + "\"z\":null,\"a\":[1,{\"k\":[]}],\"o\":{}}\n");
        assertEquals("a\u00e9\n\"/", o.get("s"));
        assertEquals(0, new BigDecimal("-1500").compareTo((BigDecimal) o.get("n")));
        assertEquals(Boolean.TRUE, o.get("t"));
        assertEquals(Boolean.FALSE, o.get("f"));
        assertSame(JsonReader.NULL, o.get("z"));
        assertEquals(List.of(new BigDecimal("1"), Map.of("k", List.of())), o.get("a"));
        assertEquals(Map.of(), o.get("o"));
        assertEquals(List.of("s", "n", "t", "f", "z", "a", "o"), List.copyOf(o.keySet()));
    }

    @Test
    void refusesWhatRfc8259DoesNotAllowWithoutQuotingTheText() {
        for (String bad : new String[] {"", "[]", "\"x\"", "{", "{\"a\":1,}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}",
                "{\"a\":+1}", "{\"a\":'x'}", "{a:1}", "{\"a\":1}//c", "{\"a\":\"\u0001\"}", "{\"a\":\"\\x\"}",
                "{\"a\":\"\\u12\"}", "{\"a\":tru}", "{\"a\":1 \"b\":2}", "{\"a\":1,\"a\":1}", "{\"a\":1}}",
                "{\"a\":NaN}", "{\"a\":1e}"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonReader.object(bad), bad);
            assertTrue(e.getMessage().startsWith("not valid JSON"), e.getMessage());
            assertFalse(!bad.isEmpty() && e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void nestingIsBounded() {
        String deep = "{\"a\":" + "[".repeat(JsonReader.MAX_DEPTH + 1) + "]".repeat(JsonReader.MAX_DEPTH + 1) + "}";
        assertTrue(assertThrows(IllegalArgumentException.class, () -> JsonReader.object(deep)).getMessage()
                .contains("deeper"));
        String ok = "{\"a\":" + "[".repeat(JsonReader.MAX_DEPTH - 1) + "]".repeat(JsonReader.MAX_DEPTH - 1) + "}";
        JsonReader.object(ok);
    }
}
