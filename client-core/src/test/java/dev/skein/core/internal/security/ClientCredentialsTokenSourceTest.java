package dev.skein.core.internal.security;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.security.OAuthBearerLoginOptions;
import dev.skein.core.security.OAuthBearerToken;
import dev.skein.core.security.Secret;
import dev.skein.testkit.TestCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.Base64;
import java.util.Queue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client-credentials grant against a local https endpoint that answers what each test queues. */
class ClientCredentialsTokenSourceTest {
    private static final String SECRET = "client-Secret-99";
    private final Queue<Answer> answers = new ConcurrentLinkedQueue<>();
    private final Queue<String> forms = new ConcurrentLinkedQueue<>();
    private HttpsServer server;
    private volatile CountDownLatch hold;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private SSLContext trust;

    private record Answer(int status, String body) {}

    @BeforeEach
    void start() throws Exception {
        TestCertificates certs = TestCertificates.shared();
        char[] pass = TestCertificates.PASSWORD.toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certs.brokerKeyStore())) {
            keys.load(in, pass);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, pass);
        SSLContext serverTls = SSLContext.getInstance("TLS");
        serverTls.init(kmf.getKeyManagers(), null, null);
        KeyStore cas = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certs.trustStore())) {
            cas.load(in, pass);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(cas);
        trust = SSLContext.getInstance("TLS");
        trust.init(null, tmf.getTrustManagers(), null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        server.createContext("/token", exchange -> {
            forms.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            CountDownLatch h = hold;
            if (h != null) {
                try {
                    h.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            Answer a = answers.poll();
            byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(a.status(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(executor);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    private ClientCredentialsTokenSource source(String scope) {
        return new ClientCredentialsTokenSource(URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/token"),
                "app", Secret.of(SECRET), scope, trust);
    }

    private static String token(Duration lifetime) {
        return Jwt.unsecured("app", lifetime).value().reveal();
    }

    private static Throwable failure(ClientCredentialsTokenSource source) {
        CompletionException e = assertThrows(CompletionException.class, () -> source.token().orTimeout(30, TimeUnit.SECONDS).join());
        assertFalse(e.getCause().getMessage().contains(SECRET), e.getCause().getMessage());
        return e.getCause();
    }

    @Test
    void anEndpointThatIsDownForAMomentIsARetriableErrorAndAskedAgain() {
        // RFC 6749 section 5.2 errors are 400/401 answers; a 5xx, a 429 or a 408 says the endpoint cannot
        // answer now. Making it an AuthenticationException would stop the client for good.
        ClientCredentialsTokenSource source = onClock(OAuthBearerLoginOptions.defaults());
        for (int status : new int[] {503, 500, 429, 408}) {
            answers.add(new Answer(status, "{\"error\":\"temporarily_unavailable\"}"));
            NetworkException e = assertInstanceOf(NetworkException.class, failure(source), "HTTP " + status);
            assertTrue(e.isRetriable(), "HTTP " + status);
            assertTrue(e.getMessage().contains("HTTP " + status), e.getMessage());
            clock.advance(Duration.ofSeconds(13)); // past sasl.login.retry.backoff.max.ms (10 s) + 20%
        }
        String jwt = token(Duration.ofMinutes(5));
        answers.add(new Answer(200, "{\"access_token\":\"" + jwt + "\",\"token_type\":\"bearer\",\"expires_in\":300}"));
        OAuthBearerToken t = source.token().orTimeout(30, TimeUnit.SECONDS).join();
        assertEquals(jwt, t.value().reveal());
    }

    @Test
    void anEndpointUrlHoldingCredentialsIsRefusedWithoutQuotingThem() {
        // The endpoint is named in every error message and log line about the token: a password in its
        // user-info part would be printed with it.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ClientCredentialsTokenSource(
                URI.create("https://app:" + SECRET + "@idp.example/token"), "app", Secret.of(SECRET), null, trust));
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        assertTrue(e.getMessage().contains("user"), e.getMessage());
    }

    @Test
    void aRefusalIsAnAuthenticationErrorNamingTheOAuthError() {
        answers.add(new Answer(401, "{\"error\":\"invalid_client\",\"error_description\":\"bad secret\"}"));
        AuthenticationException e = assertInstanceOf(AuthenticationException.class, failure(source("kafka")));
        assertTrue(e.getMessage().contains("HTTP 401 (invalid_client)"), e.getMessage());
        assertEquals("grant_type=client_credentials&scope=kafka", forms.poll());
    }

    @Test
    void aTokenWithoutExpIsRefusedRatherThanKeptForEver() {
        // Without exp (and without expires_in) the token was cached with no end; Kafka's login refuses it.
        String noExp = jwt("{\"sub\":\"app\"}");
        answers.add(new Answer(200, "{\"access_token\":\"" + noExp + "\",\"token_type\":\"bearer\"}"));
        AuthenticationException e = assertInstanceOf(AuthenticationException.class, failure(source(null)));
        assertTrue(e.getMessage().contains("exp"), e.getMessage());
        assertFalse(e.getMessage().contains(noExp), e.getMessage());
    }

    @Test
    void theTokensLifeEndsAtTheEarlierOfExpAndExpiresIn() {
        // The broker judges the token by exp; expires_in is the endpoint's word, immune to clock differences.
        long now = Instant.now().getEpochSecond();
        String shortExp = jwt("{\"sub\":\"app\",\"iat\":" + now + ",\"exp\":" + (now + 60) + "}");
        answers.add(new Answer(200, "{\"access_token\":\"" + shortExp + "\",\"expires_in\":3600}"));
        assertEquals(Instant.ofEpochSecond(now + 60), source(null).token().orTimeout(30, TimeUnit.SECONDS).join().expiresAt());
        String longExp = jwt("{\"sub\":\"app\",\"iat\":" + now + ",\"exp\":" + (now + 7200) + "}");
        answers.add(new Answer(200, "{\"expires_in\":\"120\",\"access_token\":\"" + longExp + "\"}"));
        Instant before = Instant.now();
        Instant expires = source(null).token().orTimeout(30, TimeUnit.SECONDS).join().expiresAt();
        assertTrue(!expires.isBefore(before.plusSeconds(119)) && !expires.isAfter(Instant.now().plusSeconds(120)),
                expires::toString);
    }

    @Test
    void onlyTheAnswersTopLevelAccessTokenCounts() {
        // An error_description quoting a JSON fragment is not the token.
        String jwt = token(Duration.ofMinutes(5));
        answers.add(new Answer(200, "{\"note\":{\"access_token\":\"decoy\"},\"access_token\":\"" + jwt
                + "\",\"expires_in\":300}"));
        assertEquals(jwt, source(null).token().orTimeout(30, TimeUnit.SECONDS).join().value().reveal());
        answers.add(new Answer(200, "{\"access_token\":42}"));
        assertInstanceOf(AuthenticationException.class, failure(source(null)));
    }

    private static String jwt(String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".";
    }

    /** A clock the test moves; it starts at the real time, so tokens it stamps pass the expiry check. */
    private static final class ManualClock extends Clock {
        private volatile Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private final ManualClock clock = new ManualClock();

    private ClientCredentialsTokenSource onClock(OAuthBearerLoginOptions login) {
        return new ClientCredentialsTokenSource(URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/token"),
                "app", Secret.of(SECRET), null, trust, login, clock);
    }

    /** Queues a token living {@code lifetime} from the manual clock's now, with expires_in to match. */
    private String answerToken(Duration lifetime) {
        long now = clock.instant().getEpochSecond();
        String jwt = jwt("{\"sub\":\"app\",\"iat\":" + now + ",\"exp\":" + (now + lifetime.toSeconds()) + "}");
        answers.add(new Answer(200, "{\"access_token\":\"" + jwt + "\",\"expires_in\":" + lifetime.toSeconds() + "}"));
        return jwt;
    }

    private static String take(ClientCredentialsTokenSource source) {
        return source.token().orTimeout(30, TimeUnit.SECONDS).join().value().reveal();
    }

    private static OAuthBearerLoginOptions.Builder noJitter() {
        return OAuthBearerLoginOptions.builder().refreshWindowJitter(0);
    }

    @Test
    void theRefreshComesAtTheWindowFactorOfTheLifetime() {
        // sasl.login.refresh.window.factor=0.5 on a one-hour token: a new one after 30 minutes, not 48.
        ClientCredentialsTokenSource source = onClock(noJitter().refreshWindowFactor(0.5).build());
        String first = answerToken(Duration.ofHours(1));
        assertEquals(first, take(source));
        clock.advance(Duration.ofMinutes(30).minusSeconds(1));
        assertEquals(first, take(source));
        assertEquals(1, forms.size());
        clock.advance(Duration.ofSeconds(1));
        String second = answerToken(Duration.ofHours(1));
        assertEquals(second, take(source));
        assertEquals(2, forms.size());
    }

    @Test
    void theRefreshLeavesTheBufferBeforeExpiry() {
        // 80% of 1000 s would leave 200 s; sasl.login.refresh.buffer.seconds (300) asks for a refresh at 700 s.
        ClientCredentialsTokenSource source = onClock(noJitter().build());
        String first = answerToken(Duration.ofSeconds(1000));
        assertEquals(first, take(source));
        clock.advance(Duration.ofSeconds(699));
        assertEquals(first, take(source));
        clock.advance(Duration.ofSeconds(1));
        String second = answerToken(Duration.ofSeconds(1000));
        assertEquals(second, take(source));
        assertEquals(2, forms.size());
    }

    @Test
    void noRefreshSoonerThanTheMinimumPeriod() {
        // 80% of 70 s is 56 s; sasl.login.refresh.min.period.seconds (60) holds the token until 60 s.
        ClientCredentialsTokenSource source = onClock(noJitter().refreshBuffer(Duration.ZERO).build());
        String first = answerToken(Duration.ofSeconds(70));
        assertEquals(first, take(source));
        clock.advance(Duration.ofSeconds(59));
        assertEquals(first, take(source));
        assertEquals(1, forms.size());
        clock.advance(Duration.ofSeconds(1));
        String second = answerToken(Duration.ofSeconds(70));
        assertEquals(second, take(source));
    }

    @Test
    void aTokenTooShortForMinimumPeriodAndBufferIsRefreshedAtTheFactorAlone() {
        // 100 s < 60 s + 300 s: Kafka ignores both and refreshes at 80 s.
        ClientCredentialsTokenSource source = onClock(noJitter().build());
        String first = answerToken(Duration.ofSeconds(100));
        assertEquals(first, take(source));
        clock.advance(Duration.ofSeconds(79));
        assertEquals(first, take(source));
        clock.advance(Duration.ofSeconds(1));
        String second = answerToken(Duration.ofSeconds(100));
        assertEquals(second, take(source));
    }

    @Test
    void concurrentAskersPastTheRefreshPointShareOneFetch() throws Exception {
        ClientCredentialsTokenSource source = onClock(noJitter().build());
        String first = answerToken(Duration.ofHours(1));
        assertEquals(first, take(source));
        clock.advance(Duration.ofMinutes(48));
        hold = new CountDownLatch(1);
        String second = answerToken(Duration.ofHours(1));
        List<CompletableFuture<OAuthBearerToken>> asks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            asks.add(source.token());
        }
        for (CompletableFuture<OAuthBearerToken> a : asks) {
            assertFalse(a.isDone(), "handed a token past its refresh point");
        }
        hold.countDown();
        for (CompletableFuture<OAuthBearerToken> a : asks) {
            assertEquals(second, a.orTimeout(30, TimeUnit.SECONDS).join().value().reveal());
        }
        assertEquals(2, forms.size());
    }

    @Test
    void theClockSkewAndPrincipalClaimSettingsApply() {
        // A token that expired 10 s ago passes the default 30 s of skew, not sasl.oauthbearer.clock.skew.seconds=5.
        long now = clock.instant().getEpochSecond();
        String stale = jwt("{\"sub\":\"app\",\"exp\":" + (now - 10) + "}");
        answers.add(new Answer(200, "{\"access_token\":\"" + stale + "\"}"));
        AuthenticationException e = assertInstanceOf(AuthenticationException.class,
                failure(onClock(OAuthBearerLoginOptions.builder().clockSkew(Duration.ofSeconds(5)).build())));
        assertTrue(e.getMessage().contains("expired"), e.getMessage());
        // sasl.oauthbearer.sub.claim.name: an identity provider naming the principal in client_id.
        String clientIdOnly = jwt("{\"client_id\":\"app\",\"exp\":" + (now + 3600) + "}");
        answers.add(new Answer(200, "{\"access_token\":\"" + clientIdOnly + "\"}"));
        assertEquals(clientIdOnly, take(onClock(OAuthBearerLoginOptions.builder().subClaimName("client_id").build())));
    }

    @Test
    void aFailingEndpointIsAskedAgainOnlyAfterTheRetryBackoff() {
        // sasl.login.retry.backoff.ms doubling per failure up to sasl.login.retry.backoff.max.ms, +/-20%:
        // connections that ask in between fail at once, retriably, and the endpoint is not asked.
        ClientCredentialsTokenSource source = onClock(OAuthBearerLoginOptions.builder()
                .retryBackoff(Duration.ofSeconds(10), Duration.ofSeconds(25)).build());
        answers.add(new Answer(503, "{}"));
        assertInstanceOf(NetworkException.class, failure(source));
        clock.advance(Duration.ofSeconds(7)); // under 10 s - 20%
        NetworkException waiting = assertInstanceOf(NetworkException.class, failure(source));
        assertTrue(waiting.isRetriable());
        assertTrue(waiting.getMessage().contains("sasl.login.retry.backoff.ms"), waiting.getMessage());
        assertEquals(1, forms.size());
        clock.advance(Duration.ofSeconds(5)); // past 10 s + 20%: asked again, and it fails again
        answers.add(new Answer(500, "{}"));
        assertInstanceOf(NetworkException.class, failure(source));
        assertEquals(2, forms.size());
        clock.advance(Duration.ofSeconds(15)); // the second wait is 20 s - 20% or more
        assertInstanceOf(NetworkException.class, failure(source));
        assertEquals(2, forms.size());
        clock.advance(Duration.ofSeconds(16)); // past the cap of 25 s + 20% since the failure
        String jwt = answerToken(Duration.ofHours(1));
        assertEquals(jwt, take(source));
        assertEquals(3, forms.size());
    }

    @Test
    void aRefreshThatFailsHandsOutTheTokenStillValidUntilItExpires() {
        // As Kafka's login keeps the credential it has while its refresh retries: an identity provider down
        // after the refresh point must not fail new connections and re-authentications while the token
        // the broker would still accept is at hand.
        ClientCredentialsTokenSource source = onClock(noJitter().refreshWindowFactor(0.5).build());
        String first = answerToken(Duration.ofHours(1));
        assertEquals(first, take(source));
        clock.advance(Duration.ofMinutes(31)); // past the refresh point
        answers.add(new Answer(503, "{}"));
        assertEquals(first, take(source), "the refresh failed; the valid token is handed out");
        assertEquals(2, forms.size());
        clock.advance(Duration.ofMillis(50)); // within the retry backoff: not asked, the valid token again
        assertEquals(first, take(source));
        assertEquals(2, forms.size());
        answers.add(new Answer(401, "{\"error\":\"invalid_client\"}"));
        clock.advance(Duration.ofSeconds(1)); // past the backoff: asked again, refused, still within its life
        assertEquals(first, take(source));
        assertEquals(3, forms.size());
        clock.advance(Duration.ofMinutes(29)); // past exp: nothing valid is left, the failure shows
        answers.add(new Answer(503, "{}"));
        assertInstanceOf(NetworkException.class, failure(source));
        String second = answerToken(Duration.ofHours(1));
        clock.advance(Duration.ofSeconds(13));
        assertEquals(second, take(source));
    }

    @Test
    void anEndpointSlowerThanTheReadTimeoutFailsRetriablyInTime() {
        // sasl.login.read.timeout.ms: the answer must come within it (it was 10 s, whatever was set).
        ClientCredentialsTokenSource source = onClock(OAuthBearerLoginOptions.builder()
                .timeouts(Duration.ofSeconds(5), Duration.ofMillis(300)).build());
        hold = new CountDownLatch(1);
        answerToken(Duration.ofHours(1));
        try {
            CompletionException e = assertThrows(CompletionException.class,
                    () -> source.token().orTimeout(5, TimeUnit.SECONDS).join());
            NetworkException n = assertInstanceOf(NetworkException.class, e.getCause());
            assertTrue(n.isRetriable());
            assertTrue(n.getMessage().contains("timed out"), n.getMessage());
        } finally {
            hold.countDown();
        }
    }
}
