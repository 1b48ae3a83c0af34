package dev.skein.core.internal.security;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.internal.Backoff;
import dev.skein.core.security.OAuthBearerLoginOptions;
import dev.skein.core.security.OAuthBearerToken;
import dev.skein.core.security.OAuthBearerTokenSource;
import dev.skein.core.security.Secret;

import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLContext;

/**
 * The OAuth 2 client-credentials grant: POSTs {@code grant_type=client_credentials} with HTTP Basic
 * client authentication to an https token endpoint and reads {@code access_token} and
 * {@code expires_in} from the JSON answer (top-level members only, {@link JsonReader}). The token is
 * checked as Kafka's login checks it ({@link Jwt}: {@code exp} required, {@code sub} a string, not
 * expired); one it would refuse is an {@link AuthenticationException}. Its life ends at the earlier of
 * its {@code exp} and {@code expires_in}. Redirects are not followed. Messages never quote the secret
 * or the token.
 *
 * <p>A token is reused until its refresh point ({@link TokenRefresh}: KIP-255's
 * {@code sasl.login.refresh.*} settings in {@link OAuthBearerLoginOptions}); the first caller after it
 * starts the one request that concurrent callers share. The refresh is lazy: a connection that
 * authenticates or re-authenticates (KIP-368, at 85-95% of a session the broker ends by the token's
 * expiry) asks, and waits for the new token within its {@code socket.connection.setup.timeout.ms}; no
 * thread or timer outlives the client.
 *
 * <p>An endpoint that cannot be reached, does not answer within {@code sasl.login.connect.timeout.ms}
 * and {@code sasl.login.read.timeout.ms}, or cannot answer now (HTTP 5xx, 429, 408) fails the call
 * with a retriable {@link NetworkException}; a refusal (any other status) with an
 * {@link AuthenticationException}. After a failed request the endpoint is not asked again before the
 * retry backoff ({@code sasl.login.retry.backoff.ms} doubling per failure in a row up to
 * {@code sasl.login.retry.backoff.max.ms}, +/-20%); callers in between fail at once with the last
 * refusal, or with a retriable {@link NetworkException}. While the last token has not expired, though,
 * a failed refresh hands it out instead, as Kafka's login keeps its credential while it retries.
 */
public final class ClientCredentialsTokenSource implements OAuthBearerTokenSource {

    private final URI endpoint;
    private final String clientId;
    private final Secret clientSecret;
    private final String scope;
    private final HttpClient http;
    private final OAuthBearerLoginOptions login;
    private final Clock clock;
    private OAuthBearerToken token; // guarded by this: the last token fetched, or null
    private Instant refreshAt = Instant.MIN; // guarded by this: from then on, token is handed out only if a refresh fails
    private CompletableFuture<OAuthBearerToken> fetching; // guarded by this: the fetch in flight, or null
    private int failures; // guarded by this: fetches failed in a row
    private Throwable lastFailure; // guarded by this: the last one's error
    private Instant retryAt = Instant.MIN; // guarded by this: no fetch starts before it

    /** A token and when it is due for refresh. */
    private record Fetched(OAuthBearerToken token, Instant refreshAt) {}

    /**
     * @param ssl trust for the endpoint's certificate, or null for the JVM's default
     * @throws IllegalArgumentException when the endpoint is not an absolute https URL, or holds user credentials
     */
    public ClientCredentialsTokenSource(URI endpoint, String clientId, Secret clientSecret, String scope, SSLContext ssl) {
        this(endpoint, clientId, clientSecret, scope, ssl, OAuthBearerLoginOptions.defaults());
    }

    /** As above, refreshing and checking tokens as {@code login} says. */
    public ClientCredentialsTokenSource(URI endpoint, String clientId, Secret clientSecret, String scope, SSLContext ssl,
                                        OAuthBearerLoginOptions login) {
        this(endpoint, clientId, clientSecret, scope, ssl, login, Clock.systemUTC());
    }

