package dev.skein.serdes;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.skein.core.errors.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Several registry URLs, as Confluent's schema.registry.url takes them: a call fails over to the next. */
class SchemaRegistryFailoverTest {
    WireMockServer wm;

    @BeforeEach
    void start() {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
    }

    @AfterEach
    void stop() {
        wm.stop();
    }

    static String deadUrl() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    @Test
    void aCallMovesOnToTheNextUrlWhenOneIsDownAndStaysThere() throws Exception {
        wm.stubFor(get(urlEqualTo("/subjects")).willReturn(okJson("[\"a\"]")));
        SchemaRegistryClient c = SchemaRegistryClient.builder()
                .properties(java.util.Map.of("schema.registry.url", deadUrl() + "," + wm.baseUrl()))
                .retries(0, Duration.ZERO).build();
        assertEquals(List.of("a"), c.subjects(), "each URL is tried once before retries are counted");
        assertEquals(List.of("a"), c.subjects());
        wm.verify(2, getRequestedFor(urlEqualTo("/subjects")));
    }

    @Test
    void aServerErrorMovesOnButAClientErrorIsFinal() throws Exception {
        WireMockServer other = new WireMockServer(options().dynamicPort());
        other.start();
        try {
            wm.stubFor(get(urlEqualTo("/subjects")).willReturn(aResponse().withStatus(503)));
            other.stubFor(get(urlEqualTo("/subjects")).willReturn(okJson("[\"b\"]")));
            wm.stubFor(get(urlEqualTo("/subjects/x/versions")).willReturn(aResponse().withStatus(404)
                    .withBody("{\"error_code\":40401,\"message\":\"Subject 'x' not found.\"}")));
            SchemaRegistryClient c = SchemaRegistryClient.builder().url(wm.baseUrl() + ", " + other.baseUrl())
                    .retries(0, Duration.ZERO).build();
            assertEquals(List.of("b"), c.subjects());
            SchemaRegistryClient first = SchemaRegistryClient.builder().url(wm.baseUrl() + "," + other.baseUrl())
                    .retries(0, Duration.ZERO).build();
            SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> first.versions("x"));
            assertEquals(SchemaRegistryException.Kind.SUBJECT_NOT_FOUND, e.kind());
            other.verify(0, getRequestedFor(urlEqualTo("/subjects/x/versions")));
        } finally {
            other.stop();
        }
    }

    @Test
    void allUrlsDownNamesTheLastTriedAndEveryUrlMustBeHttp() throws Exception {
        String a = deadUrl();
        String b = deadUrl();
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> SchemaRegistryClient.builder()
                .url(a + "," + b).retries(0, Duration.ZERO).build().subjects());
        assertEquals(SchemaRegistryException.Kind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().contains(b), e.getMessage());
        assertEquals("schema.registry.url", assertThrows(ConfigException.class,
                () -> SchemaRegistryClient.builder().url(a + ",registry:8081").build()).key());
    }
}
