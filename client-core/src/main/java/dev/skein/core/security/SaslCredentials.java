package dev.skein.core.security;

import java.util.Objects;

/**
 * Who a client authenticates as, and with which SASL mechanism. {@code toString()} names the
 * mechanism and user, never the password or token.
 */
public final class SaslCredentials {
    /** The SASL mechanisms Skein speaks. */
    public enum Mechanism {
        PLAIN("PLAIN"), SCRAM_SHA_256("SCRAM-SHA-256"), SCRAM_SHA_512("SCRAM-SHA-512"), OAUTHBEARER("OAUTHBEARER");

        private final String wireName;

        Mechanism(String wireName) {
            this.wireName = wireName;
        }

        /** The name the broker knows it by ({@code sasl.mechanism}). */
        public String wireName() {
            return wireName;
        }

        public static Mechanism forName(String name) {
            for (Mechanism m : values()) {
                if (m.wireName.equalsIgnoreCase(name)) {
                    return m;
                }
            }
            return null;
        }
    }

    private final Mechanism mechanism;
    private final String username;
    private final Secret password;
    private final OAuthBearerTokenSource tokens;

    private SaslCredentials(Mechanism mechanism, String username, Secret password, OAuthBearerTokenSource tokens) {
        this.mechanism = mechanism;
        this.username = username;
        this.password = password;
        this.tokens = tokens;
    }

    /** SASL/PLAIN: the password crosses the connection as is, so use it over TLS (SASL_SSL). */
    public static SaslCredentials plain(String username, Secret password) {
        return new SaslCredentials(Mechanism.PLAIN, requireUser(username), Objects.requireNonNull(password), null);
    }

    public static SaslCredentials scramSha256(String username, Secret password) {
        return new SaslCredentials(Mechanism.SCRAM_SHA_256, requireUser(username), Objects.requireNonNull(password), null);
    }

    public static SaslCredentials scramSha512(String username, Secret password) {
        return new SaslCredentials(Mechanism.SCRAM_SHA_512, requireUser(username), Objects.requireNonNull(password), null);
    }

    public static SaslCredentials oauthBearer(OAuthBearerTokenSource tokens) {
        return new SaslCredentials(Mechanism.OAUTHBEARER, null, null, Objects.requireNonNull(tokens, "tokens"));
    }

    private static String requireUser(String username) {
        if (username == null || username.isEmpty()) {
            throw new IllegalArgumentException("a SASL user name must not be empty");
        }
        return username;
    }

    public Mechanism mechanism() {
        return mechanism;
    }

    /** The user name, or null for OAUTHBEARER. */
    public String username() {
        return username;
    }

    /** The password, or null for OAUTHBEARER. */
    public Secret password() {
        return password;
    }

    /** The token source, or null unless OAUTHBEARER. */
    public OAuthBearerTokenSource tokens() {
        return tokens;
    }

    @Override
    public String toString() {
        return "SaslCredentials(" + mechanism.wireName() + (username != null ? ", user=" + username : "") + ")";
    }
}
