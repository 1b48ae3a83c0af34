package dev.skein.core.internal.security;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.security.OAuthBearerToken;
import dev.skein.core.security.OAuthBearerTokenSource;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * SASL/OAUTHBEARER (RFC 7628): the GS2 header and the bearer token in one message. A broker that
 * rejects the token answers with a JSON error, to which the client must reply with a single 0x01
 * before the broker reports the failure.
 */
final class OAuthBearerExchange implements SaslExchange {
    private final OAuthBearerTokenSource tokens;
    private boolean complete;
    private String rejection;

    OAuthBearerExchange(OAuthBearerTokenSource tokens) {
        this.tokens = tokens;
    }

    @Override
    public CompletableFuture<byte[]> initialResponse() {
        CompletableFuture<OAuthBearerToken> fetch;
        try {
            fetch = tokens.token();
        } catch (RuntimeException e) {
            fetch = CompletableFuture.failedFuture(e);
        }
        return fetch.thenApply(t -> ("n,,\u0001auth=Bearer " + t.value().reveal() + "\u0001\u0001")
                .getBytes(StandardCharsets.UTF_8));
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
