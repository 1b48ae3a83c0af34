package dev.skein.compat;

import dev.skein.admin.AclBinding;
import dev.skein.admin.AclFilter;
import dev.skein.admin.AclOperation;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.admin.ConfigEntry;
import dev.skein.admin.ConfigOp;
import dev.skein.admin.ConfigResource;
import dev.skein.admin.FeatureMetadata;
import dev.skein.admin.GroupDescription;
import dev.skein.admin.GroupListing;
import dev.skein.core.OffsetAndTimestamp;
import dev.skein.admin.NewTopic;
import dev.skein.admin.OffsetSpec;
import dev.skein.admin.ResourceType;
import dev.skein.admin.TopicListing;
import dev.skein.cli.Cli;
import dev.skein.consumer.Consumer;
import dev.skein.core.TopicPartition;
import dev.skein.producer.Producer;
import dev.skein.testkit.MetadataMode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin client and CLI rows of the table. */
final class AdminCases {
    private AdminCases() {}

    static String adminTopics(Env env) throws Exception {
        String a = Env.unique("topics");
        String b = Env.unique("topics");
        var created = env.admin.topics().create(List.of(NewTopic.of(a, 2, 1).withConfig("retention.ms", "3600000"),
                NewTopic.of(b, 1, 1))).all().get(30, TimeUnit.SECONDS);
        assertEquals(2, created.get(a).partitions());
        // A broker learns of new topics a moment after the controller created them.
        Env.await("both new topics are listed", () -> names(env.admin.topics().list(false).join()).containsAll(Set.of(a, b)));
        assertEquals(2, env.admin.topics().describe(List.of(a)).get(a).get(30, TimeUnit.SECONDS).partitions().size());
        env.admin.topics().createPartitions(Map.of(a, 3)).all().get(30, TimeUnit.SECONDS);
        Env.await("topic " + a + " has 3 partitions", () -> partitionCount(env, a) == 3);
        env.admin.topics().delete(List.of(a, b)).all().get(30, TimeUnit.SECONDS);
        Env.await("deleted topics leave the listing", () -> {
            Set<String> now = names(env.admin.topics().list(false).join());
            return !now.contains(a) && !now.contains(b);
        });
        return null;
    }

    private static int partitionCount(Env env, String topic) {
        try {
            return env.admin.topics().describe(List.of(topic)).get(topic).get(30, TimeUnit.SECONDS).partitions().size();
        } catch (Exception e) {
            return -1;
        }
    }

    private static Set<String> names(List<TopicListing> listings) {
        Set<String> out = new HashSet<>();
        listings.forEach(t -> out.add(t.name()));
        return out;
    }

    static String adminConfigs(Env env) throws Exception {
        String topic = env.topic("configs", 1);
        ConfigResource resource = ConfigResource.topic(topic);
        env.admin.configs().alter(Map.of(resource, List.of(ConfigOp.set("retention.ms", "3600000"))))
                .all().get(30, TimeUnit.SECONDS);
        Env.await("retention.ms of " + topic + " is 3600000", () -> "3600000".equals(
                env.admin.configs().describe(List.of(resource)).get(resource).join().get("retention.ms").value()));
        ConfigResource broker = ConfigResource.broker(1);
        Map<String, ConfigEntry> brokerConfig = env.admin.configs().describe(List.of(broker)).get(broker)
                .get(30, TimeUnit.SECONDS);
        assertTrue(brokerConfig.containsKey("log.retention.hours"), "broker configs are described");
        return null;
    }

