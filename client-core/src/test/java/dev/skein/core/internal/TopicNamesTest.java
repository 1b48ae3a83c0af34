package dev.skein.core.internal;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The topic names a broker accepts, and the reason given for each it does not. */
class TopicNamesTest {
    @Test
    void legalNamesUseOnlyTheBrokersCharactersUpToItsLength() {
        for (String ok : List.of("a", "orders", "Orders_2026.eu-west-1", "__consumer_offsets", "...", ".a", "a".repeat(249))) {
            assertNull(TopicNames.problem(ok), ok);
        }
    }

    @Test
    void eachIllegalNameIsNamedWithWhatIsWrong() {
        assertEquals("a topic name is null", TopicNames.problem(null));
        assertEquals("a topic name is empty", TopicNames.problem(""));
        assertEquals("\".\" is not a legal topic name", TopicNames.problem("."));
        assertEquals("\"..\" is not a legal topic name", TopicNames.problem(".."));
        assertEquals("topic name \"aaaaaaaaaaaaaaaaaaaa...\" is 250 characters long; at most 249 are allowed",
                TopicNames.problem("a".repeat(250)));
        assertEquals("topic name \"orders eu\" has ' ' at 6; a topic name has only a-z A-Z 0-9 . _ -",
                TopicNames.problem("orders eu"));
        assertEquals("topic name \"bestellungen-ä\" has 'ä' at 13; a topic name has only a-z A-Z 0-9 . _ -",
                TopicNames.problem("bestellungen-ä"));
        for (String bad : List.of("a/b", "a:b", "a*", "a\tb", "a\u0000")) {
            assertThrows(IllegalArgumentException.class, () -> TopicNames.requireLegal(List.of("ok", bad), "subscribe()"), bad);
        }
    }
}
