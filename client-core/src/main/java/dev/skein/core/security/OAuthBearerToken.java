package dev.skein.core.security;

import java.time.Instant;
import java.util.Objects;

/**
 * A bearer token for SASL/OAUTHBEARER: the compact JWT sent to the broker and when it expires.
 * Skein asks its {@link OAuthBearerTokenSource} for a new one well before then.
 */
public record OAuthBearerToken(Secret value, Instant expiresAt) {
    public OAuthBearerToken {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    @Override
    public String toString() {
        return "OAuthBearerToken(expiresAt=" + expiresAt + ")";
    }
}
