package dev.skein.core.security;

import dev.skein.core.internal.security.ClientCredentialsTokenSource;
import dev.skein.core.internal.security.FixedTokenSource;
import dev.skein.core.internal.security.Jwt;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;

/**
 * Where SASL/OAUTHBEARER tokens come from. Skein calls {@link #token()} when a connection
 * authenticates or re-authenticates; implementations cache as they see fit (the client-credentials
 * source keeps a token until its refresh point, by Kafka's {@code sasl.login.refresh.*} rule, see
 * {@link OAuthBearerLoginOptions}). The future must complete off Skein's event loops'
 * critical path: do I/O on a thread of your own, never block the calling thread.
 */
@FunctionalInterface
public interface OAuthBearerTokenSource {
    CompletableFuture<OAuthBearerToken> token();

    /**
     * Always the same token, e.g. one your platform hands you; its {@code exp} claim gives its expiry.
     * The token is checked here as Kafka's login checks one: a JWT whose payload is a JSON object with a
     * numeric {@code exp}, a string {@code sub} and, if present, a numeric {@code iat}, not expired more
     * than 30 s ago ({@link OAuthBearerLoginOptions#DEFAULT_CLOCK_SKEW}). Once it has expired (beyond that
     * skew), {@link #token()} fails with an {@code AuthenticationException} naming the expiry, rather than
     * sending the broker a token it would refuse: build a new client, or a source of your own, to renew it.
     *
     * @throws IllegalArgumentException naming the claim that is missing or wrong (never quoting the token)
     */
    static OAuthBearerTokenSource fixed(Secret jwt) {
        return fixed(jwt, OAuthBearerLoginOptions.defaults());
    }

    /**
     * As {@link #fixed(Secret)}, reading the principal from {@link OAuthBearerLoginOptions#subClaimName()}
     * and allowing {@link OAuthBearerLoginOptions#clockSkew()}.
     */
    static OAuthBearerTokenSource fixed(Secret jwt, OAuthBearerLoginOptions login) {
        Jwt.Claims claims = Jwt.validate(jwt.reveal(), login.subClaimName(), Instant.now(), login.clockSkew());
        return new FixedTokenSource(new OAuthBearerToken(jwt, claims.expiresAt()), login.clockSkew(), Clock.systemUTC());
    }

    /**
     * A fresh unsecured token ({@code "alg":"none"}) naming {@code principal}, for development
     * brokers that validate with Kafka's unsecured validator. Never for a production cluster.
     */
    static OAuthBearerTokenSource unsecured(String principal, Duration lifetime) {
        return () -> CompletableFuture.completedFuture(Jwt.unsecured(principal, lifetime));
    }

    /**
     * The OAuth 2 client-credentials grant (RFC 6749 section 4.4) against {@code tokenEndpoint}, which
     * must be an https URL. The endpoint's certificate is checked against the JVM's default trust.
     * Tokens are checked and refreshed as {@link OAuthBearerLoginOptions#defaults()} says: a token
     * without {@code exp}, without a string {@code sub} or already expired fails the call with an
     * {@code AuthenticationException}; a connection is never handed one past its refresh point.
     *
     * @param scope the space-separated scopes to ask for, or null
     */
    static OAuthBearerTokenSource clientCredentials(URI tokenEndpoint, String clientId, Secret clientSecret,
                                                    String scope) {
        return new ClientCredentialsTokenSource(tokenEndpoint, clientId, clientSecret, scope, null);
    }

    /** As {@link #clientCredentials(URI, String, Secret, String)}, trusting the endpoint's certificate through {@code tls}. */
    static OAuthBearerTokenSource clientCredentials(URI tokenEndpoint, String clientId, Secret clientSecret,
                                                    String scope, SSLContext tls) {
        return new ClientCredentialsTokenSource(tokenEndpoint, clientId, clientSecret, scope, tls);
    }

    /**
     * As {@link #clientCredentials(URI, String, Secret, String, SSLContext)}, refreshing and checking
     * tokens as {@code login} says.
     *
     * @param tls trust for the endpoint's certificate, or null for the JVM's default
     */
    static OAuthBearerTokenSource clientCredentials(URI tokenEndpoint, String clientId, Secret clientSecret,
                                                    String scope, SSLContext tls, OAuthBearerLoginOptions login) {
        return new ClientCredentialsTokenSource(tokenEndpoint, clientId, clientSecret, scope, tls, login);
    }
}
