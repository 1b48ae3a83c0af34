package dev.skein.core.internal.security;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.security.OAuthBearerToken;
import dev.skein.core.security.OAuthBearerTokenSource;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * {@link OAuthBearerTokenSource#fixed}: one token, handed out until it expires (plus the clock skew), then
 * refused with an {@link AuthenticationException} that names its expiry. Sending an expired token would get
 * the broker's refusal instead, which does not say that the token the application gave has run out.
 */
public final class FixedTokenSource implements OAuthBearerTokenSource {
    private final OAuthBearerToken token;
    private final Duration clockSkew;
    private final Clock clock;

    public FixedTokenSource(OAuthBearerToken token, Duration clockSkew, Clock clock) {
        this.token = Objects.requireNonNull(token, "token");
        this.clockSkew = Objects.requireNonNull(clockSkew, "clockSkew");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public CompletableFuture<OAuthBearerToken> token() {
        if (clock.instant().isAfter(token.expiresAt().plus(clockSkew))) {
            return CompletableFuture.failedFuture(new AuthenticationException("the fixed OAuth token expired at "
                    + token.expiresAt() + "; give the client a new one (OAuthBearerTokenSource.fixed)", (Throwable) null));
        }
        return CompletableFuture.completedFuture(token);
    }

    @Override
    public String toString() {
        return "FixedTokenSource(expiresAt=" + token.expiresAt() + ")";
    }
}
