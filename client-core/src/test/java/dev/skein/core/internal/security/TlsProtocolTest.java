package dev.skein.core.internal.security;

import dev.skein.core.security.TlsOptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code ssl.protocol} and {@code ssl.enabled.protocols}: which TLS versions a connection may speak. */
class TlsProtocolTest {

    @Test
    void bothVersionsByDefault() {
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), new TlsConfig().enabledProtocols());
    }

    @Test
    void sslProtocolTls12AloneCapsTheVersion() {
        TlsConfig c = new TlsConfig();
        c.protocol = "TLSv1.2";
        assertEquals(List.of("TLSv1.2"), c.enabledProtocols());
        c.protocol = "TLSv1.3";
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), c.enabledProtocols());
        c.protocol = "TLS";
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), c.enabledProtocols());
    }

    @Test
    void enabledProtocolsWhenSetWin() {
        TlsConfig c = new TlsConfig();
        c.protocol = "TLSv1.2";
        c.protocols = TlsConfig.protocols("ssl.enabled.protocols", List.of("TLSv1.3"));
        assertEquals(List.of("TLSv1.3"), c.enabledProtocols());
        TlsOptions o = TlsOptions.builder().protocol("TLSv1.2").enabledProtocols(List.of("TLSv1.3")).build();
        assertEquals(List.of("TLSv1.3"), o.enabledProtocols());
        assertEquals(List.of("TLSv1.3"), TlsConfig.of(o.mutate().build()).enabledProtocols(), "a copy keeps both");
    }
}
