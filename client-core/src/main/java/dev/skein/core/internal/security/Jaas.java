package dev.skein.core.internal.security;

import dev.skein.core.errors.ConfigException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the standard {@code sasl.jaas.config} value, {@code <LoginModule> <flag> key="value" ... ;},
 * for the three login modules whose options Skein understands. Skein loads no login module: any
 * other class name (JNDI, LDAP, Kerberos, a class of the application's) is refused, so a value an
 * attacker can set cannot make the client load code or reach out to a directory. Values are taken
 * as written; nothing is looked up in files, the environment or URLs. An option Skein does not read
 * is refused, naming it (never its value), rather than ignored.
 */
public final class Jaas {
    public static final String KEY = "sasl.jaas.config";
    public static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule";
    public static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule";
    public static final String OAUTHBEARER = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule";
    private static final Set<String> ACCEPTED = Set.of(PLAIN, SCRAM, OAUTHBEARER);
    private static final Set<String> FLAGS = Set.of("required", "requisite", "sufficient", "optional");

    /** One login module entry: its class and options. {@code toString()} hides the option values. */
    public record Entry(String loginModule, Map<String, String> options) {
        @Override
        public String toString() {
            return "Jaas.Entry(" + loginModule + ", options=" + options.keySet() + ")";
        }
    }

    /** The options Skein reads for each login module; any other is refused rather than ignored. */
    private static final Map<String, Set<String>> OPTIONS = Map.of(
            PLAIN, Set.of("username", "password"),
            SCRAM, Set.of("username", "password", "tokenauth"),
            OAUTHBEARER, Set.of("clientId", "clientSecret", "scope", "unsecuredLoginStringClaim_sub",
                    "unsecuredLoginLifetimeSeconds"));
    /** KIP-342 SASL extensions: Kafka's login callback handler's option prefix, and its unsecured login's. */
    private static final List<String> EXTENSION_PREFIXES = List.of("extension_", "unsecuredLoginExtension_");

    private Jaas() {}

    /**
     * The SASL extensions among an OAUTHBEARER entry's options ({@code extension_<name>}, or
     * {@code unsecuredLoginExtension_<name>}), in the order written.
     */
    public static Map<String, String> extensions(Entry entry) {
        Map<String, String> out = new LinkedHashMap<>();
        entry.options().forEach((key, value) -> {
            for (String prefix : EXTENSION_PREFIXES) {
                if (key.startsWith(prefix)) {
                    out.put(key.substring(prefix.length()), value);
                }
            }
        });
        return out;
    }

    /** @throws ConfigException naming an option of the entry that Skein would otherwise ignore */
    private static void checkOptions(String module, Map<String, String> options) {
        for (String key : options.keySet()) {
            if (OPTIONS.get(module).contains(key)
                    || module.equals(OAUTHBEARER) && EXTENSION_PREFIXES.stream().anyMatch(key::startsWith)) {
                continue;
            }
            throw new ConfigException(KEY, "option " + key + " is not supported with " + module + "; Skein reads "
                    + new TreeSet<>(OPTIONS.get(module)) + (module.equals(OAUTHBEARER) ? " and extension_<name>" : ""));
        }
    }

    /** @throws ConfigException naming {@code sasl.jaas.config}, without quoting the value (it may hold a password) */
    public static Entry parse(String value) {
        Lexer lx = new Lexer(value);
        String module = lx.word();
        if (module == null) {
            throw new ConfigException(KEY, "is empty; expected '<LoginModule> required key=\"value\" ...;'");
        }
        if (!ACCEPTED.contains(module)) {
            throw new ConfigException(KEY, "login module " + module + " is refused: Skein accepts only "
                    + PLAIN + ", " + SCRAM + " and " + OAUTHBEARER);
        }
        String flag = lx.word();
        if (flag == null || !FLAGS.contains(flag.toLowerCase())) {
            throw new ConfigException(KEY, "expected a control flag (required, ...) after " + module);
        }
        Map<String, String> options = new LinkedHashMap<>();
        while (true) {
            lx.skipSpace();
            if (lx.peek() == ';') {
                lx.pos++;
                break;
            }
            String key = lx.word();
            if (key == null) {
                throw new ConfigException(KEY, "is not terminated with ';'");
            }
            lx.skipSpace();
            if (lx.peek() != '=') {
                throw new ConfigException(KEY, "option " + key + " has no '=value'");
            }
            lx.pos++;
            options.put(key, lx.value(key));
        }
        lx.skipSpace();
        if (lx.pos < value.length()) {
            throw new ConfigException(KEY, "holds more than one login module; Skein takes exactly one");
        }
        checkOptions(module, options);
        return new Entry(module, Collections.unmodifiableMap(options));
    }

    private static final class Lexer {
        final String s;
        int pos;

        Lexer(String s) {
            this.s = s;
        }

        char peek() {
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        String word() {
            skipSpace();
            int start = pos;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (Character.isWhitespace(c) || c == '=' || c == ';' || c == '"') {
                    break;
                }
                pos++;
            }
            return pos > start ? s.substring(start, pos) : null;
        }

        String value(String key) {
            skipSpace();
            if (peek() != '"') {
                String w = word();
                if (w == null) {
                    throw new ConfigException(KEY, "option " + key + " has no value");
                }
                return w;
            }
            pos++;
            StringBuilder out = new StringBuilder();
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == '\\' && pos < s.length()) {
                    out.append(s.charAt(pos++));
                } else if (c == '"') {
                    return out.toString();
                } else {
                    out.append(c);
                }
            }
            throw new ConfigException(KEY, "the value of option " + key + " has no closing quote");
        }
    }
}
