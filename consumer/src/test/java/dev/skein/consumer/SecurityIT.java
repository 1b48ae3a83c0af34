package dev.skein.consumer;

import dev.skein.admin.AclBinding;
import dev.skein.admin.AclFilter;
import dev.skein.admin.AclOperation;
import dev.skein.admin.Admin;
import dev.skein.admin.ConfigResource;
import dev.skein.admin.NewTopic;
import dev.skein.admin.OffsetSpec;
import dev.skein.admin.ResourceType;
import dev.skein.admin.ScramChange;
import dev.skein.admin.ScramMechanism;
import dev.skein.core.ClientOptions;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.AuthorizationException;
import dev.skein.core.security.OAuthBearerTokenSource;
import dev.skein.core.security.SaslCredentials;
import dev.skein.core.security.Secret;
import dev.skein.core.security.SecurityProtocol;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster.Listener;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import dev.skein.testkit.TestCertificates;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Producer, consumer group and admin client over every secured listener of a real broker, and
 * what each of them does with credentials the broker refuses.
 */
@ExtendWith(KafkaClusterExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityIT {
    private static final String SCRAM_USER = "erin";
    private static final String SCRAM_PASSWORD = "erin-Scram-Secret";
    private static final int RECORDS = 300;
    /** How long a consumer polls for one record, or for a refusal. */
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** For {@link OAuthBearerTokenSource#fixed}: made here, not by Skein, so the path is tried with a token it did not make. */
    private static final Secret FIXED_TOKEN = unsecuredJwt("grace");
    private KafkaCluster kafka;
    private TestCertificates certs;

    @BeforeAll
    void start(@OwnCluster(securityListeners = true, config = {
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "allow.everyone.if.no.acl.found=true", // every test resource is open but the ones an ACL names
            "super.users=User:ANONYMOUS"}) KafkaCluster kafka) throws Exception {
        this.kafka = kafka;
        this.certs = kafka.certificates();
        // SCRAM users through Skein's own admin client, one request per mechanism.
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            for (ScramMechanism m : ScramMechanism.values()) {
                admin.credentials().alter(List.of(ScramChange.upsert(SCRAM_USER, m, 4096, SCRAM_PASSWORD)))
                        .all().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** A way of connecting: a listener and the options that go with it. */
    record Variant(String name, Listener listener, Consumer<ClientOptions.Builder> options) {
        @Override
        public String toString() {
            return name;
        }
    }

    Stream<Variant> variants() {
        Secret pass = Secret.of(TestCertificates.PASSWORD);
        Consumer<ClientOptions.Builder> trust = b -> b.trustStore(certs.trustStore(), pass);
        return Stream.of(
                new Variant("SSL", Listener.SSL, trust.andThen(b -> b.securityProtocol(SecurityProtocol.SSL))),
                new Variant("mutual TLS", Listener.MTLS, trust.andThen(b -> b.securityProtocol(SecurityProtocol.SSL)
                        .keyStore(certs.clientKeyStore(), pass, pass))),
                new Variant("SASL_SSL PLAIN", Listener.SASL_SSL, trust.andThen(b -> b
                        .securityProtocol(SecurityProtocol.SASL_SSL)
                        .sasl(SaslCredentials.plain("alice", Secret.of(KafkaCluster.PLAIN_USERS.get("alice")))))),
                new Variant("SASL_SSL SCRAM-SHA-256", Listener.SASL_SSL, trust.andThen(b -> b
                        .securityProtocol(SecurityProtocol.SASL_SSL)
                        .sasl(SaslCredentials.scramSha256(SCRAM_USER, Secret.of(SCRAM_PASSWORD))))),
                new Variant("SASL_SSL SCRAM-SHA-512", Listener.SASL_SSL, trust.andThen(b -> b
                        .securityProtocol(SecurityProtocol.SASL_SSL)
                        .sasl(SaslCredentials.scramSha512(SCRAM_USER, Secret.of(SCRAM_PASSWORD))))),
                new Variant("SASL_SSL OAUTHBEARER", Listener.SASL_SSL, trust.andThen(b -> b
                        .securityProtocol(SecurityProtocol.SASL_SSL)
                        .sasl(SaslCredentials.oauthBearer(OAuthBearerTokenSource.unsecured("frank", Duration.ofMinutes(10)))))),
                new Variant("SASL_SSL OAUTHBEARER, a fixed token", Listener.SASL_SSL, trust.andThen(b -> b
                        .securityProtocol(SecurityProtocol.SASL_SSL)
                        .sasl(SaslCredentials.oauthBearer(OAuthBearerTokenSource.fixed(FIXED_TOKEN))))),
                new Variant("SASL_PLAINTEXT SCRAM-SHA-512, re-authenticating", Listener.SASL_PLAINTEXT, b -> b
                        .securityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                        .sasl(SaslCredentials.scramSha512(SCRAM_USER, Secret.of(SCRAM_PASSWORD)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void produceConsumeInAGroupAndAdminister(Variant v) throws Exception {
        String bootstrap = kafka.bootstrapServers(v.listener());
        String topic = "secure-" + UUID.randomUUID();
        try (Admin admin = Admin.builder().bootstrapServers(bootstrap).clientOptions(v.options()).build()) {
            admin.topics().create(List.of(NewTopic.of(topic, 3, 1))).all().get(30, TimeUnit.SECONDS);
            // A new topic reaches the broker's metadata a moment after the controller created it.
            assertTrue(Await.holds(() -> admin.topics().list(false).join().stream()
                    .anyMatch(t -> t.name().equals(topic)), Duration.ofSeconds(30)), "the new topic is listed");
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(bootstrap).clientOptions(v.options()).meterRegistry(meters).build()) {
            List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                acks.add(producer.send(ProducerRecord.of(topic, "k" + (i % 7), Integer.toString(i))));
                if (i == RECORDS / 2 && v.listener() == Listener.SASL_PLAINTEXT) {
                    Thread.sleep(KafkaCluster.REAUTH_MS * 3L / 2); // outlive a session: the next sends need re-authentication
                }
            }
            for (CompletableFuture<RecordMetadata> a : acks) {
                a.get(30, TimeUnit.SECONDS);
            }
        }
        Map<Integer, List<Integer>> byPartition = new HashMap<>();
        int total = 0;
        try (dev.skein.consumer.Consumer<String, String> consumer = dev.skein.consumer.Consumer
                .builder(Serdes.string(), Serdes.string()).bootstrapServers(bootstrap).clientOptions(v.options())
                .meterRegistry(meters).groupId("g-" + topic).offsetReset(OffsetReset.EARLIEST).build()) {
            consumer.subscribe(List.of(topic));
            for (ConsumerRecord<String, String> r : ConsumerIT.pollUntil(consumer, RECORDS, Duration.ofSeconds(60))) {
                byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(Integer.parseInt(r.value()));
                total++;
            }
            consumer.commitSync();
        }
        assertEquals(RECORDS, total, v + ": every record read once");
        for (List<Integer> values : byPartition.values()) {
            List<Integer> sorted = new ArrayList<>(values);
            sorted.sort(null);
            assertEquals(sorted, values, "in order within a partition");
        }
        assertFalse(meters.getMeters().isEmpty());
        for (Meter m : meters.getMeters()) {
            for (String secret : secrets()) {
                assertFalse(m.getId().toString().contains(secret), () -> "metric " + m.getId() + " holds a secret");
            }
        }
    }

    /** Every password and token the variants use. */
    private List<String> secrets() {
        List<String> all = new ArrayList<>(KafkaCluster.PLAIN_USERS.values());
        all.addAll(List.of(SCRAM_PASSWORD, TestCertificates.PASSWORD, FIXED_TOKEN.reveal()));
        return all;
    }

    /** An unsecured JWT ({@code "alg":"none"}) for two hours, which the broker's default OAUTHBEARER validator accepts. */
    private static Secret unsecuredJwt(String subject) {
        long now = System.currentTimeMillis() / 1000;
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64.encodeToString(("{\"sub\":\"" + subject + "\",\"iat\":" + now + ",\"exp\":" + (now + 7200) + "}")
                .getBytes(StandardCharsets.UTF_8));
        return Secret.of(header + "." + claims + ".");
    }

    @Test
    void aCertificateThatDoesNotNameTheHostIsRefusedAndNothingIsAcknowledged() throws Exception {
        String topic = "secure-wrong-san-" + UUID.randomUUID();
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            admin.topics().create(List.of(NewTopic.of(topic, 1, 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers(Listener.SSL_WRONG_SAN))
                .clientOptions(b -> b.securityProtocol(SecurityProtocol.SSL)
                        .trustStore(certs.trustStore(), Secret.of(TestCertificates.PASSWORD)))
                .build()) {
            List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                acks.add(producer.send(ProducerRecord.of(topic, "k", "v" + i)));
            }
            for (CompletableFuture<RecordMetadata> a : acks) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> a.get(30, TimeUnit.SECONDS));
                assertInstanceOf(AuthenticationException.class, e.getCause(), e::toString);
                String why = e.getCause().getMessage();
                assertTrue(why.contains("127.0.0.1") && why.contains("ssl.endpoint.identification.algorithm"),
                        "says which host the certificate does not name, and which setting governs it: " + why);
            }
        }
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            TopicPartition tp = new TopicPartition(topic, 0);
            long end = admin.records().listOffsets(Map.of(tp, OffsetSpec.latest())).get(tp).get(30, TimeUnit.SECONDS).offset();
            assertEquals(0, end, "nothing reached the broker");
        }
    }

    @Test
    void aDeniedResourceIsNamedByEveryClientAndTheRestKeepsWorking() throws Exception {
        String denied = "secure-denied-" + UUID.randomUUID();
        String open = "secure-open-" + UUID.randomUUID();
        String deniedGroup = "g-denied-" + UUID.randomUUID();
        try (Admin root = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            root.topics().create(List.of(NewTopic.of(denied, 1, 1), NewTopic.of(open, 1, 1))).all().get(30, TimeUnit.SECONDS);
            List<AclBinding> acls = List.of(
                    AclBinding.deny(ResourceType.TOPIC, denied, "User:bob", AclOperation.ALL),
                    AclBinding.deny(ResourceType.GROUP, deniedGroup, "User:bob", AclOperation.ALL));
            root.acls().create(acls).all().get(30, TimeUnit.SECONDS);
            // ACLs reach the broker through the metadata log.
            Await.until("the ACLs are in force", Duration.ofSeconds(30),
                    () -> root.acls().describe(AclFilter.forPrincipal("User:bob")).get(30, TimeUnit.SECONDS).size() >= acls.size());
        }
        Consumer<ClientOptions.Builder> bob = b -> b.securityProtocol(SecurityProtocol.SASL_SSL)
                .trustStore(certs.trustStore(), Secret.of(TestCertificates.PASSWORD))
                .sasl(SaslCredentials.plain("bob", Secret.of(KafkaCluster.PLAIN_USERS.get("bob"))));
        String bootstrap = kafka.bootstrapServers(Listener.SASL_SSL);

        try (Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(bootstrap).clientOptions(bob).build()) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> producer.send(ProducerRecord.of(denied, "k", "v")).get(30, TimeUnit.SECONDS));
            assertDenied(e.getCause(), denied);
            producer.send(ProducerRecord.of(open, "k", "v")).get(30, TimeUnit.SECONDS);
            e = assertThrows(ExecutionException.class,
                    () -> producer.send(ProducerRecord.of(denied, "k", "v")).get(30, TimeUnit.SECONDS));
            assertDenied(e.getCause(), denied);
        }

        for (String protocol : List.of("consumer", "classic")) {
            try (dev.skein.consumer.Consumer<String, String> consumer = dev.skein.consumer.Consumer
                    .builder(Serdes.string(), Serdes.string()).bootstrapServers(bootstrap).clientOptions(bob)
                    .groupProtocol(GroupProtocol.forName(protocol)).groupId("g-" + protocol + "-" + open).offsetReset(OffsetReset.EARLIEST).build()) {
                consumer.subscribe(List.of(denied));
                assertDenied(assertThrows(AuthorizationException.class, () -> ConsumerIT.pollUntil(consumer, 1, WAIT)), denied);
                consumer.subscribe(List.of(open));
                assertEquals(1, ConsumerIT.pollUntil(consumer, 1, WAIT).size(), protocol + ": the record bob wrote to the open topic");
            }
            try (dev.skein.consumer.Consumer<String, String> consumer = dev.skein.consumer.Consumer
                    .builder(Serdes.string(), Serdes.string()).bootstrapServers(bootstrap).clientOptions(bob)
                    .groupProtocol(GroupProtocol.forName(protocol)).groupId(deniedGroup).offsetReset(OffsetReset.EARLIEST).build()) {
                consumer.subscribe(List.of(open));
                assertDenied(assertThrows(AuthorizationException.class, () -> ConsumerIT.pollUntil(consumer, 1, WAIT)), deniedGroup);
                assertDenied(assertThrows(AuthorizationException.class, () -> ConsumerIT.pollUntil(consumer, 1, WAIT)), deniedGroup); // and again
            }
        }
        try (dev.skein.consumer.Consumer<String, String> consumer = dev.skein.consumer.Consumer
                .builder(Serdes.string(), Serdes.string()).bootstrapServers(bootstrap).clientOptions(bob)
                .delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).build()) {
            consumer.assign(List.of(new TopicPartition(denied, 0)));
            assertDenied(assertThrows(AuthorizationException.class, () -> ConsumerIT.pollUntil(consumer, 1, WAIT)), denied);
            consumer.assign(List.of(new TopicPartition(open, 0)));
            assertEquals(1, ConsumerIT.pollUntil(consumer, 1, WAIT).size(), "the record bob wrote to the open topic");
        }

        try (Admin admin = Admin.builder().bootstrapServers(bootstrap).clientOptions(bob).build()) {
            assertDenied(failure(admin.topics().describe(List.of(denied)).get(denied)), denied);
            ConfigResource deniedConfigs = ConfigResource.topic(denied);
            assertDenied(failure(admin.configs().describe(List.of(deniedConfigs)).get(deniedConfigs)), denied);
            TopicPartition deniedPartition = new TopicPartition(denied, 0);
            assertDenied(failure(admin.records().listOffsets(Map.of(deniedPartition, OffsetSpec.latest()))
                    .get(deniedPartition)), denied);
            // Not DeleteTopics: with no ACL on the cluster, everyone may delete any topic (the broker asks there first).
            assertDenied(failure(admin.groups().describe(List.of(deniedGroup)).get(deniedGroup)), deniedGroup);
            assertEquals(open, admin.topics().describe(List.of(open)).get(open).get(30, TimeUnit.SECONDS).name());
        }
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        return e.getCause();
    }

    private static void assertDenied(Throwable e, String resource) {
        assertInstanceOf(AuthorizationException.class, e, () -> String.valueOf(e));
        assertTrue(e.getMessage().contains(resource), "names " + resource + ": " + e.getMessage());
    }

    /**
     * A user whose SCRAM credential is created only after its clients started (a Kubernetes operator
     * creating the KafkaUser beside the application's pod, a password rotated on the broker a little
     * before the application's secret): while it is missing, every call fails promptly with the
     * {@link AuthenticationException}, not a timeout; the clients keep connecting, backing off (no storm:
     * the attempts through the proxy are counted over a window); and once the credential exists, the
     * producer writes, the consumer group reads and the admin client answers, as with Apache Kafka's clients.
     */
    @Test
    void aUserCreatedAfterItsClientsStartedIsServedOnceItsCredentialExists() throws Exception {
        String user = "late-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "late-Scram-Secret";
        String topic = "secure-late-" + UUID.randomUUID();
        try (Admin root = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            root.topics().create(List.of(NewTopic.of(topic, 1, 1))).all().get(30, TimeUnit.SECONDS);
        }
        String direct = kafka.bootstrapServers(Listener.SASL_PLAINTEXT);
        int colon = direct.lastIndexOf(':');
        // Bootstrap through a proxy that counts connections: until the credential exists no client learns
        // the broker's own address, so every attempt of theirs passes here.
        try (FaultProxy proxy = FaultProxy.start(direct.substring(0, colon), Integer.parseInt(direct.substring(colon + 1)))) {
            String bootstrap = "127.0.0.1:" + proxy.port();
            Consumer<ClientOptions.Builder> late = b -> b.securityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                    .sasl(SaslCredentials.scramSha512(user, Secret.of(password)));
            try (Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
                         .bootstrapServers(bootstrap).clientOptions(late).build();
                 dev.skein.consumer.Consumer<String, String> consumer = dev.skein.consumer.Consumer
                         .builder(Serdes.string(), Serdes.string()).bootstrapServers(bootstrap).clientOptions(late)
                         .groupId("g-" + topic).offsetReset(OffsetReset.EARLIEST).build();
                 Admin admin = Admin.builder().bootstrapServers(bootstrap).clientOptions(late).build()) {
                consumer.subscribe(List.of(topic));

                long start = System.nanoTime();
                ExecutionException sent = assertThrows(ExecutionException.class,
                        () -> producer.send(ProducerRecord.of(topic, "k", "before")).get(30, TimeUnit.SECONDS));
                assertInstanceOf(AuthenticationException.class, sent.getCause(), sent::toString);
                assertThrows(AuthenticationException.class, () -> consumer.poll(Duration.ofSeconds(30)));
                ExecutionException listed = assertThrows(ExecutionException.class,
                        () -> admin.topics().list(false).get(30, TimeUnit.SECONDS));
                assertInstanceOf(AuthenticationException.class, listed.getCause(), listed::toString);
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15),
                        "each call failed promptly, not after its timeout");

                // Still refused a while later, and still trying, backing off: three clients, each with its
                // backoff doubling from reconnect.backoff.ms (50 ms) to reconnect.backoff.max.ms (1 s).
                int before = proxy.acceptedConnections();
                long windowStart = System.nanoTime();
                Await.until("a window of 5 s", Duration.ofSeconds(10),
                        () -> System.nanoTime() - windowStart >= TimeUnit.SECONDS.toNanos(5));
                ExecutionException again = assertThrows(ExecutionException.class,
                        () -> producer.send(ProducerRecord.of(topic, "k", "still")).get(30, TimeUnit.SECONDS));
                assertInstanceOf(AuthenticationException.class, again.getCause(), again::toString);
                int attempts = proxy.acceptedConnections() - before;
                assertTrue(attempts >= 3, "the clients keep trying: " + attempts + " connections in 5 s");
                assertTrue(attempts <= 45, "and back off, no storm: " + attempts + " connections in 5 s");

                try (Admin root = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
                    root.credentials().alter(List.of(ScramChange.upsert(user, ScramMechanism.SCRAM_SHA_512, 4096, password)))
                            .all().get(30, TimeUnit.SECONDS);
                }
                Await.until("the producer writes once the credential exists", Duration.ofSeconds(30),
                        () -> producer.send(ProducerRecord.of(topic, "k", "after")).get(10, TimeUnit.SECONDS) != null);
                Await.until("the admin client answers", Duration.ofSeconds(30),
                        () -> admin.topics().list(false).get(10, TimeUnit.SECONDS).stream().anyMatch(t -> t.name().equals(topic)));
                ConsumerRecord<String, String> read = Await.value("the consumer group reads what was written",
                        Duration.ofSeconds(60), () -> {
                            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                                return r; // AuthenticationException until it authenticates: Await retries
                            }
                            return null;
                        });
                assertEquals("after", read.value(), "the records refused were not written");
                consumer.commitSync();
            }
        }
    }

    @Test
    void refusedCredentialsReachEveryClientPromptlyAndNoPasswordIsPrinted() throws Exception {
        String wrong = "Wrong-Password-77";
        Consumer<ClientOptions.Builder> bad = b -> b.securityProtocol(SecurityProtocol.SASL_SSL)
                .trustStore(certs.trustStore(), Secret.of(TestCertificates.PASSWORD))
                .sasl(SaslCredentials.scramSha256(SCRAM_USER, Secret.of(wrong)));
        Consumer<ClientOptions.Builder> unknown = b -> b.securityProtocol(SecurityProtocol.SASL_SSL)
                .trustStore(certs.trustStore(), Secret.of(TestCertificates.PASSWORD))
                .sasl(SaslCredentials.plain("mallory", Secret.of(wrong)));
        String bootstrap = kafka.bootstrapServers(Listener.SASL_SSL);
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            for (Consumer<ClientOptions.Builder> options : List.of(bad, unknown)) {
                try (Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
                        .bootstrapServers(bootstrap).clientOptions(options).build()) {
                    long start = System.nanoTime();
                    ExecutionException e = assertThrows(ExecutionException.class, () -> producer
                            .send(ProducerRecord.of("secure-refused", "k", "v")).get(30, TimeUnit.SECONDS));
                    assertInstanceOf(AuthenticationException.class, e.getCause(), e::toString);
                    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "promptly");
                    ExecutionException again = assertThrows(ExecutionException.class, () -> producer
                            .send(ProducerRecord.of("secure-refused", "k", "v")).get(5, TimeUnit.SECONDS));
                    assertInstanceOf(AuthenticationException.class, again.getCause(), "and for every later send");
                }
                try (dev.skein.consumer.Consumer<String, String> consumer = dev.skein.consumer.Consumer
                        .builder(Serdes.string(), Serdes.string()).bootstrapServers(bootstrap).clientOptions(options)
                        .groupId("g-refused").build()) {
                    consumer.subscribe(List.of("secure-refused"));
                    long start = System.nanoTime();
                    AuthenticationException e = assertThrows(AuthenticationException.class, () -> {
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                        while (System.nanoTime() < deadline) {
                            consumer.poll(Duration.ofMillis(500));
                        }
                    });
                    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "promptly");
                    assertFalse(e.getMessage().contains(wrong));
                    assertThrows(AuthenticationException.class, () -> consumer.poll(Duration.ofMillis(100)));
                }
                try (Admin admin = Admin.builder().bootstrapServers(bootstrap).clientOptions(options).build()) {
                    long start = System.nanoTime();
                    ExecutionException e = assertThrows(ExecutionException.class,
                            () -> admin.topics().list(false).get(30, TimeUnit.SECONDS));
                    assertInstanceOf(AuthenticationException.class, e.getCause(), e::toString);
                    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15), "promptly");
                }
            }
        } finally {
            System.setErr(err);
        }
        String log = captured.toString();
        err.print(log);
        assertTrue(log.contains("Authentication failed"), "the broker's reason is logged");
        assertFalse(log.contains(wrong), "no log line holds the password");
    }
}