    static String adminGroups(Env env) throws Exception {
        String topic = env.topic("groups", 2);
        env.produce(topic, Env.values("x", 10));
        String group = Env.unique("admin-group");
        try (Consumer<String, String> c = env.consumer().groupId(group).build()) {
            c.subscribe(List.of(topic));
            assertEquals(10, Env.poll(c, 10).size());
            GroupDescription d = env.admin.groups().describe(List.of(group)).get(group).get(30, TimeUnit.SECONDS);
            assertEquals(1, d.members().size(), "one member, described");
            List<GroupListing> listed = env.admin.groups().list().get(30, TimeUnit.SECONDS);
            assertTrue(listed.stream().anyMatch(g -> g.groupId().equals(group)), "listed: " + listed);
        } // closing commits what was read (at-least-once) and leaves
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        Env.await("the final commit is seen", () -> {
            Map<TopicPartition, OffsetAndMetadata> o = env.admin.groups().offsets(group).join();
            return o.size() == 2 && o.get(p0).offset() + o.get(p1).offset() == 10;
        });
        assertEquals(Map.of(p0, 0L, p1, 0L), env.admin.groups().lag(group).get(30, TimeUnit.SECONDS));
        env.admin.groups().alterOffsets(group, Map.of(p0, OffsetAndMetadata.of(0))).all().get(30, TimeUnit.SECONDS);
        assertEquals(0L, env.admin.groups().offsets(group).get(30, TimeUnit.SECONDS).get(p0).offset());
        env.admin.groups().deleteOffsets(group, List.of(p1)).all().get(30, TimeUnit.SECONDS);
        assertFalse(env.admin.groups().offsets(group).get(30, TimeUnit.SECONDS).containsKey(p1));
        env.admin.groups().delete(List.of(group)).all().get(30, TimeUnit.SECONDS);
        ExecutionException gone = assertThrows(ExecutionException.class,
                () -> env.admin.groups().describe(List.of(group)).get(group).get(30, TimeUnit.SECONDS));
        assertTrue(gone.getCause().getMessage().contains("does not exist"), gone.getCause().getMessage());
        return null;
    }

    static String adminRecords(Env env) throws Exception {
        String topic = env.topic("records", 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        env.produce(topic, Env.values("d", 10));
        Map<TopicPartition, OffsetAndTimestamp> latest = env.admin.records().listOffsets(Map.of(tp, OffsetSpec.latest()))
                .all().get(30, TimeUnit.SECONDS);
        assertEquals(10L, latest.get(tp).offset());
        OffsetAndTimestamp max = env.admin.records().listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).get(tp)
                .get(30, TimeUnit.SECONDS);
        assertTrue(max.offset() >= 0 && max.offset() < 10, "the record with the highest timestamp: " + max);
        assertEquals(3L, env.admin.records().deleteRecords(Map.of(tp, 3L)).get(tp).get(30, TimeUnit.SECONDS));
        assertEquals(3L, env.admin.records().listOffsets(Map.of(tp, OffsetSpec.earliest())).get(tp)
                .get(30, TimeUnit.SECONDS).offset());
        return null;
    }

    /**
     * The cluster as described: its one broker, its id (in KRaft mode the one testkit formatted the
     * storage with; a ZooKeeper-mode cluster makes its own), and its features: none finalized in
     * ZooKeeper mode; in KRaft mode {@code metadata.version}, the levels the target formatted with, and
     * on 4.x formatted new the consumer group protocol and transactions version 2.
     */
    static String adminCluster(Env env) throws Exception {
        var cluster = env.admin.cluster().describe().get(30, TimeUnit.SECONDS);
        assertEquals(1, cluster.brokers().size());
        if (env.target.mode() == MetadataMode.KRAFT) {
            assertEquals(env.kafka.clusterId(), cluster.clusterId(), "the cluster id the storage was formatted with");
        } else {
            assertFalse(cluster.clusterId() == null || cluster.clusterId().isEmpty(), "cluster id");
        }
        FeatureMetadata features = env.admin.cluster().features().get(30, TimeUnit.SECONDS);
        Map<String, Integer> finalized = new TreeMap<>();
        features.finalized().forEach((name, range) -> finalized.put(name, (int) range.max()));
        if (env.target.mode() == MetadataMode.ZOOKEEPER) {
            assertEquals(Map.of(), finalized, "a ZooKeeper-mode cluster finalizes no feature");
            return null;
        }
        assertTrue(finalized.getOrDefault("metadata.version", 0) >= 1, "metadata.version is finalized: " + finalized);
        env.target.features().forEach((name, level) -> assertEquals(level, finalized.getOrDefault(name, 0),
                name + " as formatted: " + finalized));
        if (env.target.atLeast(4, 0)) {
            // Every 4.x broker supports both, finalized or not (an upgraded cluster has not finalized them).
            assertTrue(features.supported().get("group.version").max() >= 1, "group.version supported: " + features);
            assertTrue(features.supported().get("transaction.version").max() >= 2,
                    "transaction.version supported: " + features);
            if (env.target.features().isEmpty()) {
                assertTrue(finalized.getOrDefault("group.version", 0) >= 1, "new 4.x: group.version " + finalized);
                assertTrue(finalized.getOrDefault("transaction.version", 0) >= 2,
                        "new 4.x: transaction.version " + finalized);
            }
        }
        return null;
    }

