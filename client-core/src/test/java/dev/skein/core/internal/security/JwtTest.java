package dev.skein.core.internal.security;

import dev.skein.core.security.OAuthBearerToken;
import dev.skein.core.security.OAuthBearerTokenSource;
import dev.skein.core.security.Secret;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JWT's claims read as Kafka's OAUTHBEARER login reads them (KIP-768's client-side validation): the
 * payload parsed as JSON, top-level claims only; {@code exp} required, a number; {@code sub} a string;
 * {@code iat}, when present, a number; a token already expired (beyond the clock skew) refused.
 */
class JwtTest {
    private static final long YEAR_2100 = 4102444800L;

    private static Secret jwt(String claims) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return Secret.of(b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".");
    }

    private static Instant expiry(String claims) {
        OAuthBearerToken t = OAuthBearerTokenSource.fixed(jwt(claims)).token().join();
        return t.expiresAt();
    }

    private static String refused(String claims) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OAuthBearerTokenSource.fixed(jwt(claims)), claims);
        assertFalse(e.getMessage().contains(jwt(claims).reveal()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void anExpInsideANestedClaimIsNotTheTokensExpiry() {
        // An "act" (RFC 8693 actor) or any custom object claim may hold its own exp; only the top-level
        // one says when this token expires.
        assertEquals(Instant.ofEpochSecond(YEAR_2100),
                expiry("{\"sub\":\"app\",\"act\":{\"sub\":\"svc\",\"exp\":1},\"exp\":" + YEAR_2100 + "}"));
        assertEquals(Instant.ofEpochSecond(YEAR_2100),
                expiry("{\"sub\":\"app\",\"hist\":[{\"exp\":2}],\"exp\":" + YEAR_2100 + "}"));
    }

    @Test
    void aTokenWithoutExpIsRefused() {
        // Kafka's login refuses it ("exp value must be non-null"); kept, it was reused for ever.
        assertTrue(refused("{\"sub\":\"app\",\"iat\":1700000000}").contains("exp"));
        assertTrue(refused("{\"sub\":\"app\",\"nested\":{\"exp\":" + YEAR_2100 + "}}").contains("exp"));
    }

    @Test
    void claimsOfTheWrongTypeAreRefused() {
        assertTrue(refused("{\"sub\":\"app\",\"exp\":\"" + YEAR_2100 + "\"}").contains("exp"));
        assertTrue(refused("{\"sub\":\"app\",\"exp\":-5}").contains("exp"));
        assertTrue(refused("{\"sub\":\"app\",\"iat\":\"yesterday\",\"exp\":" + YEAR_2100 + "}").contains("iat"));
        assertTrue(refused("{\"sub\":42,\"exp\":" + YEAR_2100 + "}").contains("sub"));
        assertTrue(refused("{\"sub\":\"  \",\"exp\":" + YEAR_2100 + "}").contains("sub"));
        assertTrue(refused("{\"exp\":" + YEAR_2100 + "}").contains("sub"));
    }

    @Test
    void aPayloadThatIsNotOneJsonObjectIsRefused() {
        for (String bad : new String[] {"{\"sub\":\"app\",\"exp\":" + YEAR_2100, // cut short
                "{\"sub\":\"app\",\"exp\":" + YEAR_2100 + ",}", // trailing comma
                "{\"sub\":\"app\",\"exp\":1,\"exp\":" + YEAR_2100 + "}", // two exp claims: which one?
                "{\"sub\":\"app\",\"exp\":" + YEAR_2100 + "} {}", "[{\"sub\":\"app\",\"exp\":" + YEAR_2100 + "}]",
                "{'sub':'app','exp':" + YEAR_2100 + "}", "{\"sub\":\"app\",\"exp\":0" + YEAR_2100 + "}"}) {
            refused(bad);
        }
    }

    @Test
    void aTokenAlreadyExpiredIsRefusedAllowingThirtySecondsOfClockSkew() {
        long now = Instant.now().getEpochSecond();
        assertTrue(refused("{\"sub\":\"app\",\"iat\":" + (now - 600) + ",\"exp\":" + (now - 120) + "}")
                .contains("expired"));
        assertEquals(Instant.ofEpochSecond(now - 10),
                expiry("{\"sub\":\"app\",\"iat\":" + (now - 600) + ",\"exp\":" + (now - 10) + "}"));
    }

    @Test
    void fractionalAndEscapedClaimsAreRead() {
        assertEquals(Instant.ofEpochSecond(YEAR_2100, 500_000_000),
                expiry("{\"s\\u0075b\":\"a\\\"pp\",\"iat\":1.7e9,\"exp\":" + YEAR_2100 + ".5}"));
    }
}
