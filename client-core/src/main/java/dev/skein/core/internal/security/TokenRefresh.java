package dev.skein.core.internal.security;

import dev.skein.core.security.OAuthBearerLoginOptions;

import java.time.Duration;
import java.time.Instant;

/**
 * When a token is due for refresh, by KIP-255's rule (Apache Kafka's login refresh): at
 * {@code factor + jitter * random} of its lifetime, moved back to leave {@code buffer} before expiry,
 * then forward to no sooner than {@code minPeriod} after it was fetched. When the lifetime is shorter
 * than {@code minPeriod + buffer} neither can be honoured and both are ignored. Unlike Kafka, never later
 * than the expiry itself (factor 1.0 plus jitter would pass it): a token is not handed out once expired.
 * Pure: the time and the random draw are arguments.
 *
 * <p>The lifetime counts from when the token was asked for, on this host's clock, where Kafka's login
 * counts from the token's {@code iat} when it has one. On purpose: {@code iat} is the identity provider's
 * clock, and for a cached token an endpoint issued long ago, a rule counting from {@code iat} falls due at
 * once, with most of the token's remaining life unused. Counting from the request places the refresh in
 * what is left of the token's life, and still never past its expiry (above).
 */
final class TokenRefresh {
    private TokenRefresh() {}

    /**
     * @param fetched when the request that brought the token was sent, on this host's clock
     * @param expires when the token stops being valid
     * @param random  a draw in [0, 1)
     */
    static Instant at(Instant fetched, Instant expires, OAuthBearerLoginOptions o, double random) {
        long lifetimeMs = Math.max(0, Duration.between(fetched, expires).toMillis());
        double share = o.refreshWindowFactor() + o.refreshWindowJitter() * random;
        Instant proposed = fetched.plusMillis((long) (lifetimeMs * share));
        long minPeriodMs = o.refreshMinPeriod().toMillis();
        long bufferMs = o.refreshBuffer().toMillis();
        if (lifetimeMs >= minPeriodMs + bufferMs) {
            Instant bufferStart = expires.minusMillis(bufferMs);
            if (proposed.isAfter(bufferStart)) {
                proposed = bufferStart;
            }
            Instant minPeriodEnd = fetched.plusMillis(minPeriodMs);
            if (proposed.isBefore(minPeriodEnd)) {
                proposed = minPeriodEnd;
            }
        }
        return proposed.isAfter(expires) ? expires : proposed;
    }
}
