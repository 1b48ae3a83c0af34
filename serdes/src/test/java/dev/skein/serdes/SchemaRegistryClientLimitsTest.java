package dev.skein.serdes;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.skein.core.errors.ConfigException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every wait on the registry has an end; bad options fail at build naming the key. */
class SchemaRegistryClientLimitsTest {
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

    @Test
    void aBodyThatTricklesInIsCutOffAtTheTimeoutNotWaitedFor() {
        // headers at once, then the body over 5 s: the per-attempt timeout must cover the body too
        wm.stubFor(get(urlEqualTo("/subjects")).willReturn(okJson("[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]")
                .withChunkedDribbleDelay(5, 5_000)));
        SchemaRegistryClient c = SchemaRegistryClient.builder().url(wm.baseUrl()).timeout(Duration.ofMillis(300))
                .retries(0, Duration.ZERO).build();
        long start = System.nanoTime();
        SchemaRegistryException e = assertThrows(SchemaRegistryException.class, c::subjects);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(SchemaRegistryException.Kind.TIMEOUT, e.kind(), e.getMessage());
        assertTrue(tookMs < 2_000, "gave up after " + tookMs + " ms");
    }

    @Test
    void anOutageServesTheLastKnownLatestInsteadOfFailingEveryRecord() {
        String latest = "{\"subject\":\"s\",\"version\":2,\"id\":7,\"schema\":\"\\\"int\\\"\"}";
        wm.stubFor(get(urlEqualTo("/subjects/s/versions/latest")).willReturn(okJson(latest)));
        SchemaRegistryClient c = SchemaRegistryClient.builder().url(wm.baseUrl()).latestCacheTtl(Duration.ZERO)
                .retries(0, Duration.ZERO).build();
        assertEquals(7, c.latest("s").id());
        wm.stubFor(get(urlEqualTo("/subjects/s/versions/latest")).willReturn(aResponse().withStatus(503)));
        assertEquals(7, c.latest("s").id(), "the registry is down: the last answer stands");
        wm.stubFor(get(urlEqualTo("/subjects/s/versions/latest")).willReturn(aResponse().withStatus(404)
                .withBody("{\"error_code\":40401,\"message\":\"Subject 's' not found.\"}")));
        assertEquals(SchemaRegistryException.Kind.SUBJECT_NOT_FOUND,
                assertThrows(SchemaRegistryException.class, () -> c.latest("s")).kind(), "an answer is not an outage");
    }

    @Test
    void anAnswerLargerThanTheCapFailsTypedInsteadOfBeingBuffered() {
        // Valid JSON, so that only the size is wrong: 17 MiB, past the 16 MiB cap
        String huge = "[\"" + "x".repeat(17 << 20) + "\"]";
        wm.stubFor(get(urlEqualTo("/subjects")).willReturn(okJson(huge)));
        wm.stubFor(get(urlEqualTo("/subjects/s/versions")).willReturn(okJson(huge).withChunkedDribbleDelay(17, 100)));
        SchemaRegistryClient c = SchemaRegistryClient.builder().url(wm.baseUrl()).retries(2, Duration.ZERO).build();
        SchemaRegistryException sized = assertThrows(SchemaRegistryException.class, c::subjects, "with a Content-Length");
        assertEquals(SchemaRegistryException.Kind.RESPONSE_TOO_LARGE, sized.kind(), sized.getMessage());
        assertTrue(sized.getMessage().contains("16 MiB"), sized.getMessage());
        SchemaRegistryException streamed = assertThrows(SchemaRegistryException.class, () -> c.versions("s"), "chunked");
        assertEquals(SchemaRegistryException.Kind.RESPONSE_TOO_LARGE, streamed.kind(), streamed.getMessage());
        wm.verify(1, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlEqualTo("/subjects")));
    }

    @Test
    void timeoutsAndBackoffsThatCannotWorkFailAtBuildNamingTheKey() {
        assertEquals("retries.wait.ms", assertThrows(ConfigException.class, () -> SchemaRegistryClient.builder()
                .url(wm.baseUrl()).retries(1, Duration.ofMillis(-1)).build()).key());
        assertEquals("http.read.timeout.ms", assertThrows(ConfigException.class, () -> SchemaRegistryClient.builder()
                .url(wm.baseUrl()).timeout(Duration.ZERO).build()).key());
        assertEquals("max.retries", assertThrows(ConfigException.class, () -> SchemaRegistryClient.builder()
                .url(wm.baseUrl()).retries(-1, Duration.ZERO).build()).key());
        assertEquals("latest.cache.ttl.sec", assertThrows(ConfigException.class, () -> SchemaRegistryClient.builder()
                .url(wm.baseUrl()).latestCacheTtl(Duration.ofSeconds(-1)).build()).key());
        assertEquals("max.schemas.per.subject", assertThrows(ConfigException.class, () -> SchemaRegistryClient.builder()
                .url(wm.baseUrl()).cacheCapacity(0).build()).key());
    }
}
