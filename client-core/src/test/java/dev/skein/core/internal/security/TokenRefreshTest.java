package dev.skein.core.internal.security;

import dev.skein.core.security.OAuthBearerLoginOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** KIP-255's refresh time: factor plus jitter, then the buffer before expiry, then the minimum period. */
class TokenRefreshTest {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final OAuthBearerLoginOptions DEFAULTS = OAuthBearerLoginOptions.defaults();

    private static Duration after(Duration lifetime, OAuthBearerLoginOptions o, double random) {
        return Duration.between(T0, TokenRefresh.at(T0, T0.plus(lifetime), o, random));
    }

    @Test
    void jitterAddsUpToItsShareOfTheLifetime() {
        // One hour at 0.8 + 0.05 * random: from 48 minutes to just under 51, as Kafka's defaults give.
        assertEquals(Duration.ofMinutes(48), after(Duration.ofHours(1), DEFAULTS, 0.0));
        assertEquals(Duration.ofMinutes(49).plusSeconds(30), after(Duration.ofHours(1), DEFAULTS, 0.5));
        assertEquals(Duration.ofMillis(3_059_640), after(Duration.ofHours(1), DEFAULTS, 0.998));
    }

    @Test
    void theBufferBeforeExpiryWinsOverTheFactorAndTheMinimumPeriodOverBoth() {
        // 0.8 of 1000 s leaves 200 s: moved back to 300 s before expiry.
        assertEquals(Duration.ofSeconds(700), after(Duration.ofSeconds(1000), DEFAULTS, 0.0));
        // 0.8 of 70 s (no buffer) is 56 s, sooner than the 60 s minimum period.
        OAuthBearerLoginOptions noBuffer = DEFAULTS.mutate().refreshBuffer(Duration.ZERO).build();
        assertEquals(Duration.ofSeconds(60), after(Duration.ofSeconds(70), noBuffer, 0.0));
        // 0.5 of 1000 s is 500 s, clear of the buffer but sooner than a 600 s minimum period.
        OAuthBearerLoginOptions longMin = DEFAULTS.mutate().refreshWindowFactor(0.5)
                .refreshMinPeriod(Duration.ofSeconds(600)).build();
        assertEquals(Duration.ofSeconds(600), after(Duration.ofSeconds(1000), longMin, 0.0));
    }

    @Test
    void aTokenTooShortForBothIgnoresThemAndNoRefreshComesAfterExpiry() {
        assertEquals(Duration.ofSeconds(80), after(Duration.ofSeconds(100), DEFAULTS, 0.0));
        OAuthBearerLoginOptions late = DEFAULTS.mutate().refreshWindowFactor(1.0).refreshWindowJitter(0.25).build();
        assertEquals(Duration.ofSeconds(100), after(Duration.ofSeconds(100), late, 0.9));
        assertEquals(Duration.ofSeconds(-5), after(Duration.ofSeconds(-5), DEFAULTS, 0.5));
    }
}
