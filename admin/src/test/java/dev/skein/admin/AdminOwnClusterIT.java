package dev.skein.admin;

import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static dev.skein.admin.AdminIT.failure;
import static dev.skein.admin.AdminIT.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Calls that need a cluster of their own: ACLs need an authorizer (the anonymous plaintext principal
 * is a super user, so everything else still works), reassignment needs more than one broker.
 */
@ExtendWith(KafkaClusterExtension.class)
class AdminOwnClusterIT {
    private static Admin admin;
    private static org.apache.kafka.clients.admin.Admin reference;

    private static KafkaCluster cluster;

    @BeforeAll
    static void start(@OwnCluster(brokers = 3, config = {
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users=User:ANONYMOUS"}) KafkaCluster kafka) {
        cluster = kafka;
        admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build();
        reference = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        admin.close();
        reference.close();
    }

    @Test
    void aclsAreCreatedDescribedAndDeletedAsTheReferenceSeesThem() throws Exception {
        AclBinding alice = AclBinding.allow(ResourceType.TOPIC, "orders", "User:alice", AclOperation.READ);
        AclBinding bob = new AclBinding(ResourceType.TOPIC, "tmp-", PatternType.PREFIXED, "User:bob", "*",
                AclOperation.WRITE, AclPermission.DENY);
        get(admin.acls().create(List.of(alice, bob)).all());

        AtomicReference<List<AclBinding>> all = new AtomicReference<>(List.of());
        // ACLs reach brokers through the metadata log.
        Await.until("both ACLs described", Duration.ofSeconds(30), () -> {
            all.set(get(admin.acls().describe(AclFilter.any())));
            return all.get().size() >= 2;
        });
        assertEquals(Set.of(alice, bob), Set.copyOf(all.get()));
        // The reference may ask a broker a moment behind.
        Await.until("the reference describes both ACLs", Duration.ofSeconds(30),
                () -> reference.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS).size() == 2);
        assertEquals(List.of(alice), get(admin.acls().describe(AclFilter.forPrincipal("User:alice"))));

        List<AclBinding> deleted = get(admin.acls().delete(List.of(alice.asFilter())).get(alice.asFilter()));
        assertEquals(List.of(alice), deleted);
        Await.until("alice's ACL gone", Duration.ofSeconds(30), () -> {
            all.set(get(admin.acls().describe(AclFilter.any())));
            return all.get().size() <= 1;
        });
        assertEquals(List.of(bob), all.get());
        Await.until("the reference describes bob's ACL alone", Duration.ofSeconds(30),
                () -> reference.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)
                        .stream().map(a -> a.entry().principal()).collect(Collectors.toSet()).equals(Set.of("User:bob")));
    }

    @Test
    void withoutAnAuthorizerAclCallsSaySecurityIsDisabled(KafkaCluster shared) throws Exception {
        try (Admin plain = Admin.builder().bootstrapServers(shared.bootstrapServers()).build()) {
            Throwable e = failure(plain.acls().describe(AclFilter.any()));
            assertTrue(e.getMessage().contains("SECURITY_DISABLED"), e.getMessage());
        }
    }

    @Test
    void scramCredentialsAreSetDescribedAndDeletedInAgreementWithTheReference() throws Exception {
        String user = "alice-" + java.util.UUID.randomUUID().toString().substring(0, 6);
        get(admin.credentials().alter(List.of(ScramChange.upsert(user, ScramMechanism.SCRAM_SHA_256, 8192, "pw-256"),
                ScramChange.upsert(user, ScramMechanism.SCRAM_SHA_512, 4096, "pw-512"))).get(user));
        AtomicReference<List<ScramCredential>> creds = new AtomicReference<>(List.of());
        // Not at once on the broker we ask: the credentials reach it through the metadata log.
        Await.until("both credentials of " + user + " described", Duration.ofSeconds(30), () -> {
            creds.set(get(admin.credentials().describe(List.of(user)).get(user)));
            return creds.get().size() >= 2;
        });
        assertEquals(Set.of(new ScramCredential(ScramMechanism.SCRAM_SHA_256, 8192),
                new ScramCredential(ScramMechanism.SCRAM_SHA_512, 4096)), Set.copyOf(creds.get()));
        // The reference may ask a broker a moment behind.
        Await.until("the reference describes both credentials of " + user, Duration.ofSeconds(30),
                () -> reference.describeUserScramCredentials(List.of(user)).all().get(30, TimeUnit.SECONDS).get(user)
                        .credentialInfos().size() == 2);
        assertTrue(get(admin.credentials().describeAll()).containsKey(user));

        get(admin.credentials().alter(List.of(ScramChange.delete(user, ScramMechanism.SCRAM_SHA_512))).get(user));
        Await.until("the SCRAM-SHA-512 credential of " + user + " deleted", Duration.ofSeconds(30), () -> {
            creds.set(get(admin.credentials().describe(List.of(user)).get(user)));
            return creds.get().size() <= 1;
        });
        assertEquals(List.of(new ScramCredential(ScramMechanism.SCRAM_SHA_256, 8192)), creds.get());

        String nobody = "nobody-" + java.util.UUID.randomUUID().toString().substring(0, 6);
        Throwable e = failure(admin.credentials().describe(List.of(nobody)).get(nobody));
        assertTrue(e.getMessage().contains(nobody), e.getMessage());
    }

