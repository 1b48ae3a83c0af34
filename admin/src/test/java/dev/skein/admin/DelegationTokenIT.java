package dev.skein.admin;

import dev.skein.core.ErrorCode;
import dev.skein.core.errors.ApiException;
import dev.skein.core.security.SaslCredentials;
import dev.skein.core.security.Secret;
import dev.skein.core.security.SecurityProtocol;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaCluster.Listener;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static dev.skein.admin.AdminIT.failure;
import static dev.skein.admin.AdminIT.get;
import static dev.skein.admin.AdminIT.name;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delegation tokens (KIP-48) on a broker with {@code delegation.token.secret.key}, over SASL as the PLAIN
 * user alice, read against Apache Kafka's Admin; the token is proved by authenticating Apache Kafka's
 * producer with it (Skein's clients cannot authenticate with a token yet).
 */
@ExtendWith(KafkaClusterExtension.class)
class DelegationTokenIT {
    private static KafkaCluster kafka;
    private static Admin admin;
    private static org.apache.kafka.clients.admin.Admin reference;

    @BeforeAll
    static void start(@OwnCluster(securityListeners = true, config = "delegation.token.secret.key=skein-test-token-key")
                      KafkaCluster cluster) {
        kafka = cluster;
        admin = Admin.builder().bootstrapServers(kafka.bootstrapServers(Listener.SASL_PLAINTEXT))
                .clientOptions(b -> b.securityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                        .sasl(SaslCredentials.plain("alice", Secret.of(KafkaCluster.PLAIN_USERS.get("alice")))))
                .build();
        reference = org.apache.kafka.clients.admin.Admin.create(Map.of(
                "bootstrap.servers", kafka.bootstrapServers(Listener.SASL_PLAINTEXT),
                "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\""
                        + " password=\"" + KafkaCluster.PLAIN_USERS.get("alice") + "\";"));
    }

    @AfterAll
    static void stop() {
        admin.close();
        reference.close();
    }

    @Test
    void aTokenIsCreatedDescribedRenewedUsedAndExpired() throws Exception {
        Instant before = Instant.now();
        DelegationToken token = get(admin.tokens().create(NewDelegationToken.forCaller().renewableBy("User:bob")));
        assertEquals("User:alice", token.owner(), token.toString());
        assertEquals("User:alice", token.requester(), token.toString());
        assertEquals(List.of("User:bob"), token.renewers());
        assertTrue(token.hmac().length > 0 && !token.tokenId().isEmpty(), token.toString());
        assertTrue(!token.issued().isBefore(before.minusSeconds(5)) && token.expires().isAfter(token.issued())
                && !token.maxLifetimeEnd().isBefore(token.expires()), token.toString());

        DelegationToken described = Await.value(token.tokenId() + " described", Duration.ofSeconds(30),
                () -> find(get(admin.tokens().describe(List.of("User:alice"))), token.tokenId()).orElse(null));
        assertArrayEquals(token.hmac(), described.hmac());
        assertEquals(token.expires(), described.expires());
        assertEquals(List.of("User:bob"), described.renewers());
        var ref = reference.describeDelegationToken().delegationTokens().get(30, TimeUnit.SECONDS).stream()
                .filter(t -> t.tokenInfo().tokenId().equals(token.tokenId())).findFirst().orElseThrow().tokenInfo();
        assertEquals(ref.owner().toString(), described.owner());
        assertEquals(ref.expiryTimestamp(), described.expires().toEpochMilli());
        assertEquals(ref.maxTimestamp(), described.maxLifetimeEnd().toEpochMilli());
        assertTrue(find(get(admin.tokens().describe(List.of("User:bob"))), token.tokenId()).isPresent(),
                "bob, who may renew it, has it among his");
        assertTrue(find(get(admin.tokens().describe(List.of("User:dave"))), token.tokenId()).isEmpty(),
                "dave has nothing to do with it");

        // The broker's default expiry is a day: renewing for two moves it later, within the seven-day maximum.
        Instant renewed = get(admin.tokens().renew(token.hmac(), Duration.ofDays(2)));
        assertTrue(renewed.isAfter(token.expires()), renewed + " after " + token.expires());
        Await.until("the renewal described", Duration.ofSeconds(30), () -> find(get(admin.tokens()
                .describe(List.of())), token.tokenId()).map(t -> t.expires().equals(renewed)).orElse(false));

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                "bootstrap.servers", kafka.bootstrapServers(Listener.SASL_PLAINTEXT),
                "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-256",
                "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + token.tokenId() + "\" password=\"" + token.hmacBase64() + "\" tokenauth=true;",
                "max.block.ms", "30000"), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(name("by-token"), "k", "v")).get(30, TimeUnit.SECONDS);
        }
        // Skein's producer authenticates with the token too: by the same JAAS line, and by SaslCredentials.
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                + token.tokenId() + "\" password=\"" + token.hmacBase64() + "\" tokenauth=true;";
        try (dev.skein.producer.Producer<String, String> producer = dev.skein.producer.Producer.builder(
                dev.skein.serdes.Serdes.string(), dev.skein.serdes.Serdes.string()).properties(Map.of(
                "bootstrap.servers", kafka.bootstrapServers(Listener.SASL_PLAINTEXT), "security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", "SCRAM-SHA-256", "sasl.jaas.config", jaas, "max.block.ms", "30000")).build()) {
            producer.send(dev.skein.producer.ProducerRecord.of(name("by-token-skein"), "k", "v")).get(30, TimeUnit.SECONDS);
        }
        try (dev.skein.producer.Producer<String, String> producer = dev.skein.producer.Producer.builder(
                dev.skein.serdes.Serdes.string(), dev.skein.serdes.Serdes.string())
                .bootstrapServers(kafka.bootstrapServers(Listener.SASL_PLAINTEXT))
                .clientOptions(c -> c.securityProtocol(SecurityProtocol.SASL_PLAINTEXT).sasl(SaslCredentials.delegationToken(
                        SaslCredentials.Mechanism.SCRAM_SHA_256, token.tokenId(), Secret.of(token.hmacBase64()))))
                .property("max.block.ms", "30000").build()) {
            producer.send(dev.skein.producer.ProducerRecord.of(name("by-token-skein"), "k", "v")).get(30, TimeUnit.SECONDS);
        }

        Instant expired = get(admin.tokens().expire(token.hmac(), Duration.ofMillis(-1)));
        assertTrue(!expired.isAfter(Instant.now()), expired.toString());
        Await.until("the token gone", Duration.ofSeconds(30),
                () -> find(get(admin.tokens().describe(List.of())), token.tokenId()).isEmpty());
        Throwable e = failure(admin.tokens().renew(token.hmac(), Duration.ofDays(1)));
        assertInstanceOf(ApiException.class, e, e.toString());
        assertEquals(ErrorCode.DELEGATION_TOKEN_NOT_FOUND, ((ApiException) e).errorCode(), e.toString());
    }

    @Test
    void aTokenForAnotherOwnerNamesThemAndItsRequesterWhoMayNotExpireIt() throws Exception {
        DelegationToken token = get(admin.tokens().create(NewDelegationToken.forCaller().ownedBy("User:carol")
                .maxLifetime(Duration.ofHours(1))));
        assertEquals("User:carol", token.owner());
        assertEquals("User:alice", token.requester());
        assertTrue(!token.maxLifetimeEnd().isAfter(token.issued().plus(Duration.ofHours(1))), token.toString());
        DelegationToken described = Await.value("carol's token described", Duration.ofSeconds(30),
                () -> find(get(admin.tokens().describe(List.of("User:carol"))), token.tokenId()).orElse(null));
        assertEquals("User:alice", described.requester());
        Throwable e = failure(admin.tokens().expire(token.hmac(), Duration.ofMillis(-1)));
        assertInstanceOf(ApiException.class, e, e.toString());
        assertEquals(ErrorCode.DELEGATION_TOKEN_OWNER_MISMATCH, ((ApiException) e).errorCode(),
                "the requester is neither owner nor renewer: " + e);
    }

    @Test
    void anUnauthenticatedConnectionMayNotCreateTokens() throws Exception {
        try (Admin plaintext = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            Throwable e = failure(plaintext.tokens().create(NewDelegationToken.forCaller()));
            assertInstanceOf(ApiException.class, e, e.toString());
            assertEquals(ErrorCode.DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, ((ApiException) e).errorCode(), e.toString());
        }
    }

    private static Optional<DelegationToken> find(List<DelegationToken> tokens, String id) {
        return tokens.stream().filter(t -> t.tokenId().equals(id)).findFirst();
    }
}
