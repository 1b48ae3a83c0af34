package dev.skein.admin;

import dev.skein.core.Node;
import dev.skein.core.errors.InvalidRequestException;
import dev.skein.core.errors.TopicExistsException;
import dev.skein.core.errors.UnknownTopicException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.FindCoordinatorResponse;
import dev.skein.core.message.MetadataRequest;
import dev.skein.core.message.MetadataResponse;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every call against a real broker, cross-checked with Apache Kafka's Admin client where it has a view. */
@ExtendWith(KafkaClusterExtension.class)
class AdminIT {
    private static Admin admin;
    private static org.apache.kafka.clients.admin.Admin reference;

    @BeforeAll
    static void start(KafkaCluster kafka) {
        admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build();
        reference = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        admin.close();
        reference.close();
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(60, TimeUnit.SECONDS);
    }

    static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
        return e.getCause();
    }

    static String name(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Metadata reaches every broker shortly after the controller commits: wait until the reference sees it. */
    static TopicDescription referenceView(String topic) throws Exception {
        return referenceView(reference, topic);
    }

    static TopicDescription referenceView(org.apache.kafka.clients.admin.Admin reference, String topic) throws Exception {
        TopicDescription[] seen = new TopicDescription[1];
        Await.until("the reference describes " + topic, Duration.ofSeconds(30), () -> {
            seen[0] = reference.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
            return seen[0] != null;
        });
        return seen[0];
    }

    @Test
    void createdTopicsAreDescribedIdenticallyByTheReference(KafkaCluster kafka) throws Exception {
        int broker = kafka.brokerIds().iterator().next();
        String plain = name("plain");
        String pinned = name("pinned");
        Results<String, CreatedTopic> created = admin.topics().create(List.of(
                NewTopic.of(plain, 3, 1).withConfig("retention.ms", "3600000"),
                NewTopic.withAssignment(pinned, Map.of(0, List.of(broker), 1, List.of(broker)))));
        CreatedTopic c = get(created.get(plain));
        assertEquals(3, c.partitions());
        assertEquals("3600000", c.configs().get("retention.ms"));
        assertNotNull(c.topicId());
        assertEquals(2, get(created.get(pinned)).partitions());

        for (String topic : List.of(plain, pinned)) {
            TopicDescription ref = referenceView(topic);
            dev.skein.admin.TopicDescription ours = get(admin.topics().describe(List.of(topic)).get(topic));
            assertEquals(new UUID(ref.topicId().getMostSignificantBits(), ref.topicId().getLeastSignificantBits()),
                    ours.topicId());
            assertEquals(ref.isInternal(), ours.internal());
            assertEquals(ref.partitions().size(), ours.partitions().size());
            for (int p = 0; p < ref.partitions().size(); p++) {
                var r = ref.partitions().get(p);
                var o = ours.partitions().get(p);
                assertEquals(r.partition(), o.partition());
                assertEquals(r.leader().id(), o.leader().id());
                assertEquals(r.replicas().stream().map(org.apache.kafka.common.Node::id).toList(),
                        o.replicas().stream().map(Node::id).toList());
                assertEquals(r.isr().stream().map(org.apache.kafka.common.Node::id).toList(),
                        o.isr().stream().map(Node::id).toList());
            }
            assertTrue(ours.authorizedOperations().contains(AclOperation.DESCRIBE), "no authorizer: everything allowed");
        }
        assertEquals("3600000", reference.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, plain))).all().get(30, TimeUnit.SECONDS)
                .values().iterator().next().get("retention.ms").value());
    }

    @Test
    void creatingThreeTopicsOfWhichOneExistsGivesTwoSuccessesAndOneClearError() throws Exception {
        String existing = name("exists");
        get(admin.topics().create(List.of(NewTopic.of(existing, 1, 1))).all());
        String a = name("a");
        String b = name("b");
        Results<String, CreatedTopic> r = admin.topics().create(List.of(NewTopic.of(a, 1, 1), NewTopic.of(existing, 1, 1),
                NewTopic.of(b, 2, 1)));
        assertEquals(a, get(r.get(a)).name());
        assertEquals(b, get(r.get(b)).name());
        Throwable e = failure(r.get(existing));
        assertInstanceOf(TopicExistsException.class, e);
        assertTrue(e.getMessage().contains(existing), e.getMessage());
        assertInstanceOf(TopicExistsException.class, failure(r.all()), "all() fails with the first error");
    }

    @Test
    void validateOnlyCreatesNothingAndBadInputNamesTheProblem() throws Exception {
        String topic = name("validated");
        CreatedTopic would = get(admin.topics().validate(List.of(NewTopic.of(topic, 4, 1))).get(topic));
        assertEquals(4, would.partitions());
        assertFalse(get(admin.topics().list(false)).stream().anyMatch(t -> t.name().equals(topic)), "validate created it");

        String bad = name("bad");
        Throwable e = failure(admin.topics().create(List.of(NewTopic.of(bad, 1, 1).withConfig("retention.ms", "soon")))
                .get(bad));
        assertInstanceOf(InvalidRequestException.class, e);
        assertTrue(e.getMessage().contains("retention.ms"), "names the key: " + e.getMessage());

        String tooMany = name("rf");
        Throwable rf = failure(admin.topics().create(List.of(NewTopic.of(tooMany, 1, 3))).get(tooMany));
        assertTrue(rf.getMessage().contains("INVALID_REPLICATION_FACTOR"), rf.getMessage());
    }

    @Test
    void listDeleteAndGrowTopics() throws Exception {
        String one = name("list-one");
        String two = name("list-two");
        Map<String, CreatedTopic> made = get(admin.topics().create(List.of(NewTopic.of(one, 1, 1), NewTopic.of(two, 1, 1))).all());
        referenceView(one);
        referenceView(two);
        Set<String> listed = get(admin.topics().list(false)).stream().map(TopicListing::name).collect(Collectors.toSet());
        assertTrue(listed.containsAll(Set.of(one, two)));
        assertEquals(reference.listTopics().names().get(30, TimeUnit.SECONDS), listed, "the same listing as the reference");
        assertTrue(get(admin.topics().list(false)).stream().noneMatch(TopicListing::internal));

        get(admin.topics().createPartitions(Map.of(one, 4)).all());
        Await.until("the reference sees 4 partitions of " + one, Duration.ofSeconds(30),
                () -> referenceView(one).partitions().size() == 4);
        assertEquals(4, referenceView(one).partitions().size(), "the reference sees the new partitions");
        Throwable shrink = failure(admin.topics().createPartitions(Map.of(one, 2)).get(one));
        assertTrue(shrink.getMessage().contains(one), shrink.getMessage());

        get(admin.topics().delete(List.of(one)).all());
        get(admin.topics().deleteByIds(List.of(made.get(two).topicId())).all());
        Await.until("the reference no longer lists " + one + " and " + two, Duration.ofSeconds(30), () -> {
            Set<String> now = reference.listTopics().names().get(30, TimeUnit.SECONDS);
            return !now.contains(one) && !now.contains(two);
        });
        Set<String> now = reference.listTopics().names().get(30, TimeUnit.SECONDS);
        assertFalse(now.contains(one) || now.contains(two), "both are gone for the reference");

        String missing = name("missing");
        Throwable e = failure(admin.topics().delete(List.of(missing)).get(missing));
        assertInstanceOf(UnknownTopicException.class, e);
        assertTrue(e.getMessage().contains(missing), e.getMessage());
        Throwable d = failure(admin.topics().describe(List.of(missing)).get(missing));
        assertInstanceOf(UnknownTopicException.class, d);
        assertTrue(d.getMessage().contains(missing), d.getMessage());
    }

    @Test
    void configsAreDescribedAndAlteredIncrementally(KafkaCluster kafka) throws Exception {
        String topic = name("configs");
        get(admin.topics().create(List.of(NewTopic.of(topic, 1, 1).withConfig("retention.ms", "7200000"))).all());
        referenceView(topic);
        ConfigResource resource = ConfigResource.topic(topic);
        Map<String, ConfigEntry> before = get(admin.configs().describe(List.of(resource)).get(resource));
        assertEquals("7200000", before.get("retention.ms").value());
        assertEquals(ConfigEntry.Source.DYNAMIC_TOPIC_CONFIG, before.get("retention.ms").source());
        assertEquals(ConfigEntry.Source.DEFAULT_CONFIG, before.get("segment.bytes").source());
        assertFalse(before.get("retention.ms").synonyms().isEmpty(), "synonyms are asked for");

        get(admin.configs().alter(Map.of(resource, List.of(ConfigOp.delete("retention.ms"),
                ConfigOp.set("max.message.bytes", "2000000"), ConfigOp.append("cleanup.policy", "compact")))).all());
        // The alteration is answered once the controller has committed it; the broker that describes
        // applies it when the record reaches it, so a describe right after may still see the old value.
        org.apache.kafka.common.config.ConfigResource refResource = new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
        Await.until("max.message.bytes altered on the broker", Duration.ofSeconds(30), () -> "2000000".equals(
                reference.describeConfigs(List.of(refResource)).all().get(30, TimeUnit.SECONDS).get(refResource)
                        .get("max.message.bytes").value()));
        Config ref = reference.describeConfigs(List.of(refResource)).all().get(30, TimeUnit.SECONDS).get(refResource);
        assertEquals("2000000", ref.get("max.message.bytes").value());
        assertEquals(Set.of("delete", "compact"), Set.of(ref.get("cleanup.policy").value().split(",")));
        assertEquals(org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DEFAULT_CONFIG, ref.get("retention.ms").source());

        get(admin.configs().alter(Map.of(resource, List.of(ConfigOp.subtract("cleanup.policy", "delete")))).all());
        // As above: applied by the broker once the controller's record reaches it.
        Await.until("cleanup.policy subtracted on the broker", Duration.ofSeconds(30), () -> "compact".equals(
                get(admin.configs().describe(List.of(resource)).get(resource)).get("cleanup.policy").value()));
        assertEquals("compact", get(admin.configs().describe(List.of(resource)).get(resource)).get("cleanup.policy").value());

        Throwable bad = failure(admin.configs().alter(Map.of(resource, List.of(ConfigOp.set("retention.ms", "forever"))))
                .get(resource));
        assertTrue(bad.getMessage().contains("retention.ms"), "names the key: " + bad.getMessage());
        assertTrue(bad.getMessage().contains("forever") || bad.getMessage().toLowerCase().contains("invalid"),
                "and the reason: " + bad.getMessage());
        // validate-only changes nothing
        get(admin.configs().validate(Map.of(resource, List.of(ConfigOp.set("max.message.bytes", "3000000")))).all());
        assertEquals("2000000", get(admin.configs().describe(List.of(resource)).get(resource)).get("max.message.bytes").value());

        int brokerId = kafka.brokerIds().iterator().next();
        ConfigResource broker = ConfigResource.broker(brokerId);
        Map<String, ConfigEntry> brokerConfigs = get(admin.configs().describe(List.of(broker)).get(broker));
        Config refBroker = reference.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.BROKER, Integer.toString(brokerId)))).all()
                .get(30, TimeUnit.SECONDS).values().iterator().next();
        assertEquals(refBroker.entries().size(), brokerConfigs.size(), "as many broker configs as the reference sees");
        for (org.apache.kafka.clients.admin.ConfigEntry e : refBroker.entries()) {
            ConfigEntry ours = brokerConfigs.get(e.name());
            assertEquals(e.value(), ours.value(), e.name());
            assertEquals(e.isSensitive(), ours.sensitive(), e.name());
            assertEquals(e.source().name(), ours.source().name(), e.name());
        }
        // Broker config changes go to that broker.
        get(admin.configs().alter(Map.of(broker, List.of(ConfigOp.set("log.cleaner.threads", "2")))).all());
        // Applied through the metadata log.
        Await.until("log.cleaner.threads=2 on broker " + brokerId, Duration.ofSeconds(30),
                () -> "2".equals(get(admin.configs().describe(List.of(broker)).get(broker)).get("log.cleaner.threads").value()));
        get(admin.configs().alter(Map.of(broker, List.of(ConfigOp.delete("log.cleaner.threads")))).all());

        // Group configs (KIP-848): set by Skein, read back by the reference.
        String groupName = name("group-config");
        ConfigResource group = ConfigResource.group(groupName);
        get(admin.configs().alter(Map.of(group, List.of(ConfigOp.set("consumer.session.timeout.ms", "50000")))).all());
        // Applied through the metadata log.
        Await.until("the reference reads consumer.session.timeout.ms=50000 of " + groupName, Duration.ofSeconds(30),
                () -> "50000".equals(reference.describeConfigs(List.of(new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.GROUP, groupName))).all().get(30, TimeUnit.SECONDS)
                        .values().iterator().next().get("consumer.session.timeout.ms").value()));
        assertEquals("50000", get(admin.configs().describe(List.of(group)).get(group)).get("consumer.session.timeout.ms").value());
    }

    @Test
    void theClusterAndItsFeaturesMatchTheReference(KafkaCluster kafka) throws Exception {
        ClusterDescription ours = get(admin.cluster().describe());
        DescribeClusterResult ref = reference.describeCluster();
        assertEquals(kafka.clusterId(), ours.clusterId());
        assertEquals(ref.clusterId().get(30, TimeUnit.SECONDS), ours.clusterId());
        assertEquals(ref.controller().get(30, TimeUnit.SECONDS).id(), ours.controller().id());
        assertEquals(ref.nodes().get(30, TimeUnit.SECONDS).stream().map(org.apache.kafka.common.Node::id).sorted().toList(),
                ours.brokers().stream().map(Node::id).toList());
        assertEquals(Set.copyOf(kafka.brokerIds()), ours.brokers().stream().map(Node::id).collect(Collectors.toSet()));

        FeatureMetadata features = get(admin.cluster().features());
        var refFeatures = reference.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS);
        assertTrue(features.finalized().containsKey("metadata.version"), features.toString());
        refFeatures.finalizedFeatures().forEach((name, range) -> {
            FeatureMetadata.Range r = features.finalized().get(name);
            assertNotNull(r, name);
            assertEquals(range.maxVersionLevel(), r.max(), name);
        });
        assertEquals(refFeatures.supportedFeatures().keySet(), features.supported().keySet());
    }

    @Test
    void theRawEscapeHatchReachesEachKindOfTarget(KafkaCluster kafka) throws Exception {
        MetadataRequest all = new MetadataRequest().setTopics(null).setAllowAutoTopicCreation(false);
        MetadataResponse any = get(admin.<MetadataResponse>send(Target.anyBroker(), all));
        assertEquals(kafka.clusterId(), any.clusterId());
        int broker = kafka.brokerIds().iterator().next();
        assertEquals(kafka.clusterId(), get(admin.<MetadataResponse>send(Target.broker(broker), all)).clusterId());
        assertEquals(kafka.clusterId(), get(admin.<MetadataResponse>send(Target.controller(), all)).clusterId());
        // A coordinator answers group requests: ask it who coordinates (it is itself).
        var find = new dev.skein.core.message.FindCoordinatorRequest().setKeyType((byte) 0)
                .setCoordinatorKeys(new ArrayList<>(List.of("raw-group")));
        FindCoordinatorResponse r = get(admin.<FindCoordinatorResponse>send(Target.groupCoordinator("raw-group"), find));
        assertEquals(ApiKey.FIND_COORDINATOR.id(), r.apiKey());
    }

    @Test
    void anUnreachableClusterFailsACallWithATimeoutAndBadOptionsFailAtBuild() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (Admin dead = Admin.builder().bootstrapServers("127.0.0.1:" + port)
                .defaultApiTimeout(java.time.Duration.ofSeconds(2)).requestTimeout(java.time.Duration.ofSeconds(1)).build()) {
            long start = System.nanoTime();
            Throwable e = failure(dead.topics().list(false));
            assertInstanceOf(dev.skein.core.errors.TimeoutException.class, e);
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) < 10, "within the call's timeout");
        }
        dev.skein.core.errors.ConfigException bad = assertThrows(dev.skein.core.errors.ConfigException.class,
                () -> Admin.builder().property("request.timeout.ms", "soon"));
        assertTrue(bad.getMessage().contains("request.timeout.ms"), bad.getMessage());
        assertThrows(dev.skein.core.errors.ConfigException.class, () -> Admin.builder().property("no.such.option", 1));
    }
}
