package dev.skein.core;

import dev.skein.core.errors.ConfigException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientOptionsTest {

    @Test
    void standardPropertyNamesMapOntoTypedOptions() {
        ClientOptions o = ClientOptions.builder().properties(Map.of(
                "bootstrap.servers", "a:9092, b:9093",
                "client.id", "orders",
                "request.timeout.ms", "1500",
                "reconnect.backoff.ms", 10,
                "reconnect.backoff.max.ms", "20",
                "client.dns.lookup", "resolve_canonical_bootstrap_servers_only",
                "metadata.recovery.strategy", "none")).build();
        assertEquals(List.of("a:9092", "b:9093"), o.bootstrapServers());
        assertEquals("orders", o.clientId());
        assertEquals(Duration.ofMillis(1500), o.requestTimeout());
        assertEquals(Duration.ofMillis(10), o.reconnectBackoff());
        assertFalse(o.useAllDnsIps());
        assertFalse(o.rebootstrap());
    }

    @Test
    void anUnknownKeyFailsNamingIt() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ClientOptions.builder().set("request.timeout.msec", "10"));
        assertEquals("request.timeout.msec", e.key());
        assertTrue(e.getMessage().contains("unknown"), e.getMessage());
    }

    @Test
    void badValuesFailNamingTheKeyAndWhatIsAccepted() {
        assertEquals("request.timeout.ms", assertThrows(ConfigException.class,
                () -> ClientOptions.builder().set("request.timeout.ms", "soon")).key());
        ConfigException dns = assertThrows(ConfigException.class,
                () -> ClientOptions.builder().set("client.dns.lookup", "default"));
        assertTrue(dns.getMessage().contains("use_all_dns_ips"), dns.getMessage());
        assertEquals("bootstrap.servers", assertThrows(ConfigException.class,
                () -> ClientOptions.builder().bootstrapServers("no-port")).key());
        assertEquals("max.in.flight.requests.per.connection", assertThrows(ConfigException.class,
                () -> ClientOptions.builder().maxInFlight(0)).key());
    }

    @Test
    void buildRequiresBootstrapServersAndConsistentBackoffs() {
        assertEquals("bootstrap.servers", assertThrows(ConfigException.class, () -> ClientOptions.builder().build()).key());
        assertEquals("reconnect.backoff.max.ms", assertThrows(ConfigException.class, () -> ClientOptions.builder()
                .bootstrapServers("a:1").reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build()).key());
    }

    @Test
    void mutateDerivesAChangedCopy() {
        ClientOptions a = ClientOptions.builder().bootstrapServers("a:1").clientId("x").build();
        ClientOptions b = a.mutate().clientId("y").build();
        assertEquals("x", a.clientId());
        assertEquals("y", b.clientId());
        assertEquals(a.bootstrapServers(), b.bootstrapServers());
    }
}
