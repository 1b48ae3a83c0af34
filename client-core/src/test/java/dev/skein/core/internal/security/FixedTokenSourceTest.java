package dev.skein.core.internal.security;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.security.OAuthBearerToken;
import dev.skein.core.security.Secret;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A fixed token is handed out while it is valid, and refused by name once it has expired. */
class FixedTokenSourceTest {
    private static final Instant T0 = Instant.parse("2026-12-07T12:00:00Z");

    @Test
    void anExpiredFixedTokenFailsTheCallNamingItsExpiryInsteadOfBeingSentToTheBroker() {
        AtomicReference<Instant> now = new AtomicReference<>(T0);
        Clock clock = new Clock() {
            @Override public ZoneOffset getZone() { return ZoneOffset.UTC; }
            @Override public Clock withZone(java.time.ZoneId zone) { return this; }
            @Override public Instant instant() { return now.get(); }
        };
        OAuthBearerToken token = Jwt.unsecured("app", Duration.ofMinutes(10));
        Instant expires = token.expiresAt();
        FixedTokenSource source = new FixedTokenSource(token, Duration.ofSeconds(30), clock);

        assertEquals(token, source.token().join(), "valid: handed out");
        now.set(expires.plusSeconds(29));
        assertEquals(token, source.token().join(), "within the clock skew: still handed out");
        now.set(expires.plusSeconds(31));
        CompletionException e = assertThrows(CompletionException.class, () -> source.token().join());
        AuthenticationException cause = assertInstanceOf(AuthenticationException.class, e.getCause());
        assertTrue(cause.getMessage().contains("expired at " + expires), cause.getMessage());
        assertTrue(!cause.getMessage().contains(token.value().reveal()), "never quotes the token");
    }

    @Test
    void theTokenIsNotQuotedByItsSource() {
        OAuthBearerToken token = new OAuthBearerToken(Secret.of("abc.def.ghi"), T0.plusSeconds(60));
        assertTrue(!new FixedTokenSource(token, Duration.ZERO, Clock.systemUTC()).toString().contains("abc"));
    }
}