    @Test
    void clientQuotasAreSetReadAndRemoved() throws Exception {
        QuotaEntity user = QuotaEntity.user("quota-user");
        QuotaEntity client = QuotaEntity.clientId("quota-app");
        get(admin.quotas().alter(Map.of(user, Map.of("producer_byte_rate", 1024.0),
                client, Map.of("consumer_byte_rate", 2048.0))).all());
        AtomicReference<Map<QuotaEntity, Map<String, Double>>> quotas = new AtomicReference<>(Map.of());
        Await.until("both quotas described", Duration.ofSeconds(30), () -> {
            quotas.set(get(admin.quotas().describe()));
            return quotas.get().containsKey(user) && quotas.get().containsKey(client);
        });
        assertEquals(Map.of("producer_byte_rate", 1024.0), quotas.get().get(user));
        assertEquals(Map.of("consumer_byte_rate", 2048.0), quotas.get().get(client));
        // The reference may ask another broker, which applies the change from the metadata log a moment later.
        org.apache.kafka.common.quota.ClientQuotaEntity refUser =
                new org.apache.kafka.common.quota.ClientQuotaEntity(Map.of("user", "quota-user"));
        AtomicReference<Map<org.apache.kafka.common.quota.ClientQuotaEntity, Map<String, Double>>> ref =
                new AtomicReference<>(Map.of());
        Await.until("the reference describes quota-user's quota", Duration.ofSeconds(30), () -> {
            ref.set(reference.describeClientQuotas(org.apache.kafka.common.quota.ClientQuotaFilter.all()).entities()
                    .get(30, TimeUnit.SECONDS));
            return ref.get().containsKey(refUser);
        });
        assertEquals(1024.0, ref.get().get(refUser).get("producer_byte_rate"));

        Map<String, Double> remove = new java.util.HashMap<>();
        remove.put("producer_byte_rate", null);
        get(admin.quotas().alter(Map.of(user, remove)).all());
        Await.until("quota-user's quota removed", Duration.ofSeconds(30), () -> {
            quotas.set(get(admin.quotas().describe()));
            return !quotas.get().containsKey(user);
        });
        assertTrue(quotas.get().containsKey(client), quotas.get().toString());
    }

    @Test
    void partitionsAreReassignedAndPreferredLeadersElected() throws Exception {
        List<Integer> brokers = cluster.brokerIds().stream().sorted().toList();
        String topic = "moving-" + java.util.UUID.randomUUID().toString().substring(0, 6);
        String replicated = "replicated-" + java.util.UUID.randomUUID().toString().substring(0, 6);
        get(admin.topics().create(List.of(NewTopic.withAssignment(topic, Map.of(0, List.of(brokers.get(0)),
                1, List.of(brokers.get(0)))), NewTopic.withAssignment(replicated, Map.of(0, brokers)))).all());
        AdminIT.referenceView(reference, topic);
        AdminIT.referenceView(reference, replicated);
        dev.skein.core.TopicPartition p0 = new dev.skein.core.TopicPartition(topic, 0);
        dev.skein.core.TopicPartition p1 = new dev.skein.core.TopicPartition(topic, 1);
        dev.skein.core.TopicPartition r0 = new dev.skein.core.TopicPartition(replicated, 0);

        get(admin.partitions().electLeaders(ElectionType.PREFERRED, List.of(r0)).get(r0)); // already preferred: fine
        get(admin.partitions().electLeaders(ElectionType.UNCLEAN, List.of(r0)).get(r0)); // a live leader: nothing to do
        dev.skein.core.TopicPartition missing = new dev.skein.core.TopicPartition("no-such-" + topic, 0);
        Throwable e0 = failure(admin.partitions().electLeaders(ElectionType.PREFERRED, List.of(missing)).get(missing));
        assertTrue(e0.getMessage().contains(missing.topic()), e0.getMessage());

        get(admin.partitions().reassign(Map.of(p0, List.of(brokers.get(1)))).get(p0));
        Await.until(p0 + " moved to broker " + brokers.get(1), Duration.ofSeconds(60),
                () -> replicas(topic).equals(List.of(brokers.get(1))));
        assertEquals(List.of(brokers.get(1)), replicas(topic), "moved to the other broker");
        Await.until("no reassignment left in progress", Duration.ofSeconds(30),
                () -> get(admin.partitions().listReassignments()).isEmpty());
        assertTrue(get(admin.partitions().listReassignments()).isEmpty(), "nothing left in progress");

        Throwable e = failure(admin.partitions().cancelReassignments(List.of(p1)).get(p1));
        assertTrue(e.getMessage().contains("NO_REASSIGNMENT_IN_PROGRESS") && e.getMessage().contains(topic), e.getMessage());
    }

    /** The replicas of partition 0 of {@code topic}, as the reference sees them. */
    private static List<Integer> replicas(String topic) throws Exception {
        return AdminIT.referenceView(reference, topic).partitions().get(0).replicas().stream()
                .map(org.apache.kafka.common.Node::id).toList();
    }
}
