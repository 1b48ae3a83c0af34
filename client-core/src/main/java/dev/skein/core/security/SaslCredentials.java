package dev.skein.core.security;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

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

    private static final Pattern EXTENSION_KEY = Pattern.compile("[A-Za-z]+");
    private static final Pattern EXTENSION_VALUE = Pattern.compile("[\\x21-\\x7E \t\r\n]+");

    private final Mechanism mechanism;
    private final String username;
    private final Secret password;
    private final OAuthBearerTokenSource tokens;
    private final Map<String, String> extensions;

    private SaslCredentials(Mechanism mechanism, String username, Secret password, OAuthBearerTokenSource tokens,
                            Map<String, String> extensions) {
        this.mechanism = mechanism;
        this.username = username;
        this.password = password;
        this.tokens = tokens;
        this.extensions = extensions;
    }

    private SaslCredentials(Mechanism mechanism, String username, Secret password, OAuthBearerTokenSource tokens) {
        this(mechanism, username, password, tokens, Map.of());
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

    /**
     * SCRAM with a delegation token (KIP-48) in place of a user's password: the token's id as the user name,
     * its HMAC in Base64 as the password, and the SCRAM extension {@code tokenauth=true}, which tells the broker
     * to check them against its tokens; the connection is then the token owner's. In {@code sasl.jaas.config},
     * ScramLoginModule's {@code tokenauth=true} option. A broker refuses token-authenticated connections their
     * own token requests.
     *
     * @param mechanism {@link Mechanism#SCRAM_SHA_256} or {@link Mechanism#SCRAM_SHA_512}, as the broker's listener enables
     * @throws IllegalArgumentException for another mechanism, or an empty token id
     */
    public static SaslCredentials delegationToken(Mechanism mechanism, String tokenId, Secret tokenHmac) {
        if (mechanism != Mechanism.SCRAM_SHA_256 && mechanism != Mechanism.SCRAM_SHA_512) {
            throw new IllegalArgumentException("a delegation token authenticates over SCRAM-SHA-256 or SCRAM-SHA-512, not "
                    + mechanism);
        }
        return new SaslCredentials(mechanism, requireUser(tokenId), Objects.requireNonNull(tokenHmac, "tokenHmac"), null,
                Map.of("tokenauth", "true"));
    }

    public static SaslCredentials oauthBearer(OAuthBearerTokenSource tokens) {
        return new SaslCredentials(Mechanism.OAUTHBEARER, null, null, Objects.requireNonNull(tokens, "tokens"));
    }

    /**
     * SASL/OAUTHBEARER with SASL extensions (KIP-342) sent beside the token, such as a managed service's
     * {@code logicalCluster} and {@code identityPoolId}; in {@code sasl.jaas.config}, the
     * {@code extension_<name>} options. Kept in the given order.
     *
     * @throws IllegalArgumentException for a name that is not letters only or is {@code auth}, or a value
     *         that is empty or holds a character Kafka refuses (a control character other than tab, CR, LF)
     */
    public static SaslCredentials oauthBearer(OAuthBearerTokenSource tokens, Map<String, String> extensions) {
        Map<String, String> copy = new LinkedHashMap<>();
        extensions.forEach((key, value) -> {
            if (key == null || !EXTENSION_KEY.matcher(key).matches() || key.equals("auth")) {
                throw new IllegalArgumentException("SASL extension name '" + key + "' is refused: letters only, not 'auth'");
            }
            if (value == null || !EXTENSION_VALUE.matcher(value).matches()) {
                throw new IllegalArgumentException("the value of SASL extension " + key + " is empty or holds a control"
                        + " character");
            }
            copy.put(key, value);
        });
        return new SaslCredentials(Mechanism.OAUTHBEARER, null, null, Objects.requireNonNull(tokens, "tokens"),
                Collections.unmodifiableMap(copy));
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

    /**
     * The SASL extensions sent with an OAUTHBEARER token (KIP-342), in order, or with a SCRAM delegation-token
     * login ({@code tokenauth=true}); empty for the others.
     */
    public Map<String, String> extensions() {
        return extensions;
    }

    @Override
    public String toString() {
        return "SaslCredentials(" + mechanism.wireName() + (username != null ? ", user=" + username : "")
                + (extensions.isEmpty() ? "" : ", extensions=" + extensions.keySet()) + ")";
    }
}
