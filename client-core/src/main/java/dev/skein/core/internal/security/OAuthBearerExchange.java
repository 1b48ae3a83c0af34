package dev.skein.core.internal.security;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.security.OAuthBearerToken;
import dev.skein.core.security.OAuthBearerTokenSource;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * SASL/OAUTHBEARER (RFC 7628): the GS2 header, the bearer token and any SASL extensions (KIP-342)
 * in one message, {@code n,,^Aauth=Bearer <token>^A[key=value^A]...^A}. A broker that
 * rejects the token answers with a JSON error, to which the client must reply with a single 0x01
 * before the broker reports the failure.
 */
final class OAuthBearerExchange implements SaslExchange {
    private final OAuthBearerTokenSource tokens;
    private final Map<String, String> extensions;
    private boolean complete;
    private String rejection;

    OAuthBearerExchange(OAuthBearerTokenSource tokens, Map<String, String> extensions) {
        this.tokens = tokens;
        this.extensions = extensions;
    }

    @Override
    public CompletableFuture<byte[]> initialResponse() {
        CompletableFuture<OAuthBearerToken> fetch;
        try {
            fetch = tokens.token();
        } catch (RuntimeException e) {
            fetch = CompletableFuture.failedFuture(e);
        }
        return fetch.thenApply(t -> {
            StringBuilder m = new StringBuilder("n,,\u0001auth=Bearer ").append(t.value().reveal()).append('\u0001');
            extensions.forEach((key, value) -> m.append(key).append('=').append(value).append('\u0001'));
            return m.append('\u0001').toString().getBytes(StandardCharsets.UTF_8);
        });
    }

    @Override
    public byte[] evaluate(byte[] challenge) {
        if (rejection != null) {
            throw new AuthenticationException("the broker rejected the OAUTHBEARER token: " + rejection, (Throwable) null);
        }
        if (challenge == null || challenge.length == 0) {
            complete = true;
            return null;
        }
        // An error report such as {"status":"invalid_token"}; it holds no secret.
        rejection = new String(challenge, StandardCharsets.UTF_8);
        return new byte[] {1};
    }

    @Override
    public boolean isComplete() {
        return complete;
    }
}