    static String adminTransactions(Env env) throws Exception {
        String topic = env.topic("txn-admin", 1);
        String id = Env.unique("described");
        try (Producer<String, String> p = env.producer().transactionalId(id).build()) {
            p.initTransactions();
            p.beginTransaction();
            Env.send(p, topic, Env.values("t", 3));
            Env.await("transaction " + id + " is listed", () -> env.admin.transactions().list().join().stream()
                    .anyMatch(t -> t.transactionalId().equals(id)));
            var described = env.admin.transactions().describe(List.of(id)).get(id).get(30, TimeUnit.SECONDS);
            assertEquals("Ongoing", described.state());
            TopicPartition tp = new TopicPartition(topic, 0);
            var producers = env.admin.transactions().describeProducers(List.of(tp)).get(tp).get(30, TimeUnit.SECONDS);
            assertEquals(1, producers.size(), "the open transaction's producer");
            p.commitTransaction();
        }
        return null;
    }

    static String adminAcls(Env env) throws Exception {
        String principal = "User:" + Env.unique("reader");
        AclBinding read = AclBinding.allow(ResourceType.TOPIC, Env.unique("acl-topic"), principal, AclOperation.READ);
        env.admin.acls().create(List.of(read)).all().get(30, TimeUnit.SECONDS);
        AclFilter mine = AclFilter.forPrincipal(principal);
        Env.await("the ACL is described", () -> env.admin.acls().describe(mine).join().equals(List.of(read)));
        assertEquals(List.of(read), env.admin.acls().delete(List.of(mine)).get(mine).get(30, TimeUnit.SECONDS));
        Env.await("the ACL is gone", () -> env.admin.acls().describe(mine).join().isEmpty());
        return null;
    }

    static String cli(Env env) throws Exception {
        String topic = env.topic("cli", 1);
        String group = Env.unique("cli");
        Run produced = skein(env, "a:1\nb:2\nc:3\n", "produce", "--topic", topic, "--key-separator", ":");
        assertEquals(0, produced.exit, produced.err);
        Run consumed = skein(env, "", "consume", "--topic", topic, "--group", group, "--from-beginning",
                "--max-messages", "3", "--timeout-ms", "30000", "--format", "%k=%v\\n");
        assertEquals(0, consumed.exit, consumed.err);
        assertEquals("a=1\nb=2\nc=3\n", consumed.out);
        Run described = skein(env, "", "groups", "describe", "--group", group);
        assertEquals(0, described.exit, described.err);
        assertTrue(described.out.contains(topic) && described.out.matches("(?s).*\\b3\\s+3\\s+0\\b.*"),
                "committed 3, end 3, lag 0:\n" + described.out);
        return null;
    }

    record Run(int exit, String out, String err) {}

    static Run skein(Env env, String stdin, String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap", env.bootstrap()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Cli.run(all.toArray(String[]::new), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
