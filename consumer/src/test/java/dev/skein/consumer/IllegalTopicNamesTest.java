package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A topic name no broker accepts fails {@code subscribe()} and {@code assign()} at once, naming it:
 * followed, it would only make the consumer read nothing, with no error ever. No broker is contacted.
 */
class IllegalTopicNamesTest {

    private static Consumer<String, String> consumer() {
        // The classic protocol named: under "auto" a subscribe() first asks the broker which protocol it serves.
        return Consumer.builder(Serdes.string(), Serdes.string()).bootstrapServers("127.0.0.1:1").groupId("g")
                .groupProtocol(GroupProtocol.CLASSIC).build();
    }

    @Test
    void subscribeRefusesANameNoBrokerAccepts() {
        Consumer<String, String> c = consumer();
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.subscribe(List.of("orders", "orders with spaces")));
            assertTrue(e.getMessage().startsWith("subscribe(): topic name \"orders with spaces\" has ' ' at 6"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> c.subscribe(Arrays.asList("orders", null)));
            assertThrows(IllegalArgumentException.class, () -> c.subscribe(List.of("..")));
            assertThrows(IllegalArgumentException.class, () -> c.subscribe(List.of("")));
            assertThrows(IllegalArgumentException.class, () -> c.subscribe(List.of("a".repeat(250))));
            c.subscribe(List.of("Orders_2026.eu-west-1", "a".repeat(249))); // every legal character, the longest name
        } finally {
            c.close(Duration.ofMillis(100)); // no coordinator to leave the group through
        }
    }

    @Test
    void assignRefusesANameNoBrokerAccepts() {
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers("127.0.0.1:1").delivery(Delivery.MANUAL).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.assign(List.of(new TopicPartition("orders/eu", 0))));
            assertTrue(e.getMessage().startsWith("assign(): topic name \"orders/eu\" has '/'"), e.getMessage());
            assertEquals(java.util.Set.of(), c.assignment(), "nothing of the refused call is kept");
            c.assign(List.of(new TopicPartition("orders.eu", 0)));
            assertEquals(java.util.Set.of(new TopicPartition("orders.eu", 0)), c.assignment());
        }
    }
}
