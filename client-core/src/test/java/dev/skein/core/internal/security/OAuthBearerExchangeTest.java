package dev.skein.core.internal.security;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.security.OAuthBearerTokenSource;
import dev.skein.core.security.SaslCredentials;
import dev.skein.core.security.Secret;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client's OAUTHBEARER messages (RFC 7628 as KIP-255 and KIP-342 use it), byte for byte. */
class OAuthBearerExchangeTest {
    // {"alg":"none"}.{"sub":"app","exp":4102444800}: fixed() refuses a token without exp, as Kafka does.
    private static final String TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhcHAiLCJleHAiOjQxMDI0NDQ4MDB9.";

    private static SaslExchange start(SaslCredentials credentials) {
        return SaslExchange.start(credentials, new SecureRandom());
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void theFirstMessageIsTheGs2HeaderAndTheBearerToken() {
        SaslExchange e = start(SaslCredentials.oauthBearer(OAuthBearerTokenSource.fixed(Secret.of(TOKEN))));
        assertEquals("n,,\u0001auth=Bearer " + TOKEN + "\u0001\u0001", text(e.initialResponse().join()));
        assertNull(e.evaluate(new byte[0]));
        assertTrue(e.isComplete());
    }

    @Test
    void extensionsFollowTheTokenEachBetweenSeparators() {
        // KIP-342: "n,,\x01auth=Bearer <token>\x01key=value\x01...\x01\x01"
        Map<String, String> ext = new LinkedHashMap<>();
        ext.put("logicalCluster", "lkc-abc123");
        ext.put("identityPoolId", "pool-XyZ");
        SaslExchange e = start(SaslCredentials.oauthBearer(OAuthBearerTokenSource.fixed(Secret.of(TOKEN)), ext));
        assertEquals("n,,\u0001auth=Bearer " + TOKEN + "\u0001logicalCluster=lkc-abc123\u0001identityPoolId=pool-XyZ"
                + "\u0001\u0001", text(e.initialResponse().join()));
    }

    @Test
    void extensionsKafkaWouldRefuseAreRefusedWhenTheCredentialsAreMade() {
        OAuthBearerTokenSource tokens = OAuthBearerTokenSource.fixed(Secret.of(TOKEN));
        for (Map<String, String> bad : new Map[] {Map.of("auth", "x"), Map.of("bad-key", "x"), Map.of("k", ""),
                Map.of("k", "a\u0001b"), Map.of("k1", "x")}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SaslCredentials.oauthBearer(tokens, bad), bad::toString);
            assertTrue(e.getMessage().contains("extension"), e.getMessage());
        }
    }

    @Test
    void anErrorChallengeIsAnsweredWithControlAThenTheBrokersVerdictEndsIt() {
        // RFC 7628 section 3.2.2: after the server's error JSON, the client sends a single 0x01 (%x01)
        // and the server then fails the exchange.
        SaslExchange e = start(SaslCredentials.oauthBearer(OAuthBearerTokenSource.fixed(Secret.of(TOKEN))));
        e.initialResponse().join();
        byte[] reply = e.evaluate("{\"status\":\"invalid_token\"}".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(new byte[] {1}, reply);
        assertFalse(e.isComplete());
        AuthenticationException a = assertThrows(AuthenticationException.class, () -> e.evaluate(new byte[0]));
        assertTrue(a.getMessage().contains("invalid_token"), a.getMessage());
        assertFalse(a.getMessage().contains(TOKEN));
    }
}
