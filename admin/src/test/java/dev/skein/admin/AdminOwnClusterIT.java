package dev.skein.admin;

import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
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

    @BeforeAll
    static void start(@OwnCluster(brokers = 3, config = {
            "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users=User:ANONYMOUS"}) KafkaCluster kafka) {
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

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // ACLs reach brokers through the metadata log
        List<AclBinding> all;
        do {
            all = get(admin.acls().describe(AclFilter.any()));
        } while (all.size() < 2 && System.nanoTime() < deadline);
        assertEquals(Set.of(alice, bob), Set.copyOf(all));
        assertEquals(2, reference.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS).size());
        assertEquals(List.of(alice), get(admin.acls().describe(AclFilter.forPrincipal("User:alice"))));

        List<AclBinding> deleted = get(admin.acls().delete(List.of(alice.asFilter())).get(alice.asFilter()));
        assertEquals(List.of(alice), deleted);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        do {
            all = get(admin.acls().describe(AclFilter.any()));
        } while (all.size() > 1 && System.nanoTime() < deadline);
        assertEquals(List.of(bob), all);
        assertEquals(Set.of("User:bob"), reference.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)
                .stream().map(a -> a.entry().principal()).collect(Collectors.toSet()));
    }

    @Test
    void withoutAnAuthorizerAclCallsSaySecurityIsDisabled(KafkaCluster shared) throws Exception {
        try (Admin plain = Admin.builder().bootstrapServers(shared.bootstrapServers()).build()) {
            Throwable e = failure(plain.acls().describe(AclFilter.any()));
            assertTrue(e.getMessage().contains("SECURITY_DISABLED"), e.getMessage());
        }
    }
}
