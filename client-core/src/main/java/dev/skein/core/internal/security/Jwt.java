package dev.skein.core.internal.security;

import dev.skein.core.security.OAuthBearerToken;
import dev.skein.core.security.Secret;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * Reads a compact JWT's claims as Apache Kafka's OAUTHBEARER login checks a token it was given (KIP-768's
 * client-side validation): the payload is parsed as JSON ({@link JsonReader}) and only its top-level
 * members are claims; {@code exp} is required, a non-negative number (seconds since the epoch, fractions
 * kept to the millisecond); the principal claim ({@code sub} unless {@code sasl.oauthbearer.sub.claim.name}
 * names another) is required, a string not blank; {@code iat}, when present, a non-negative number. A
 * token without {@code exp} is refused, as Kafka refuses it: the client could not tell when to fetch the
 * next one, and would keep sending it after the broker stopped accepting it. Signatures are the broker's
 * business. Messages name claims, never quote the token.
 */
public final class Jwt {
    private static final BigDecimal MAX_SECONDS = BigDecimal.valueOf(Long.MAX_VALUE / 1000);

    /** The claims Skein reads; {@code issuedAt} is null when the token has no {@code iat}. */
    public record Claims(String subject, Instant issuedAt, Instant expiresAt) {}

    private Jwt() {}

    /** An unsecured JWT ({@code "alg":"none"}, no signature) with {@code sub}, {@code iat} and {@code exp}. */
    public static OAuthBearerToken unsecured(String subject, Duration lifetime) {
        Instant now = Instant.now();
        Instant exp = now.plus(lifetime);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        String payload = b64.encodeToString(("{\"sub\":\"" + subject.replace("\\", "\\\\").replace("\"", "\\\"")
                + "\",\"iat\":" + now.getEpochSecond() + ",\"exp\":" + exp.getEpochSecond() + "}")
                .getBytes(StandardCharsets.UTF_8));
        return new OAuthBearerToken(
                Secret.of(header + "." + payload + "."), exp);
    }

    /**
     * The token's claims, checked as above, and refused when it expired more than {@code clockSkew}
     * before {@code now} ({@code sasl.oauthbearer.clock.skew.seconds}: the identity provider's clock and
     * this host's may differ by that much).
     *
     * @throws IllegalArgumentException saying which claim is missing or wrong, or that the token expired
     */
    public static Claims validate(String jwt, String subClaim, Instant now, Duration clockSkew) {
        Claims c = claims(jwt, subClaim);
        if (c.expiresAt().plus(clockSkew).isBefore(now)) {
            throw new IllegalArgumentException("the OAUTHBEARER token expired at " + c.expiresAt() + " (now "
                    + now + ", allowing " + clockSkew.toSeconds() + " s of clock skew): is this host's clock right?");
        }
        return c;
    }

    /** The token's claims, checked as above but not against the time. */
    public static Claims claims(String jwt, String subClaim) {
        String[] parts = jwt.split("\\.", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("the OAUTHBEARER token is not a compact JWT (three dot-separated parts)");
        }
        Map<String, Object> payload;
        try {
            payload = JsonReader.object(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            // Base64's messages quote the offending character, JsonReader's give only an offset.
            throw new IllegalArgumentException("the OAUTHBEARER token's payload is not a base64url JSON object"
                    + (e.getMessage() != null && e.getMessage().startsWith("not valid JSON") ? ": " + e.getMessage() : ""));
        }
        Instant exp = time(payload, "exp");
        if (exp == null) {
            throw new IllegalArgumentException("the OAUTHBEARER token has no exp claim: Kafka refuses a token"
                    + " without an expiry");
        }
        Object sub = payload.get(subClaim);
        if (!(sub instanceof String s) || s.isBlank()) {
            throw new IllegalArgumentException("the OAUTHBEARER token's principal claim " + subClaim + " is "
                    + (sub == null ? "missing" : "not a string, or blank") + " (sasl.oauthbearer.sub.claim.name)");
        }
        return new Claims(s.trim(), time(payload, "iat"), exp);
    }

    /** A NumericDate claim, or null when absent. */
    private static Instant time(Map<String, Object> payload, String claim) {
        Object v = payload.get(claim);
        if (v == null) {
            return null;
        }
        if (!(v instanceof BigDecimal n) || n.signum() < 0 || n.compareTo(MAX_SECONDS) > 0) {
            throw new IllegalArgumentException("the OAUTHBEARER token's " + claim + " claim is not a non-negative"
                    + " number of seconds");
        }
        return Instant.ofEpochMilli(n.movePointRight(3).longValue());
    }
}
