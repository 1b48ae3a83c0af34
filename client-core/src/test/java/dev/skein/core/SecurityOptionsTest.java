package dev.skein.core;

import dev.skein.core.errors.ConfigException;
import dev.skein.core.security.SaslCredentials;
import dev.skein.core.security.Secret;
import dev.skein.core.security.SecurityProtocol;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Security options refused or accepted at build(), naming the key, never echoing a secret. */
class SecurityOptionsTest {
    private static final String PASSWORD = "hunter2-Secret";

    private static ConfigException refused(Map<String, Object> props) {
        Map<String, Object> all = new HashMap<>(props);
        all.putIfAbsent("bootstrap.servers", "localhost:9092");
        ConfigException e = assertThrows(ConfigException.class, () -> ClientOptions.builder().properties(all).build());
        assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
        return e;
    }

    @Test
    void loginModulesOtherThanTheThreeAreRefused() {
        for (String module : new String[] {"com.sun.security.auth.module.JndiLoginModule",
                "com.sun.security.auth.module.LdapLoginModule", "com.sun.security.auth.module.Krb5LoginModule",
                "com.example.MyLoginModule"}) {
            ConfigException e = refused(Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                    "sasl.jaas.config", module + " required user.provider.url=\"ldap://evil.example/o=x\" password=\""
                            + PASSWORD + "\";"));
            assertEquals("sasl.jaas.config", e.key());
            assertTrue(e.getMessage().contains(module + " is refused"), e.getMessage());
        }
    }

    @Test
    void plainAndScramFromJaas() {
        ClientOptions plain = ClientOptions.builder().bootstrapServers("h:1").properties(Map.of(
                "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" password=\""
                        + PASSWORD + "\";")).build();
        assertEquals(SaslCredentials.Mechanism.PLAIN, plain.sasl().mechanism());
        assertEquals("alice", plain.sasl().username());
        assertEquals(PASSWORD, plain.sasl().password().reveal());
        assertFalse(plain.toString().contains(PASSWORD), plain.toString());
        assertFalse(plain.sasl().toString().contains(PASSWORD));

        ConfigException noMechanism = refused(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"a\" password=\"" + PASSWORD + "\";"));
        assertEquals("sasl.mechanism", noMechanism.key());
        ConfigException unterminated = refused(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\" password=\"" + PASSWORD));
        assertEquals("sasl.jaas.config", unterminated.key());
    }

    @Test
    void credentialsAndProtocolMustAgree() {
        assertEquals("sasl.jaas.config", refused(Map.of("security.protocol", "SASL_SSL")).key());
        ConfigException plaintext = assertThrows(ConfigException.class, () -> ClientOptions.builder().bootstrapServers("h:1")
                .sasl(SaslCredentials.plain("a", Secret.of(PASSWORD))).build());
        assertEquals("security.protocol", plaintext.key());
        ConfigException mismatch = assertThrows(ConfigException.class, () -> ClientOptions.builder().bootstrapServers("h:1")
                .securityProtocol(SecurityProtocol.SASL_SSL).set("sasl.mechanism", "SCRAM-SHA-256")
                .sasl(SaslCredentials.plain("a", Secret.of(PASSWORD))).build());
        assertEquals("sasl.mechanism", mismatch.key());
        assertEquals("sasl.mechanism", refused(Map.of("sasl.mechanism", "GSSAPI")).key());
    }

    @Test
    void valuesAreNeverResolvedFromElsewhere() {
        ConfigException providers = refused(Map.of("config.providers", "file"));
        assertEquals("config.providers", providers.key());
        assertTrue(providers.getMessage().contains("refused"), providers.getMessage());
        assertEquals("sasl.login.callback.handler.class",
                refused(Map.of("sasl.login.callback.handler.class", "com.example.Handler")).key());
        // A reference is taken literally: it is the password, not a file to read.
        ClientOptions literal = ClientOptions.builder().bootstrapServers("h:1").properties(Map.of(
                "security.protocol", "SASL_SSL", "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\""
                        + " password=\"${file:/etc/passwd:root}\";")).build();
        assertEquals("${file:/etc/passwd:root}", literal.sasl().password().reveal());
    }

    @Test
    void oauthTokenEndpointsMustBeHttpsAndListed() {
        Map<String, Object> base = Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "OAUTHBEARER",
                "sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
                        + " clientId=\"app\" clientSecret=\"" + PASSWORD + "\";");
        Map<String, Object> http = new HashMap<>(base);
        http.put("sasl.oauthbearer.token.endpoint.url", "http://idp.example/token");
        http.put("skein.sasl.oauthbearer.allowed.urls", "http://idp.example/token");
        assertTrue(refused(http).getMessage().contains("https"));
        Map<String, Object> unlisted = new HashMap<>(base);
        unlisted.put("sasl.oauthbearer.token.endpoint.url", "https://idp.example/token");
        assertTrue(refused(unlisted).getMessage().contains("skein.sasl.oauthbearer.allowed.urls"));
        Map<String, Object> listed = new HashMap<>(unlisted);
        listed.put("bootstrap.servers", "h:1");
        listed.put("skein.sasl.oauthbearer.allowed.urls", "https://idp.example/token");
        ClientOptions ok = ClientOptions.builder().properties(listed).build();
        assertEquals(SaslCredentials.Mechanism.OAUTHBEARER, ok.sasl().mechanism());
    }

    @Test
    void tlsMaterialProblemsNameTheirKey() {
        assertEquals("ssl.enabled.protocols", refused(Map.of("ssl.enabled.protocols", "TLSv1.1,TLSv1.2")).key());
        ConfigException missing = refused(Map.of("security.protocol", "SSL",
                "ssl.truststore.location", "/nonexistent/truststore.p12", "ssl.truststore.password", PASSWORD));
        assertEquals("ssl.truststore.location", missing.key());
        assertEquals("ssl.endpoint.identification.algorithm",
                refused(Map.of("ssl.endpoint.identification.algorithm", "ldaps")).key());
        ClientOptions off = ClientOptions.builder().bootstrapServers("h:1")
                .properties(Map.of("security.protocol", "SSL", "ssl.endpoint.identification.algorithm", "")).build();
        assertFalse(off.hostnameVerification());
        assertTrue(ClientOptions.builder().bootstrapServers("h:1").securityProtocol(SecurityProtocol.SSL).build()
                .hostnameVerification());
    }

    @Test
    void jaasOptionsSkeinWouldIgnoreAreRefusedByName() {
        ConfigException token = refused(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-256",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"tok\""
                        + " password=\"" + PASSWORD + "\" tokenauth=\"yes\";"));
        assertEquals("sasl.jaas.config", token.key());
        assertTrue(token.getMessage().contains("tokenauth must be true or false"), token.getMessage());
        ConfigException typo = refused(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\""
                        + " pasword=\"" + PASSWORD + "\";"));
        assertTrue(typo.getMessage().contains("option pasword is not supported"), typo.getMessage());
    }

    @Test
    void oauthExtensionsComeFromJaasInOrder() {
        // KIP-342 / KIP-768: extension_<name> options are sent beside the token (a managed cluster's
        // logicalCluster and identityPoolId); dropping them made such a broker refuse the client.
        ClientOptions o = ClientOptions.builder().bootstrapServers("h:1").properties(Map.of(
                "security.protocol", "SASL_SSL", "sasl.mechanism", "OAUTHBEARER", "sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
                        + " unsecuredLoginStringClaim_sub=\"app\" extension_logicalCluster=\"lkc-1\""
                        + " extension_identityPoolId=\"pool-2\";")).build();
        assertEquals(Map.of("logicalCluster", "lkc-1", "identityPoolId", "pool-2"), o.sasl().extensions());
        assertEquals(List.of("logicalCluster", "identityPoolId"), List.copyOf(o.sasl().extensions().keySet()));
        ConfigException reserved = refused(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "OAUTHBEARER",
                "sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required"
                        + " unsecuredLoginStringClaim_sub=\"app\" extension_auth=\"x\";"));
        assertEquals("sasl.jaas.config", reserved.key());
    }

    @Test
    void aCipherSuiteTheJvmDoesNotKnowIsRefusedAtBuildNotAtConnect() {
        ConfigException e = refused(Map.of("security.protocol", "SSL",
                "ssl.cipher.suites", "TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_129_GCM_SHA256"));
        assertEquals("ssl.cipher.suites", e.key());
        assertTrue(e.getMessage().contains("TLS_ECDHE_RSA_WITH_AES_129_GCM_SHA256"), e.getMessage());
        assertTrue(ClientOptions.builder().bootstrapServers("h:1").properties(Map.of("security.protocol", "SSL",
                "ssl.cipher.suites", "TLS_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")).build()
                .sslContext().cipherSuites().contains("TLS_AES_128_GCM_SHA256"));
    }

    @Test
    void secretsAreHidden() {
        assertEquals("[hidden]", Secret.of(PASSWORD).toString());
        ClientOptions o = ClientOptions.builder().bootstrapServers("h:1").securityProtocol(SecurityProtocol.SASL_SSL)
                .sasl(SaslCredentials.scramSha512("carol", Secret.of(PASSWORD))).build();
        assertFalse(o.toString().contains(PASSWORD));
        assertFalse(o.mutate().build().toString().contains(PASSWORD));
        assertEquals(PASSWORD, o.mutate().build().sasl().password().reveal(), "mutate() keeps the credentials");
    }

    @Test
    void loginRefreshRetryAndTimeoutKeysAreAcceptedAndBadValuesFailAtBuildNamingTheKey() {
        // KIP-255/KIP-368's refresh settings, with Kafka's ranges; a value outside one fails at build(),
        // naming its key, before any token is asked for.
        Map<String, Object> base = Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "OAUTHBEARER",
                "sasl.oauthbearer.token.endpoint.url", "https://idp.example/token",
                "skein.sasl.oauthbearer.allowed.urls", "https://idp.example/token", "sasl.jaas.config",
                "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=\"app\""
                        + " clientSecret=\"" + PASSWORD + "\";");
        Map<String, Object> ok = new HashMap<>(base);
        ok.putAll(Map.of("bootstrap.servers", "h:1", "sasl.login.refresh.window.factor", "0.5",
                "sasl.login.refresh.window.jitter", "0.25", "sasl.login.refresh.min.period.seconds", "900",
                "sasl.login.refresh.buffer.seconds", "0", "sasl.oauthbearer.clock.skew.seconds", "5",
                "sasl.oauthbearer.sub.claim.name", "client_id"));
        ok.putAll(Map.of("sasl.login.retry.backoff.ms", "0", "sasl.login.retry.backoff.max.ms", "0",
                "sasl.login.connect.timeout.ms", "1", "sasl.login.read.timeout.ms", "60000"));
        assertEquals(SaslCredentials.Mechanism.OAUTHBEARER, ClientOptions.builder().properties(ok).build().sasl().mechanism());
        Object[][] bad = {{"sasl.login.refresh.window.factor", "0.49"}, {"sasl.login.refresh.window.factor", "1.01"},
                {"sasl.login.refresh.window.factor", "eighty"}, {"sasl.login.refresh.window.jitter", "-0.01"},
                {"sasl.login.refresh.window.jitter", "0.26"}, {"sasl.login.refresh.min.period.seconds", "901"},
                {"sasl.login.refresh.min.period.seconds", "-1"}, {"sasl.login.refresh.buffer.seconds", "3601"},
                {"sasl.oauthbearer.clock.skew.seconds", "-1"}, {"sasl.oauthbearer.sub.claim.name", " "},
                {"sasl.login.retry.backoff.ms", "-1"}, {"sasl.login.retry.backoff.max.ms", "99"},
                {"sasl.login.retry.backoff.ms", "soon"}, {"sasl.login.connect.timeout.ms", "0"},
                {"sasl.login.read.timeout.ms", "-5"}};
        for (Object[] kv : bad) {
            Map<String, Object> props = new HashMap<>(base);
            props.put((String) kv[0], kv[1]);
            ConfigException e = refused(props);
            assertEquals(kv[0], e.key(), e::getMessage);
        }
    }
}
