package dev.skein.core.internal;

import dev.skein.core.ClientOptions;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.internal.net.BrokerConnection;
import dev.skein.core.internal.net.ClosingForwarder;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.FetchRequest;
import dev.skein.core.message.FetchResponse;
import dev.skein.core.message.MetadataRequest;
import dev.skein.core.message.MetadataResponse;
import dev.skein.core.security.OAuthBearerToken;
import dev.skein.core.security.OAuthBearerTokenSource;
import dev.skein.core.security.SaslCredentials;
import dev.skein.core.security.Secret;
import dev.skein.core.security.SecurityProtocol;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster.Listener;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import dev.skein.testkit.TestCertificates;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS and SASL against a real broker's secured listeners, at the connection level every client
 * shares: each variant must bring the cluster's metadata, each misconfiguration must fail fast
 * with a final {@link AuthenticationException} that says what to fix.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecureConnectionIT {
    static final String SCRAM_USER = "carol";
    static final String SCRAM_PASSWORD = "carol-scram-secret";
    private KafkaCluster kafka;
    private TestCertificates certs;
    private final Secret pass = Secret.of(TestCertificates.PASSWORD);

    @BeforeAll
    void start(@OwnCluster(securityListeners = true) KafkaCluster kafka) throws Exception {
        this.kafka = kafka;
        this.certs = kafka.certificates();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            // One request per mechanism: the broker refuses two changes to one user in a request.
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(SCRAM_USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), SCRAM_PASSWORD))).all().get(30, TimeUnit.SECONDS);
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(SCRAM_USER,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), SCRAM_PASSWORD))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private ClientOptions.Builder options(Listener listener) {
        return ClientOptions.builder().bootstrapServers(kafka.bootstrapServers(listener))
                .connectTimeout(Duration.ofSeconds(10));
    }

    /** The cluster's metadata over {@code options}, then one more request over a broker connection. */
    private static Cluster works(ClientOptions options) throws Exception {
        try (ClusterClient client = ClusterClient.start(options, null)) {
            Cluster c = client.awaitReady(Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS);
            assertEquals(1, c.brokers().size());
            MetadataResponse r = client.<MetadataResponse>send(1, ApiKey.METADATA, v -> new MetadataRequest()
                    .setTopics(List.of())).get(30, TimeUnit.SECONDS);
            assertEquals(1, r.brokers().size());
            return c;
        }
    }

    /**
     * The refusal over {@code options}, which must come within seconds; a later operation tries again
     * (the refusal is not final) and is refused again.
     */
    private static AuthenticationException fails(ClientOptions options) throws Exception {
        try (ClusterClient client = ClusterClient.start(options, null)) {
            long start = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> client.awaitReady(Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS));
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "the failure came promptly");
            AuthenticationException a = assertInstanceOf(AuthenticationException.class, e.getCause(), e::toString);
            assertFalse(a.isRetriable());
            assertInstanceOf(AuthenticationException.class, client.authenticationFailure(),
                    "held until a connection authenticates");
            ExecutionException later = assertThrows(ExecutionException.class,
                    () -> client.send(1, ApiKey.METADATA, v -> new MetadataRequest()).get(5, TimeUnit.SECONDS));
            assertInstanceOf(AuthenticationException.class, later.getCause(), "a later operation is refused too");
            return a;
        }
    }

    @Test
    void tlsWithEveryKindOfTrustMaterial() throws Exception {
        UnaryOperator<ClientOptions.Builder> ssl = b -> b.securityProtocol(SecurityProtocol.SSL);
        works(ssl.apply(options(Listener.SSL)).trustStore(certs.trustStore(), pass).build());
        works(ssl.apply(options(Listener.SSL)).trustStore(certs.trustStoreJks(), pass).build());
        works(ssl.apply(options(Listener.SSL)).trustStore(certs.caPem(), null).build());
        works(options(Listener.SSL).properties(Map.of("security.protocol", "SSL",
                "ssl.truststore.type", "PEM", "ssl.truststore.certificates", Files.readString(certs.caPem()))).build());
        works(options(Listener.SSL).properties(Map.of("security.protocol", "SSL", "ssl.enabled.protocols", "TLSv1.2",
                "ssl.truststore.location", certs.trustStore().toString(),
                "ssl.truststore.password", TestCertificates.PASSWORD)).build());
    }

    @Test
    void mutualTlsWithKeyStoresAndPem() throws Exception {
        works(options(Listener.MTLS).securityProtocol(SecurityProtocol.SSL).trustStore(certs.trustStore(), pass)
                .keyStore(certs.clientKeyStore(), pass, pass).build());
        works(options(Listener.MTLS).securityProtocol(SecurityProtocol.SSL).trustStore(certs.trustStore(), pass)
                .keyStore(certs.clientKeyStoreJks(), pass, pass).build());
        works(options(Listener.MTLS).securityProtocol(SecurityProtocol.SSL).trustStore(certs.trustStore(), pass)
                .clientCertificate(Files.readString(certs.clientCertificatePem()),
                        Secret.of(Files.readString(certs.clientKeyPem())), null).build());

        AuthenticationException noCert = fails(options(Listener.MTLS).securityProtocol(SecurityProtocol.SSL)
                .trustStore(certs.trustStore(), pass).build());
        assertTrue(noCert.getMessage().contains("TLS"), noCert::getMessage);
    }

    @Test
    void aCertificateThatDoesNotNameTheHostIsRefused() throws Exception {
        AuthenticationException e = fails(options(Listener.SSL_WRONG_SAN).securityProtocol(SecurityProtocol.SSL)
                .trustStore(certs.trustStore(), pass).build());
        assertTrue(e.getMessage().contains("does not name 127.0.0.1"), e::getMessage);
        assertTrue(e.getMessage().contains("subjectAltName"), e::getMessage);

        // Only an explicit opt-out lets it through (and logs a warning).
        works(options(Listener.SSL_WRONG_SAN).securityProtocol(SecurityProtocol.SSL)
                .trustStore(certs.trustStore(), pass).hostnameVerification(false).build());
    }

    @Test
    void anUntrustedCertificateIsRefused() throws Exception {
        AuthenticationException e = fails(options(Listener.SSL).securityProtocol(SecurityProtocol.SSL).build());
        assertTrue(e.getMessage().contains("not signed by a CA the client trusts"), e::getMessage);
    }

    @Test
    void plaintextAndTlsMismatchesFailFastAndSaySo() throws Exception {
        AuthenticationException plainOnTls = fails(options(Listener.SSL).build());
        assertTrue(plainOnTls.getMessage().contains("TLS"), plainOnTls::getMessage);
        assertTrue(plainOnTls.getMessage().contains("security.protocol"), plainOnTls::getMessage);


        AuthenticationException saslOnPlain = fails(options(Listener.PLAINTEXT)
                .securityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                .sasl(SaslCredentials.plain("alice", Secret.of("alice-secret"))).build());
        assertTrue(saslOnPlain.getMessage().contains("does not use SASL"), saslOnPlain::getMessage);
    }

    /**
     * A plaintext listener closes a TLS client's connection without a word: no proof of a refusal (see
     * below), so the client keeps trying, and a wait for it fails with the hint as its cause.
     */
    @Test
    void aTlsClientOnAPlaintextPortKeepsTryingAndSaysWhy() throws Exception {
        try (ClusterClient client = ClusterClient.start(options(Listener.PLAINTEXT).securityProtocol(SecurityProtocol.SSL)
                .trustStore(certs.trustStore(), pass).build(), null)) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> client.awaitReady(Duration.ofSeconds(3)).get(30, TimeUnit.SECONDS));
            TimeoutException t = assertInstanceOf(TimeoutException.class, e.getCause(), e::toString);
            assertTrue(t.isRetriable());
            assertTrue(t.getMessage().contains("PLAINTEXT") && t.getMessage().contains("security.protocol=SSL"),
                    t::getMessage);
            assertInstanceOf(NetworkException.class, t.getCause());
            assertNull(client.authenticationFailure(), "no refusal");
        }
    }

    /**
     * A TLS handshake the peer closes before sending a byte (a docker-proxy or sidecar whose upstream
     * is not ready yet, a broker restarting) is a network fault, not a refusal: like Apache Kafka's
     * NetworkClient ("terminated during authentication ... transient network issue"), the client
     * connects again after its backoff, even before it ever connected.
     */
    @Test
    void aTlsHandshakeClosedBeforeAnyByteIsRetriedNotFinal() throws Exception {
        String ssl = kafka.bootstrapServers(Listener.SSL);
        int colon = ssl.lastIndexOf(':');
        try (ClosingForwarder forwarder = new ClosingForwarder(ssl.substring(0, colon),
                Integer.parseInt(ssl.substring(colon + 1)), 1);
             ClusterClient client = ClusterClient.start(ClientOptions.builder()
                     .bootstrapServers("127.0.0.1:" + forwarder.port()).securityProtocol(SecurityProtocol.SSL)
                     .trustStore(certs.trustStore(), pass).build(), null)) {
            Cluster c = client.awaitReady(Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS);
            assertEquals(1, c.brokers().size());
            assertNull(client.authenticationFailure(), "a closed handshake is no refusal");
            assertTrue(forwarder.accepted() >= 2, "connected again after the first connection was closed");
        }
    }

    @Test
    void saslOverTlsWithEveryMechanism() throws Exception {
        UnaryOperator<ClientOptions.Builder> saslSsl = b -> b.securityProtocol(SecurityProtocol.SASL_SSL)
                .trustStore(certs.trustStore(), pass);
        works(saslSsl.apply(options(Listener.SASL_SSL))
                .sasl(SaslCredentials.plain("alice", Secret.of(KafkaCluster.PLAIN_USERS.get("alice")))).build());
        works(saslSsl.apply(options(Listener.SASL_SSL))
                .sasl(SaslCredentials.scramSha256(SCRAM_USER, Secret.of(SCRAM_PASSWORD))).build());
        works(saslSsl.apply(options(Listener.SASL_SSL))
                .sasl(SaslCredentials.scramSha512(SCRAM_USER, Secret.of(SCRAM_PASSWORD))).build());
        works(saslSsl.apply(options(Listener.SASL_SSL))
                .sasl(SaslCredentials.oauthBearer(OAuthBearerTokenSource.unsecured("dave", Duration.ofMinutes(5)))).build());
        // The standard properties, as a Kafka client would be configured.
        works(options(Listener.SASL_SSL).properties(Map.of("security.protocol", "SASL_SSL",
                "ssl.truststore.location", certs.trustStore().toString(), "ssl.truststore.password", TestCertificates.PASSWORD,
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + SCRAM_USER
                        + "\" password=\"" + SCRAM_PASSWORD + "\";")).build());
    }

    /** An https token endpoint for the client-credentials grant, issuing unsecured JWTs to one client. */
    private com.sun.net.httpserver.HttpsServer tokenEndpoint(String clientId, String clientSecret) throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(certs.brokerKeyStore())) {
            ks.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, TestCertificates.PASSWORD.toCharArray());
        javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), null, null);
        com.sun.net.httpserver.HttpsServer server = com.sun.net.httpserver.HttpsServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(ssl));
        String expected = "Basic " + java.util.Base64.getEncoder().encodeToString((clientId + ":" + clientSecret)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        server.createContext("/token", exchange -> {
            String form = new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            boolean ok = expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))
                    && form.contains("grant_type=client_credentials") && exchange.getRequestMethod().equals("POST");
            String jwt = dev.skein.core.internal.security.Jwt.unsecured(clientId, Duration.ofMinutes(5)).value().reveal();
            byte[] body = (ok ? "{\"access_token\":\"" + jwt + "\",\"token_type\":\"bearer\",\"expires_in\":300}"
                    : "{\"error\":\"invalid_client\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(ok ? 200 : 401, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    @Test
    void oauthClientCredentialsFromAListedHttpsEndpoint() throws Exception {
        com.sun.net.httpserver.HttpsServer server = tokenEndpoint("svc-app", "svc-app-secret");
        try {
            String url = "https://127.0.0.1:" + server.getAddress().getPort() + "/token";
            java.util.function.Function<String, ClientOptions.Builder> withSecret = secret -> options(Listener.SASL_SSL)
                    .properties(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "OAUTHBEARER",
                            "ssl.truststore.location", certs.trustStore().toString(),
                            "ssl.truststore.password", TestCertificates.PASSWORD,
                            "sasl.oauthbearer.token.endpoint.url", url, "skein.sasl.oauthbearer.allowed.urls", url,
                            "sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
                                    + " required clientId=\"svc-app\" clientSecret=\"" + secret + "\";"));
            works(withSecret.apply("svc-app-secret").build());
            AuthenticationException refused = fails(withSecret.apply("wrong-client-secret").build());
            assertTrue(refused.getMessage().contains("HTTP 401 (invalid_client)"), refused::getMessage);
            assertFalse(refused.getMessage().contains("wrong-client-secret"));
        } finally {
            server.stop(0);
        }
    }

    /**
     * An identity provider that cannot be reached for a moment (a retriable error from the token source)
     * is asked again after the reconnect backoff: it is no refusal of the client's credentials, and must
     * not stop the client for good as an {@link AuthenticationException} would.
     */
    @Test
    void anIdentityProviderDownForAMomentIsAskedAgainNotFatal() throws Exception {
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        OAuthBearerTokenSource flaky = () -> asked.incrementAndGet() <= 2
                ? CompletableFuture.failedFuture(new NetworkException("cannot reach the OAuth token endpoint", null, true))
                : OAuthBearerTokenSource.unsecured("dave", Duration.ofMinutes(5)).token();
        try (ClusterClient client = ClusterClient.start(options(Listener.SASL_PLAINTEXT)
                .securityProtocol(SecurityProtocol.SASL_PLAINTEXT).sasl(SaslCredentials.oauthBearer(flaky)).build(), null)) {
            Cluster c = client.awaitReady(Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS);
            assertEquals(1, c.brokers().size());
            assertNull(client.authenticationFailure());
            assertTrue(asked.get() >= 3, "asked " + asked.get() + " times");
        }
    }

    /** KIP-342 extensions beside the token, in the format the broker parses (an unparsable message is refused). */
    @Test
    void oauthExtensionsReachTheBroker() throws Exception {
        works(options(Listener.SASL_PLAINTEXT).securityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                .sasl(SaslCredentials.oauthBearer(OAuthBearerTokenSource.unsecured("dave", Duration.ofMinutes(5)),
                        Map.of("logicalCluster", "lkc-1", "traceId", "t 42"))).build());
    }

    /**
     * A token the broker rejects: it answers with an error JSON, the client ends the exchange with 0x01
     * (RFC 7628 section 3.2.2), and the broker's verdict arrives as a final error, promptly.
     */
    @Test
    void anExpiredTokenIsRefusedPromptlyWithTheBrokersReason() throws Exception {
        // A source of the application's own: the built-in ones refuse a token already expired before sending it.
        OAuthBearerToken token = dev.skein.core.internal.security.Jwt.unsecured("dave", Duration.ofMinutes(-5));
        Secret expired = token.value();
        AuthenticationException e = fails(options(Listener.SASL_PLAINTEXT).securityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                .sasl(SaslCredentials.oauthBearer(() -> CompletableFuture.completedFuture(token))).build());
        assertTrue(e.getMessage().contains("invalid_token"), e::getMessage);
        assertFalse(e.getMessage().contains(expired.reveal()), e::getMessage);
    }

    @Test
    void wrongPasswordsAndUnknownUsersFailPromptlyWithoutTheirPassword() throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        String wrong = "not-the-Password-42";
        try {
            for (SaslCredentials c : List.of(SaslCredentials.plain("alice", Secret.of(wrong)),
                    SaslCredentials.plain("nobody", Secret.of(wrong)),
                    SaslCredentials.scramSha256(SCRAM_USER, Secret.of(wrong)),
                    SaslCredentials.scramSha512("nobody", Secret.of(wrong)))) {
                AuthenticationException e = fails(options(Listener.SASL_SSL).securityProtocol(SecurityProtocol.SASL_SSL)
                        .trustStore(certs.trustStore(), pass).sasl(c).build());
                assertTrue(e.getMessage().contains("authentication"), e::getMessage);
                assertFalse(e.getMessage().contains(wrong), e::getMessage);
                assertFalse(String.valueOf(e.getCause()).contains(wrong));
            }
        } finally {
            System.setErr(err);
        }
        String log = captured.toString();
        // Each client was refused at least twice (fails(): a later operation is refused too); the first
        // refusal of each is an error, the others are at debug.
        assertEquals(4, log.lines().filter(l -> l.contains("ERROR") && l.contains("client skein connects again")).count(),
                "the failure is logged once per client as an error: " + log);
        assertFalse(log.contains(wrong), "no log line holds the password");
        err.print(log);
    }

    /**
     * KIP-368 with a request the broker holds: a Fetch on an empty partition waits out its maxWaitMs
     * (10 s) across the time the session must be renewed (4 s). The broker reads nothing more on the
     * connection until it answers, so a SaslHandshake written behind the Fetch went unread, its 2 s
     * timer closed the connection and failed the Fetch. As Apache Kafka's client (which begins
     * re-authentication only when about to write), it starts once nothing is in flight: the Fetch is
     * answered and the connection re-authenticates, open throughout.
     */
    @Test
    void aFetchHeldAcrossTheReauthenticationTimeIsAnsweredAndTheConnectionLives() throws Exception {
        String topic = "reauth-held-" + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (ClusterClient client = ClusterClient.start(options(Listener.SASL_PLAINTEXT)
                .securityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                .sasl(SaslCredentials.plain("bob", Secret.of(KafkaCluster.PLAIN_USERS.get("bob"))))
                .connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(30)).build(), null)) {
            client.addTopics(List.of(topic)).get(30, TimeUnit.SECONDS);
            Cluster c = Await.value("a leader for " + topic, Duration.ofSeconds(30), () -> {
                Cluster now = client.refreshMetadata().get(30, TimeUnit.SECONDS);
                return now.leader(topic, 0) != null ? now : null;
            });
            BrokerConnection conn = client.connections().connection(c.leader(topic, 0)).get(30, TimeUnit.SECONDS);
            FetchRequest fetch = new FetchRequest().setReplicaId(-1).setMaxWaitMs(10_000).setMinBytes(1)
                    .setMaxBytes(1 << 20).setSessionEpoch(-1).setTopics(List.of(new FetchRequest.FetchTopic()
                            .setTopic(topic).setTopicId(c.topic(topic).id()).setPartitions(List.of(
                                    new FetchRequest.FetchPartition().setPartition(0).setFetchOffset(0)
                                            .setPartitionMaxBytes(1 << 20)))));
            FetchResponse r = (FetchResponse) conn.send(fetch, conn.versions().version(ApiKey.FETCH), true,
                    Duration.ofSeconds(30)).get(60, TimeUnit.SECONDS);
            r.releaseRecords();
            assertEquals(0, r.errorCode());
            Await.until("a re-authentication after the Fetch", Duration.ofSeconds(30), () -> conn.reauthentications() >= 1);
            assertTrue(conn.isOpen(), "the connection lived through it");
            assertSame(conn, client.connections().connection(c.leader(topic, 0)).get(30, TimeUnit.SECONDS));
        }
    }

    /**
     * KIP-368 with a token source that never answers on renewal: the whole re-authentication, token
     * included, is bounded by {@code socket.connection.setup.timeout.ms}. Past it the connection closes,
     * and requests that waited behind it fail as not sent (retriable), instead of waiting for ever.
     */
    @Test
    void aReauthenticationWhoseTokenNeverComesClosesTheConnectionInTime() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean stall = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger stalled = new java.util.concurrent.atomic.AtomicInteger();
        OAuthBearerTokenSource stalls = () -> {
            if (stall.get()) {
                stalled.incrementAndGet();
                return new CompletableFuture<>(); // an IdP that never finishes its answer
            }
            return OAuthBearerTokenSource.unsecured("dave", Duration.ofMinutes(5)).token();
        };
        try (ClusterClient client = ClusterClient.start(options(Listener.SASL_PLAINTEXT)
                .securityProtocol(SecurityProtocol.SASL_PLAINTEXT).sasl(SaslCredentials.oauthBearer(stalls))
                .connectTimeout(Duration.ofSeconds(2)).requestTimeout(Duration.ofSeconds(10)).build(), null)) {
            Cluster c = client.awaitReady(Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS);
            BrokerConnection conn = client.connections().connection(c.broker(1)).get(30, TimeUnit.SECONDS);
            stall.set(true);
            Await.until("the renewal's token asked for", Duration.ofSeconds(30), () -> stalled.get() >= 1);
            CompletableFuture<MetadataResponse> waiting = conn.send(new MetadataRequest().setTopics(List.of()));
            ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(30, TimeUnit.SECONDS),
                    "the request behind the stalled re-authentication completes");
            assertInstanceOf(NetworkException.class, e.getCause(), e::toString);
            assertTrue(((NetworkException) e.getCause()).isRetriable());
            Await.until("the connection closed", Duration.ofSeconds(30), () -> !conn.isOpen());
        }
    }

    @Test
    void reauthenticatesBeforeTheSessionEnds() throws Exception {
        for (SaslCredentials c : List.of(SaslCredentials.plain("bob", Secret.of(KafkaCluster.PLAIN_USERS.get("bob"))),
                SaslCredentials.scramSha256(SCRAM_USER, Secret.of(SCRAM_PASSWORD)))) {
            try (ClusterClient client = ClusterClient.start(options(Listener.SASL_PLAINTEXT)
                    .securityProtocol(SecurityProtocol.SASL_PLAINTEXT).sasl(c).build(), null)) {
                client.awaitReady(Duration.ofSeconds(30)).get(30, TimeUnit.SECONDS);
                BrokerConnection first = client.connections().connection(client.cluster().broker(1)).get(30, TimeUnit.SECONDS);
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KafkaCluster.REAUTH_MS * 5L / 2);
                int requests = 0;
                while (System.nanoTime() < end) {
                    client.send(1, ApiKey.METADATA, v -> new MetadataRequest().setTopics(List.of())).get(30, TimeUnit.SECONDS);
                    requests++;
                    Thread.sleep(50); // pacing: steady traffic for 2.5 session lifetimes, not a wait for anything
                }
                BrokerConnection now = client.connections().connection(client.cluster().broker(1)).get(30, TimeUnit.SECONDS);
                assertSame(first, now, "the connection outlived its session lifetimes: it was not closed by the broker");
                assertTrue(first.isOpen());
                assertTrue(first.reauthentications() >= 2, c + ": re-authenticated " + first.reauthentications()
                        + " times over " + requests + " requests");
            }
        }
    }
}
