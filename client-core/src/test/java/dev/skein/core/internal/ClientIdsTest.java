package dev.skein.core.internal;

import dev.skein.core.ClientOptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientIdsTest {

    @Test
    void eachClientWithoutAnIdGetsItsOwnInKafkasShape() {
        String p1 = ClientIds.producer(null);
        String p2 = ClientIds.producer(null);
        assertTrue(p1.matches("producer-[0-9]+") && p2.matches("producer-[0-9]+"), p1 + " " + p2);
        assertNotEquals(p1, p2);
        assertEquals("producer-tx", ClientIds.producer("tx"));
        assertTrue(ClientIds.consumer("billing").matches("consumer-billing-[0-9]+"));
        assertTrue(ClientIds.consumer(null).matches("consumer-[0-9]+"));
        assertTrue(ClientIds.admin().matches("adminclient-[0-9]+"));
    }

    @Test
    void optionsWithoutAClientIdTakeTheClientsDefaultAndOptionsWithOneKeepIt() {
        ClientOptions unset = ClientOptions.builder().bootstrapServers("a:1").build();
        assertFalse(unset.hasClientId());
        assertEquals(ClientOptions.DEFAULT_CLIENT_ID, unset.clientId(), "a bare connection's id");
        ClientOptions named = unset.withDefaultClientId(() -> "producer-7");
        assertEquals("producer-7", named.clientId());
        assertTrue(named.hasClientId());
        assertFalse(unset.mutate().build().hasClientId(), "mutate() keeps it unset");
        ClientOptions set = ClientOptions.builder().bootstrapServers("a:1").clientId("mine").build();
        assertSame(set, set.withDefaultClientId(() -> "producer-8"));
    }
}
