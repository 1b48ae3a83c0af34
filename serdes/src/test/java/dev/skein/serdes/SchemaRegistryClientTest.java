package dev.skein.serdes;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchemaRegistryClientTest {
    static final String SCHEMA = "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}";

    WireMockServer wm;
    SchemaRegistryClient client;

    @BeforeEach
    void start() {
        wm = new WireMockServer(options().dynamicPort());
        wm.start();
        client = SchemaRegistryClient.builder().url(wm.baseUrl()).timeout(Duration.ofMillis(500))
                .retries(2, Duration.ofMillis(10)).build();
    }

    @AfterEach
    void stop() {
        wm.stop();
    }

    @Test
    void registersOnceAndCaches() {
        wm.stubFor(post(urlEqualTo("/subjects/orders-value/versions"))
                .withRequestBody(equalToJson("{\"schema\":" + quote(SCHEMA) + "}"))
                .willReturn(okJson("{\"id\":7}")));
        for (int i = 0; i < 50; i++) {
            assertEquals(7, client.register("orders-value", SCHEMA));
        }
        wm.verify(1, postRequestedFor(urlEqualTo("/subjects/orders-value/versions"))
                .withHeader("Content-Type", equalTo("application/vnd.schemaregistry.v1+json")));
    }

    @Test
    void looksUpByIdVersionAndLatest() {
        wm.stubFor(get(urlEqualTo("/schemas/ids/3")).willReturn(okJson("{\"schema\":" + quote(SCHEMA) + "}")));
        wm.stubFor(get(urlEqualTo("/subjects/s/versions/latest")).willReturn(okJson(
                "{\"subject\":\"s\",\"version\":4,\"id\":3,\"schema\":" + quote(SCHEMA) + "}")));
        wm.stubFor(get(urlEqualTo("/subjects/s/versions/2")).willReturn(okJson(
                "{\"subject\":\"s\",\"version\":2,\"id\":1,\"schema\":" + quote(SCHEMA) + "}")));
        wm.stubFor(get(urlEqualTo("/subjects")).willReturn(okJson("[\"s\",\"t\"]")));
        wm.stubFor(get(urlEqualTo("/subjects/s/versions")).willReturn(okJson("[1,2,4]")));
        assertEquals(SCHEMA, client.schemaById(3).schema());
        client.schemaById(3);
        wm.verify(1, getRequestedFor(urlEqualTo("/schemas/ids/3")));
        RegisteredSchema latest = client.latest("s");
        assertEquals(4, latest.version());
        assertEquals(3, latest.id());
        client.latest("s");
        wm.verify(1, getRequestedFor(urlEqualTo("/subjects/s/versions/latest")));
        assertEquals(1, client.version("s", 2).id());
        assertEquals(List.of("s", "t"), client.subjects());
        assertEquals(List.of(1, 2, 4), client.versions("s"));
    }

    @Test
    void compatibilityLevelsAndChecks() {
        wm.stubFor(get(urlEqualTo("/config/s?defaultToGlobal=true")).willReturn(okJson("{\"compatibilityLevel\":\"FULL\"}")));
        wm.stubFor(get(urlEqualTo("/config")).willReturn(okJson("{\"compatibilityLevel\":\"BACKWARD\"}")));
        wm.stubFor(put(urlEqualTo("/config/s")).withRequestBody(equalToJson("{\"compatibility\":\"NONE\"}"))
                .willReturn(okJson("{\"compatibility\":\"NONE\"}")));
        wm.stubFor(post(urlEqualTo("/compatibility/subjects/s/versions/latest")).willReturn(okJson("{\"is_compatible\":false}")));
        assertEquals(Compatibility.FULL, client.compatibility("s"));
        assertEquals(Compatibility.BACKWARD, client.compatibility(null));
        client.setCompatibility("s", Compatibility.NONE);
        wm.verify(1, com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor(urlEqualTo("/config/s")));
        assertEquals(false, client.isCompatible("s", SCHEMA));
    }

    @Test
    void sendsBasicAndBearerAuth() {
        wm.stubFor(get(urlEqualTo("/subjects")).willReturn(okJson("[]")));
        SchemaRegistryClient.builder().url(wm.baseUrl()).basicAuth("alice", "s3cret").build().subjects();
        wm.verify(getRequestedFor(urlEqualTo("/subjects")).withHeader("Authorization", equalTo("Basic YWxpY2U6czNjcmV0")));
        int[] n = {0};
        SchemaRegistryClient bearer = SchemaRegistryClient.builder().url(wm.baseUrl()).bearerToken(() -> "tok" + n[0]++).build();
        bearer.subjects();
        bearer.subjects();
        wm.verify(getRequestedFor(urlEqualTo("/subjects")).withHeader("Authorization", equalTo("Bearer tok0")));
        wm.verify(getRequestedFor(urlEqualTo("/subjects")).withHeader("Authorization", equalTo("Bearer tok1")));
    }

    @Test
    void fourHundredsAreTypedFinalAndNameUrlAndSubject() {
        wm.stubFor(get(urlEqualTo("/subjects/nope/versions/latest")).willReturn(aResponse().withStatus(404)
                .withBody("{\"error_code\":40401,\"message\":\"Subject 'nope' not found.\"}")));
        wm.stubFor(post(urlEqualTo("/subjects/s/versions")).willReturn(aResponse().withStatus(409)
                .withBody("{\"error_code\":409,\"message\":\"Schema being registered is incompatible\"}")));
        wm.stubFor(post(urlEqualTo("/subjects/bad/versions")).willReturn(aResponse().withStatus(422)
                .withBody("{\"error_code\":42201,\"message\":\"Invalid schema\"}")));
        SchemaRegistryException notFound = assertThrows(SchemaRegistryException.class, () -> client.latest("nope"));
        assertEquals(SchemaRegistryException.Kind.SUBJECT_NOT_FOUND, notFound.kind());
        assertTrue(notFound.getMessage().contains(wm.baseUrl()) && notFound.getMessage().contains("subject nope"),
                notFound.getMessage());
        assertEquals(SchemaRegistryException.Kind.INCOMPATIBLE_SCHEMA,
                assertThrows(SchemaRegistryException.class, () -> client.register("s", SCHEMA)).kind());
        assertEquals(SchemaRegistryException.Kind.INVALID_SCHEMA,
                assertThrows(SchemaRegistryException.class, () -> client.register("bad", "{")).kind());
        wm.verify(1, getRequestedFor(urlEqualTo("/subjects/nope/versions/latest")));
    }

    @Test
    void requestTimeout408IsRetriedAsATimeout() {
        // HTTP says a 408's request may be repeated; Confluent's clients retry it (408, 429, 500, 502, 503, 504)
        wm.stubFor(get(urlEqualTo("/schemas/ids/9")).inScenario("408").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(408)).willSetStateTo("ok"));
        wm.stubFor(get(urlEqualTo("/schemas/ids/9")).inScenario("408").whenScenarioStateIs("ok")
                .willReturn(okJson("{\"schema\":" + quote(SCHEMA) + "}")));
        assertEquals(SCHEMA, client.schemaById(9).schema());
        wm.verify(2, getRequestedFor(urlEqualTo("/schemas/ids/9")));

        wm.stubFor(get(urlEqualTo("/subjects")).willReturn(aResponse().withStatus(408)));
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.subjects());
        assertEquals(SchemaRegistryException.Kind.TIMEOUT, e.kind(), e.getMessage());
        assertTrue(e.isRetriable());
        wm.verify(3, getRequestedFor(urlEqualTo("/subjects")));
    }

    @Test
    void invalidVersionAndInvalidCompatibilityLevelAreNamedAsSuchNotAsInvalidSchemas() {
        // Confluent's error codes (rest.exceptions.Errors): 42202 invalid version, 42203 invalid compatibility level
        wm.stubFor(get(urlEqualTo("/subjects/s/versions/0")).willReturn(aResponse().withStatus(422)
                .withBody("{\"error_code\":42202,\"message\":\"The specified version '0' is not a valid version id.\"}")));
        wm.stubFor(put(urlEqualTo("/config/s")).willReturn(aResponse().withStatus(422)
                .withBody("{\"error_code\":42203,\"message\":\"Invalid compatibility level\"}")));
        SchemaRegistryException version = assertThrows(SchemaRegistryException.class, () -> client.version("s", 0));
        assertEquals(SchemaRegistryException.Kind.INVALID_VERSION, version.kind(), version.getMessage());
        assertTrue(version.getMessage().contains("not a version number"), version.getMessage());
        SchemaRegistryException level = assertThrows(SchemaRegistryException.class,
                () -> client.setCompatibility("s", Compatibility.FULL));
        assertEquals(SchemaRegistryException.Kind.INVALID_COMPATIBILITY_LEVEL, level.kind(), level.getMessage());
        assertTrue(!level.getMessage().contains("cannot parse the schema"), level.getMessage());
        assertEquals(42203, level.registryErrorCode());
    }

    @Test
    void fiveHundredsAreRetried() {
        wm.stubFor(get(urlEqualTo("/schemas/ids/9")).inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("ok"));
        wm.stubFor(get(urlEqualTo("/schemas/ids/9")).inScenario("flaky").whenScenarioStateIs("ok")
                .willReturn(okJson("{\"schema\":" + quote(SCHEMA) + "}")));
        assertEquals(SCHEMA, client.schemaById(9).schema());
        wm.verify(2, getRequestedFor(urlEqualTo("/schemas/ids/9")));

        wm.stubFor(get(urlEqualTo("/subjects")).willReturn(aResponse().withStatus(500)
                .withBody("{\"error_code\":50001,\"message\":\"store error\"}")));
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.subjects());
        assertEquals(SchemaRegistryException.Kind.SERVER_ERROR, e.kind());
        assertTrue(e.isRetriable());
        wm.verify(3, getRequestedFor(urlEqualTo("/subjects")));
    }

    @Test
    void slowAnswersTimeOut() {
        wm.stubFor(get(urlEqualTo("/subjects")).willReturn(okJson("[]").withFixedDelay(2_000)));
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client.subjects());
        assertEquals(SchemaRegistryException.Kind.TIMEOUT, e.kind());
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
    }

    @Test
    void anUnreachableRegistryIsReported() {
        int port = wm.port();
        wm.stop();
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> SchemaRegistryClient.builder()
                .url("http://127.0.0.1:" + port).retries(1, Duration.ofMillis(1)).build().subjects());
        assertEquals(SchemaRegistryException.Kind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