    /** As above, on {@code clock}: tests drive refresh times with a manual one. */
    ClientCredentialsTokenSource(URI endpoint, String clientId, Secret clientSecret, String scope, SSLContext ssl,
                                 OAuthBearerLoginOptions login, Clock clock) {
        if (endpoint != null && endpoint.getRawUserInfo() != null) {
            // Checked first: the messages below and every later one name the endpoint.
            throw new IllegalArgumentException("the token endpoint URL must not hold user credentials (user:password@);"
                    + " the client id and secret are sent in the Authorization header");
        }
        if (endpoint == null || !"https".equalsIgnoreCase(endpoint.getScheme()) || endpoint.getHost() == null) {
            throw new IllegalArgumentException("the token endpoint must be an https URL, was " + endpoint);
        }
        if (clientId == null || clientId.isEmpty() || clientSecret == null) {
            throw new IllegalArgumentException("the client-credentials grant needs a client id and a client secret");
        }
        this.endpoint = endpoint;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.scope = scope;
        this.login = Objects.requireNonNull(login, "login");
        this.clock = Objects.requireNonNull(clock, "clock");
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(login.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.http = b.build();
    }

    /**
     * The token fetched last while it is before its refresh point; past it (or before the first), the one
     * fetch in flight, started by the first caller to find none. Callers receive a token past its refresh
     * point only when the fetch that was to replace it failed (or the retry backoff holds the next one
     * back) and it has not expired. Each caller gets its own future: completing or cancelling it does not
     * touch the others'.
     */
    @Override
    public CompletableFuture<OAuthBearerToken> token() {
        synchronized (this) {
            Instant now = clock.instant();
            if (token != null && now.isBefore(refreshAt)) {
                return CompletableFuture.completedFuture(token);
            }
            OAuthBearerToken valid = token != null && now.isBefore(token.expiresAt()) ? token : null;
            // A fetch that failed at once may have finished before it was assigned: start another.
            if (fetching == null || fetching.isDone()) {
                if (now.isBefore(retryAt)) {
                    return valid != null ? CompletableFuture.completedFuture(valid)
                            : CompletableFuture.failedFuture(backingOff(now));
                }
                fetching = fetch().handle((fetched, error) -> fetched(fetched, error));
            }
            CompletableFuture<OAuthBearerToken> mine = fetching.copy();
            return valid == null ? mine : mine.exceptionallyCompose(e -> stillValid(valid, e));
        }
    }

    /**
     * A refresh failed while the token it was to replace is still valid: that token, until it expires.
     * Kafka's login likewise keeps the credential it has while its refresh retries, so an identity
     * provider that is down (or refuses) after the refresh point fails no connection before the token
     * itself would be refused.
     */
    private CompletableFuture<OAuthBearerToken> stillValid(OAuthBearerToken valid, Throwable error) {
        return clock.instant().isBefore(valid.expiresAt()) ? CompletableFuture.completedFuture(valid)
                : CompletableFuture.failedFuture(error);
    }

    /** Keeps a fetched token, or counts the failure and sets when the endpoint may be asked again. */
    private OAuthBearerToken fetched(Fetched fetched, Throwable error) {
        synchronized (this) {
            fetching = null;
            if (error == null) {
                token = fetched.token();
                refreshAt = fetched.refreshAt();
                failures = 0;
                lastFailure = null;
                retryAt = Instant.MIN;
                return token;
            }
            failures++;
            lastFailure = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            retryAt = clock.instant().plusNanos(Backoff.nanos(failures, login.retryBackoff(), login.retryBackoffMax()));
        }
        throw error instanceof CompletionException c ? c : new CompletionException(error);
    }

    /**
     * Why a caller gets no token during the retry backoff: a refusal stays a refusal; anything else is
     * retriable, so that the connection is tried again after its own backoff.
     */
    private Throwable backingOff(Instant now) {
        if (lastFailure instanceof AuthenticationException) {
            return lastFailure;
        }
        return new NetworkException("the OAuth token endpoint " + endpoint + " failed " + failures + " time(s) in a"
                + " row; asked again in " + Duration.between(now, retryAt).toMillis() + " ms (sasl.login.retry.backoff.ms,"
                + " sasl.login.retry.backoff.max.ms): " + lastFailure.getMessage(), lastFailure, true);
    }

    private CompletableFuture<Fetched> fetch() {
        String form = "grant_type=client_credentials"
                + (scope == null || scope.isBlank() ? "" : "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8));
        String basic = Base64.getEncoder().encodeToString((URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(clientSecret.reveal(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(login.readTimeout())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        Instant asked = clock.instant();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable c = error.getCause() != null ? error.getCause() : error;
                        throw new NetworkException("cannot reach the OAuth token endpoint " + endpoint + ": " + c, c, true);
                    }
                    return parse(response, asked);
                });
    }

    private Fetched parse(HttpResponse<String> response, Instant asked) {
        String body = response.body() == null ? "" : response.body();
        Map<String, Object> answer;
        try {
            answer = JsonReader.object(body);
        } catch (IllegalArgumentException e) {
            answer = null;
        }
        if (response.statusCode() != 200) {
            String error = answer != null && answer.get("error") instanceof String e && e.length() <= 200
                    ? " (" + e + ")" : "";
            if (transientStatus(response.statusCode())) {
                throw new NetworkException("the OAuth token endpoint " + endpoint + " cannot answer now: HTTP "
                        + response.statusCode() + error, null, true);
            }
            throw new AuthenticationException("the OAuth token endpoint " + endpoint + " refused client " + clientId
                    + " with HTTP " + response.statusCode() + error, (Throwable) null);
        }
        if (answer == null || !(answer.get("access_token") instanceof String jwt) || jwt.isEmpty()) {
            throw new AuthenticationException("the OAuth token endpoint " + endpoint + " answered without an access_token"
                    + (answer == null ? " (the answer is not a JSON object)" : ""), (Throwable) null);
        }
        Jwt.Claims claims;
        try {
            claims = Jwt.validate(jwt, login.subClaimName(), clock.instant(), login.clockSkew());
        } catch (IllegalArgumentException e) {
            throw new AuthenticationException("the OAuth token endpoint " + endpoint + " answered a token Kafka's"
                    + " login would refuse: " + e.getMessage(), (Throwable) null);
        }
        // The broker judges the token by exp; expires_in is the endpoint's own word, immune to a difference
        // between its clock and ours: the token ends at the earlier of the two.
        Instant expires = claims.expiresAt();
        Long expiresIn = seconds(answer.get("expires_in"));
        if (expiresIn != null && asked.plusSeconds(expiresIn).isBefore(expires)) {
            expires = asked.plusSeconds(expiresIn);
        }
        return new Fetched(new OAuthBearerToken(Secret.of(jwt), expires),
                TokenRefresh.at(asked, expires, login, ThreadLocalRandom.current().nextDouble()));
    }

    /** {@code expires_in}: a number of seconds, or (as some endpoints send it) a string of digits; else null. */
    private static Long seconds(Object v) {
        try {
            if (v instanceof BigDecimal n && n.signum() >= 0) {
                return n.longValueExact();
            }
            if (v instanceof String s && s.matches("\\d{1,12}")) {
                return Long.parseLong(s);
            }
        } catch (ArithmeticException e) {
            // a fraction or out of range: ignored, exp stands
        }
        return null;
    }

    /**
     * A server error, 429 Too Many Requests or 408 Request Timeout: the endpoint cannot answer now, and
     * asking again later may succeed. Other statuses (RFC 6749 section 5.2's 400 and 401) refuse the client.
     */
    private static boolean transientStatus(int status) {
        return status >= 500 || status == 429 || status == 408;
    }

    @Override
    public String toString() {
        return "ClientCredentialsTokenSource(" + endpoint + ", client=" + clientId + ")";
    }
}
