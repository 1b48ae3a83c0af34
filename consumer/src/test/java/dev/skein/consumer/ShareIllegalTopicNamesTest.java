package dev.skein.consumer;

import dev.skein.serdes.Serdes;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A topic name no broker accepts fails the share consumer's {@code subscribe()} at once, naming it, as the
 * consumer's does ({@link IllegalTopicNamesTest}): followed, it would only make the member read nothing, with
 * no error ever. No broker is contacted.
 */
class ShareIllegalTopicNamesTest {

    @Test
    void subscribeRefusesANameNoBrokerAccepts() {
        ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers("127.0.0.1:1").groupId("g").build();
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.subscribe(List.of("jobs", "jobs with spaces")));
            assertTrue(e.getMessage().startsWith("subscribe(): topic name \"jobs with spaces\" has ' ' at 4"), e.getMessage());
            assertEquals(Set.of(), c.subscription(), "nothing of the refused call is kept");
            assertThrows(IllegalArgumentException.class, () -> c.subscribe(Arrays.asList("jobs", null)));
            assertThrows(IllegalArgumentException.class, () -> c.subscribe(List.of("..")));
            assertThrows(IllegalArgumentException.class, () -> c.subscribe(List.of("")));
            assertThrows(IllegalArgumentException.class, () -> c.subscribe(List.of("a".repeat(250))));
            assertEquals(Set.of(), c.subscription(), "nothing of the refused calls is kept");
            c.subscribe(List.of("Jobs_2026.eu-west-1", "a".repeat(249))); // every legal character, the longest name
            assertEquals(Set.of("Jobs_2026.eu-west-1", "a".repeat(249)), c.subscription());
        } finally {
            c.close(Duration.ofMillis(100)); // no broker to leave the group through
        }
    }
}
