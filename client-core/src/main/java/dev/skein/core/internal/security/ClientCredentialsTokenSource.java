package dev.skein.core.internal.security;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.NetworkException;
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
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;

/**
 * The OAuth 2 client-credentials grant: POSTs {@code grant_type=client_credentials} with HTTP Basic
 * client authentication to an https token endpoint and reads {@code access_token} and
 * {@code expires_in} from the JSON answer (top-level members only, {@link JsonReader}). The token is
 * checked as Kafka's login checks it ({@link Jwt}: {@code exp} required, {@code sub} a string, not
 * expired); one it would refuse is an {@link AuthenticationException}. Its life ends at the earlier of
 * its {@code exp} and {@code expires_in}. A token is reused until 80% of its lifetime has passed;
 * concurrent callers share one request. Redirects are not followed. An endpoint that cannot be reached
 * or cannot answer now (HTTP 5xx, 429, 408) fails the call with a retriable {@link NetworkException};
 * a refusal (any other status) with an {@link AuthenticationException}. Messages never quote the
 * secret or the token.
 */
public final class ClientCredentialsTokenSource implements OAuthBearerTokenSource {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final URI endpoint;
    private final String clientId;
    private final Secret clientSecret;
    private final String scope;
    private final HttpClient http;
    private CompletableFuture<OAuthBearerToken> current; // guarded by this
    private Instant refreshAt = Instant.MIN;

    /**
     * @param ssl trust for the endpoint's certificate, or null for the JVM's default
     * @throws IllegalArgumentException when the endpoint is not an absolute https URL, or holds user credentials
     */
    public ClientCredentialsTokenSource(URI endpoint, String clientId, Secret clientSecret, String scope, SSLContext ssl) {
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
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(TIMEOUT).followRedirects(HttpClient.Redirect.NEVER);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.http = b.build();
    }

    @Override
    public synchronized CompletableFuture<OAuthBearerToken> token() {
        if (current != null && !current.isCompletedExceptionally() && (!current.isDone() || Instant.now().isBefore(refreshAt))) {
            return current;
        }
        current = fetch();
        return current;
    }

    private CompletableFuture<OAuthBearerToken> fetch() {
        String form = "grant_type=client_credentials"
                + (scope == null || scope.isBlank() ? "" : "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8));
        String basic = Base64.getEncoder().encodeToString((URLEncoder.encode(clientId, StandardCharsets.UTF_8) + ":"
                + URLEncoder.encode(clientSecret.reveal(), StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(endpoint)
                .timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        Instant asked = Instant.now();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable c = error.getCause() != null ? error.getCause() : error;
                        throw new NetworkException("cannot reach the OAuth token endpoint " + endpoint + ": " + c, c, true);
                    }
                    return parse(response, asked);
                });
    }

    private OAuthBearerToken parse(HttpResponse<String> response, Instant asked) {
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
            claims = Jwt.validate(jwt, Jwt.DEFAULT_SUB_CLAIM, Instant.now(), Jwt.DEFAULT_CLOCK_SKEW);
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
        synchronized (this) {
            long lifetimeMs = Math.max(0, Duration.between(asked, expires).toMillis());
            refreshAt = asked.plusMillis(lifetimeMs * 8 / 10);
        }
        return new OAuthBearerToken(Secret.of(jwt), expires);
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
