package dev.skein.serdes;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.skein.core.errors.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** References, normalization, caches, 429 retries, typed errors and TLS, against WireMock. */
class SchemaRegistryClientFeaturesTest {
    static final String PROTO = "syntax = \"proto3\";\nimport \"m.proto\";\nmessage O { M m = 1; }\n";
    static final List<SchemaReference> REFS = List.of(new SchemaReference("m.proto", "m.proto", 2));

    WireMockServer wm;

    static String quote(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void start() {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
    }

    @AfterEach
    void stop() {
        wm.stop();
    }

    SchemaRegistryClient.Builder client() {
        return SchemaRegistryClient.builder().url(wm.baseUrl()).timeout(Duration.ofSeconds(2)).retries(3, Duration.ofMillis(5));
    }

    @Test
    void referencesAreSentAndReadBackAndNormalizeIsAsked() {
        String body = "{\"schema\":" + quote(PROTO) + ",\"schemaType\":\"PROTOBUF\","
                + "\"references\":[{\"name\":\"m.proto\",\"subject\":\"m.proto\",\"version\":2}]}";
        wm.stubFor(post(urlEqualTo("/subjects/o-value/versions?normalize=true")).withRequestBody(equalToJson(body))
                .willReturn(okJson("{\"id\":12}")));
        wm.stubFor(post(urlEqualTo("/subjects/o-value?normalize=true")).withRequestBody(equalToJson(body))
                .willReturn(okJson("{\"subject\":\"o-value\",\"version\":4,\"id\":12,\"schemaType\":\"PROTOBUF\","
                        + "\"schema\":" + quote(PROTO) + ",\"references\":[{\"name\":\"m.proto\",\"subject\":\"m.proto\",\"version\":2}]}")));
        SchemaRegistryClient c = client().normalize(true).build();
        assertEquals(12, c.register("o-value", PROTO, "PROTOBUF", REFS));
        RegisteredSchema found = c.lookup("o-value", PROTO, "PROTOBUF", REFS);
        assertEquals(4, found.version());
        assertEquals(REFS, found.references());

        wm.stubFor(get(urlEqualTo("/schemas/ids/12")).willReturn(okJson("{\"schemaType\":\"PROTOBUF\",\"schema\":"
                + quote(PROTO) + ",\"references\":[{\"name\":\"m.proto\",\"subject\":\"m.proto\",\"version\":2}]}")));
        assertEquals(REFS, client().build().schemaById(12).references());
    }

    @Test
    void theConfluentPropertyNamesConfigureTheClient() {
        wm.stubFor(get(urlEqualTo("/subjects")).willReturn(okJson("[]")));
        SchemaRegistryClient c = SchemaRegistryClient.builder().properties(java.util.Map.of(
                "schema.registry.url", wm.baseUrl(), "basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "ann:s3cret", "max.schemas.per.subject", "10", "max.retries", 1)).build();
        c.subjects();
        wm.verify(getRequestedFor(urlEqualTo("/subjects")).withHeader("Authorization",
                com.github.tomakehurst.wiremock.client.WireMock.equalTo("Basic YW5uOnMzY3JldA==")));
        java.util.Properties bearer = new java.util.Properties();
        bearer.setProperty("schema.registry.url", wm.baseUrl());
        bearer.setProperty("bearer.auth.credentials.source", "STATIC_TOKEN");
        bearer.setProperty("bearer.auth.token", "t0k");
        SchemaRegistryClient.builder().properties(bearer).build().subjects();
        wm.verify(getRequestedFor(urlEqualTo("/subjects")).withHeader("Authorization",
                com.github.tomakehurst.wiremock.client.WireMock.equalTo("Bearer t0k")));

        for (String[] bad : new String[][] {{"schema.registry.urls", "x"}, 
                {"max.schemas.per.subject", "0"}, {"basic.auth.credentials.source", "SASL_INHERIT"}, {"normalize.schemas", "yes"}}) {
            ConfigException e = assertThrows(ConfigException.class, () -> SchemaRegistryClient.builder().set(bad[0], bad[1]));
            assertEquals(bad[0], e.key());
        }
        assertEquals("basic.auth.user.info", assertThrows(ConfigException.class, () -> SchemaRegistryClient.builder()
                .url(wm.baseUrl()).set("basic.auth.user.info", "no-colon").build()).key());
    }

    @Test
    void versionsAreCachedAndTheCachesAreBounded() {
        for (int id = 1; id <= 3; id++) {
            wm.stubFor(get(urlEqualTo("/schemas/ids/" + id)).willReturn(okJson("{\"schema\":\"\\\"int\\\"\"}")));
        }
        wm.stubFor(get(urlEqualTo("/subjects/s/versions/2")).willReturn(okJson(
                "{\"subject\":\"s\",\"version\":2,\"id\":3,\"schema\":\"\\\"int\\\"\"}")));
        SchemaRegistryClient c = client().cacheCapacity(2).build();
        assertEquals(3, c.version("s", 2).id());
        assertEquals(3, c.version("s", 2).id());
        wm.verify(1, getRequestedFor(urlEqualTo("/subjects/s/versions/2")));

        c.schemaById(1);
        c.schemaById(2);
        c.schemaById(1); // cached; 1 is now the most recently used
        wm.verify(1, getRequestedFor(urlEqualTo("/schemas/ids/1")));
        c.schemaById(3); // evicts 2, the least recently used
        c.schemaById(1);
        wm.verify(1, getRequestedFor(urlEqualTo("/schemas/ids/1")));
        c.schemaById(2);
        wm.verify(2, getRequestedFor(urlEqualTo("/schemas/ids/2")));
        assertThrows(ConfigException.class, () -> client().cacheCapacity(0).build());
    }

    @Test
    void rateLimitedCallsAreRetriedWithBackoff() {
        wm.stubFor(get(urlEqualTo("/subjects")).inScenario("busy").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(429).withBody("{\"error_code\":42901,\"message\":\"slow down\"}"))
                .willSetStateTo("busy2"));
        wm.stubFor(get(urlEqualTo("/subjects")).inScenario("busy").whenScenarioStateIs("busy2")
                .willReturn(aResponse().withStatus(429)).willSetStateTo("ok"));
        wm.stubFor(get(urlEqualTo("/subjects")).inScenario("busy").whenScenarioStateIs("ok").willReturn(okJson("[\"a\"]")));
        long start = System.nanoTime();
        assertEquals(List.of("a"), client().retries(3, Duration.ofMillis(100)).build().subjects());
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300), "waited 100 ms, then 200 ms");
        wm.verify(3, getRequestedFor(urlEqualTo("/subjects")));

        wm.stubFor(get(urlEqualTo("/schemas/ids/5")).willReturn(aResponse().withStatus(429)));
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client().build().schemaById(5));
        assertEquals(SchemaRegistryException.Kind.RATE_LIMITED, e.kind());
        assertTrue(e.isRetriable());
        wm.verify(4, getRequestedFor(urlEqualTo("/schemas/ids/5")));
    }

    @Test
    void clientErrorsAreFinalTypedAndNameSubjectAndVersion() {
        wm.stubFor(get(urlEqualTo("/subjects/s/versions/7")).willReturn(aResponse().withStatus(404)
                .withBody("{\"error_code\":40402,\"message\":\"Version 7 not found.\"}")));
        wm.stubFor(get(urlEqualTo("/subjects/locked/versions/latest")).willReturn(aResponse().withStatus(403)
                .withBody("{\"error_code\":40301,\"message\":\"User cannot access the resource.\"}")));
        wm.stubFor(get(urlPathEqualTo("/subjects/s/versions/1")).willReturn(aResponse().withStatus(401)
                .withBody("{\"error_code\":40101,\"message\":\"Unauthorized\"}")));
        wm.stubFor(post(urlEqualTo("/subjects/s/versions")).willReturn(aResponse().withStatus(409)
                .withBody("{\"error_code\":409,\"message\":\"incompatible with an earlier schema\"}")));
        wm.stubFor(post(urlEqualTo("/subjects/bad/versions")).willReturn(aResponse().withStatus(422)
                .withBody("{\"error_code\":42201,\"message\":\"Invalid schema\"}")));
        SchemaRegistryClient c = client().build();

        SchemaRegistryException version = assertThrows(SchemaRegistryException.class, () -> c.version("s", 7));
        assertEquals(SchemaRegistryException.Kind.VERSION_NOT_FOUND, version.kind());
        assertTrue(version.getMessage().contains("subject s, version 7") && version.getMessage().contains(wm.baseUrl()),
                version.getMessage());
        SchemaRegistryException forbidden = assertThrows(SchemaRegistryException.class, () -> c.latest("locked"));
        assertEquals(SchemaRegistryException.Kind.FORBIDDEN, forbidden.kind());
        assertTrue(forbidden.getMessage().contains("subject locked, version latest")
                && forbidden.getMessage().contains("not allowed"), forbidden.getMessage());
        SchemaRegistryException unauthorized = assertThrows(SchemaRegistryException.class, () -> c.version("s", 1));
        assertEquals(SchemaRegistryException.Kind.UNAUTHORIZED, unauthorized.kind());
        assertTrue(unauthorized.getMessage().contains("credentials"), unauthorized.getMessage());
        SchemaRegistryException incompatible = assertThrows(SchemaRegistryException.class,
                () -> c.register("s", "\"int\"", "AVRO", List.of()));
        assertEquals(SchemaRegistryException.Kind.INCOMPATIBLE_SCHEMA, incompatible.kind());
        assertTrue(incompatible.getMessage().contains("subject s:") && incompatible.getMessage().contains("compatibility"),
                incompatible.getMessage());
        SchemaRegistryException invalid = assertThrows(SchemaRegistryException.class, () -> c.register("bad", "{"));
        assertEquals(SchemaRegistryException.Kind.INVALID_SCHEMA, invalid.kind());
        assertTrue(invalid.getMessage().contains("subject bad"), invalid.getMessage());
        for (SchemaRegistryException e : List.of(version, forbidden, unauthorized, incompatible, invalid)) {
            assertTrue(!e.isRetriable(), e.getMessage());
        }
        wm.verify(1, getRequestedFor(urlEqualTo("/subjects/s/versions/7")));
        wm.verify(1, getRequestedFor(urlEqualTo("/subjects/s/versions/1")));
        wm.verify(1, postRequestedFor(urlEqualTo("/subjects/s/versions")));
    }

    @Test
    void tlsTrustsTheGivenStoreAndVerifiesTheHostName(@TempDir Path dir) throws Exception {
        // made once with: keytool -genkeypair -alias registry -keyalg EC -groupname secp256r1 -dname CN=registry
        //   -ext SAN=ip:127.0.0.1 -validity 36500 -storetype PKCS12 -storepass secret1 (a key and its own certificate)
        Path store = Path.of(getClass().getResource("/registry-tls.p12").toURI());
        WireMockServer https = new WireMockServer(options().dynamicPort().dynamicHttpsPort()
                .keystorePath(store.toString()).keystorePassword("secret1").keyManagerPassword("secret1").keystoreType("PKCS12"));
        https.start();
        try {
            https.stubFor(get(urlEqualTo("/subjects")).willReturn(okJson("[\"tls\"]")));
            String url = "https://127.0.0.1:" + https.httpsPort();
            assertEquals(List.of("tls"), SchemaRegistryClient.builder().url(url)
                    .tls(store, "secret1".toCharArray(), null, null).build().subjects());
            SchemaRegistryException untrusted = assertThrows(SchemaRegistryException.class,
                    () -> SchemaRegistryClient.builder().url(url).retries(0, Duration.ZERO).build().subjects());
            assertEquals(SchemaRegistryException.Kind.UNREACHABLE, untrusted.kind(), "the JDK's default trust does not know it");
            String byName = "https://localhost:" + https.httpsPort();
            SchemaRegistryException wrongName = assertThrows(SchemaRegistryException.class, () -> SchemaRegistryClient.builder()
                    .url(byName).retries(0, Duration.ZERO).timeout(Duration.ofSeconds(5))
                    .tls(store, "secret1".toCharArray(), null, null).build().subjects(), "the certificate names 127.0.0.1 only");
            assertTrue(wrongName.getMessage().contains("SSLHandshakeException"), wrongName.getMessage());
        } finally {
            https.stop();
        }
        ConfigException missing = assertThrows(ConfigException.class, () -> SchemaRegistryClient.builder()
                .tls(dir.resolve("nope.p12"), "x".toCharArray(), null, null));
        assertEquals("schema.registry.ssl.truststore.location", missing.key());
        assertThrows(ConfigException.class, () -> SchemaRegistryClient.builder().tls(store, "wrong".toCharArray(), null, null));
    }

    @Test
    void compatibilityCheckOfAProtobufSchemaSendsItsTypeAndReferences() {
        wm.stubFor(post(urlPathEqualTo("/compatibility/subjects/o/versions/latest"))
                .withRequestBody(equalToJson("{\"schema\":" + quote(PROTO) + ",\"schemaType\":\"PROTOBUF\","
                        + "\"references\":[{\"name\":\"m.proto\",\"subject\":\"m.proto\",\"version\":2}]}"))
                .willReturn(okJson("{\"is_compatible\":true}")));
        assertTrue(client().build().isCompatible("o", PROTO, "PROTOBUF", REFS));
    }
    @Test
    void successAnswersThatAreNotTheRegistrysAreTypedErrorsNotCrashes() {
        // A proxy's login page, an answer without the fields every registry sends, an unknown level.
        wm.stubFor(get(urlEqualTo("/schemas/ids/1")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/html").withBody("<html>please sign in</html>")));
        wm.stubFor(get(urlEqualTo("/schemas/ids/2")).willReturn(okJson("{\"schemaType\":\"AVRO\"}")));
        wm.stubFor(post(urlEqualTo("/subjects/s/versions")).willReturn(okJson("{}")));
        wm.stubFor(get(urlEqualTo("/subjects/s/versions/latest")).willReturn(okJson("{\"subject\":\"s\",\"version\":1}")));
        wm.stubFor(get(urlEqualTo("/config/s?defaultToGlobal=true")).willReturn(okJson("{\"compatibilityLevel\":\"SIDEWAYS\"}")));
        wm.stubFor(get(urlEqualTo("/schemas/ids/3")).willReturn(okJson("{\"schema\":\"\\\"string\\\"\"}")));
        SchemaRegistryClient c = client().build();

        SchemaRegistryException html = assertThrows(SchemaRegistryException.class, () -> c.schemaById(1));
        assertEquals(SchemaRegistryException.Kind.MALFORMED_RESPONSE, html.kind());
        assertTrue(html.getMessage().contains("not JSON: <html>please sign in</html>") && html.getMessage().contains(wm.baseUrl()),
                html.getMessage());
        assertMalformed(() -> c.schemaById(2), "schema id 2 has no \"schema\"");
        assertMalformed(() -> c.register("s", "\"string\""), "registering under subject s has no \"id\"");
        assertMalformed(() -> c.latest("s"), "subject s has no \"id\"");
        assertMalformed(() -> c.compatibility("s"), "unknown compatibility level 'SIDEWAYS' for subject s");
        assertEquals("\"string\"", c.schemaById(3).schema(), "the client keeps working");
        wm.verify(1, getRequestedFor(urlEqualTo("/schemas/ids/1"))); // a malformed answer is not retried
    }

    static void assertMalformed(org.junit.jupiter.api.function.Executable call, String part) {
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, call);
        assertEquals(SchemaRegistryException.Kind.MALFORMED_RESPONSE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
    }
}
