package dev.skein.core;

import dev.skein.core.errors.ConfigException;
import dev.skein.core.security.TlsOptions;
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
        // typed setters store what they are given; build() checks it and names the property
        assertEquals("bootstrap.servers", assertThrows(ConfigException.class,
                () -> ClientOptions.builder().bootstrapServers("no-port").build()).key());
        assertEquals("max.in.flight.requests.per.connection", assertThrows(ConfigException.class,
                () -> ClientOptions.builder().bootstrapServers("a:1").maxInFlight(0).build()).key());
        assertEquals("socket.connection.setup.timeout.ms", assertThrows(ConfigException.class,
                () -> ClientOptions.builder().bootstrapServers("a:1").connectTimeout(Duration.ZERO).build()).key());
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

    @Test
    void mutateKeepsEveryOptionIncludingTls() {
        ClientOptions a = ClientOptions.builder().bootstrapServers("a:1,b:2").clientId("x")
                .requestTimeout(Duration.ofSeconds(7)).connectTimeout(Duration.ofSeconds(3))
                .connectTimeoutMax(Duration.ofSeconds(9)).connectionsMaxIdle(Duration.ofMinutes(2))
                .reconnectBackoff(Duration.ofMillis(10), Duration.ofMillis(20))
                .retryBackoff(Duration.ofMillis(30), Duration.ofMillis(40)).metadataMaxAge(Duration.ofMinutes(1))
                .maxInFlight(3).maxResponseBytes(4096).useAllDnsIps(false).socketBuffers(1000, 2000)
                .rebootstrap(false).rebootstrapTrigger(Duration.ofSeconds(11))
                .tls(TlsOptions.builder().hostnameVerification(false).protocol("TLSv1.2").build())
                .build();
        ClientOptions b = a.mutate().build();
        assertEquals(a.bootstrapServers(), b.bootstrapServers());
        assertEquals(a.clientId(), b.clientId());
        assertEquals(a.requestTimeout(), b.requestTimeout());
        assertEquals(a.connectTimeout(), b.connectTimeout());
        assertEquals(a.connectTimeoutMax(), b.connectTimeoutMax());
        assertEquals(a.connectionsMaxIdle(), b.connectionsMaxIdle());
        assertEquals(a.reconnectBackoff(), b.reconnectBackoff());
        assertEquals(a.reconnectBackoffMax(), b.reconnectBackoffMax());
        assertEquals(a.retryBackoff(), b.retryBackoff());
        assertEquals(a.retryBackoffMax(), b.retryBackoffMax());
        assertEquals(a.metadataMaxAge(), b.metadataMaxAge());
        assertEquals(a.maxInFlight(), b.maxInFlight());
        assertEquals(a.maxResponseBytes(), b.maxResponseBytes());
        assertEquals(a.useAllDnsIps(), b.useAllDnsIps());
        assertEquals(a.sendBufferBytes(), b.sendBufferBytes());
        assertEquals(a.receiveBufferBytes(), b.receiveBufferBytes());
        assertEquals(a.rebootstrap(), b.rebootstrap());
        assertEquals(a.rebootstrapTrigger(), b.rebootstrapTrigger());
        assertEquals(false, b.hostnameVerification());
        assertEquals(List.of("TLSv1.2"), b.tls().enabledProtocols());
    }

    @Test
    void propertiesAndTypedSettersGiveTheSameOptions() {
        ClientOptions typed = ClientOptions.builder().bootstrapServers("a:1").connectTimeoutMax(Duration.ofSeconds(9))
                .connectionsMaxIdle(Duration.ZERO).socketBuffers(1000, -1).rebootstrap(false).build();
        ClientOptions props = ClientOptions.builder().properties(Map.of("bootstrap.servers", "a:1",
                "socket.connection.setup.timeout.max.ms", "9000", "connections.max.idle.ms", "0",
                "send.buffer.bytes", "1000", "metadata.recovery.strategy", "none")).build();
        assertEquals(typed.connectTimeoutMax(), props.connectTimeoutMax());
        assertEquals(typed.connectionsMaxIdle(), props.connectionsMaxIdle());
        assertEquals(typed.sendBufferBytes(), props.sendBufferBytes());
        assertEquals(typed.receiveBufferBytes(), props.receiveBufferBytes());
        assertEquals(typed.rebootstrap(), props.rebootstrap());
    }
}
