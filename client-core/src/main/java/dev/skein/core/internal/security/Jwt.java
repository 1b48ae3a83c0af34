package dev.skein.core.internal.security;

import dev.skein.core.errors.ConfigException;
import dev.skein.core.security.OAuthBearerToken;
import dev.skein.core.security.Secret;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the one claim Skein needs from a compact JWT: when it expires. Signatures are the broker's business. */
public final class Jwt {
    private static final Pattern EXP = Pattern.compile("\"exp\"\\s*:\\s*(\\d+)(?:\\.\\d+)?");

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

    /** The {@code exp} claim, or {@link Instant#MAX} when there is none. Never quotes the token when it fails. */
    public static Instant expiry(String jwt) {
        String[] parts = jwt.split("\\.", -1);
        if (parts.length != 3) {
            throw new ConfigException("sasl.oauthbearer token", "is not a compact JWT (three dot-separated parts)");
        }
        String payload;
        try {
            payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("sasl.oauthbearer token", "has a payload that is not base64url");
        }
        Matcher m = EXP.matcher(payload);
        return m.find() ? Instant.ofEpochSecond(Long.parseLong(m.group(1))) : Instant.MAX;
    }
}
