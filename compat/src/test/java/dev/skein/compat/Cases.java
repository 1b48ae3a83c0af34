package dev.skein.compat;

import dev.skein.admin.AclBinding;
import dev.skein.admin.AclFilter;
import dev.skein.admin.AclOperation;
import dev.skein.admin.CommittedOffset;
import dev.skein.admin.ConfigEntry;
import dev.skein.admin.ConfigOp;
import dev.skein.admin.ConfigResource;
import dev.skein.admin.GroupDescription;
import dev.skein.admin.GroupListing;
import dev.skein.admin.GroupType;
import dev.skein.admin.ListedOffset;
import dev.skein.admin.NewTopic;
import dev.skein.admin.OffsetSpec;
import dev.skein.admin.ResourceType;
import dev.skein.admin.TopicListing;
import dev.skein.cli.Cli;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.ExactlyOnceProcessor;
import dev.skein.consumer.IsolationLevel;
import dev.skein.consumer.OffsetAndMetadata;
import dev.skein.core.Compression;
import dev.skein.core.TopicPartition;
import dev.skein.core.UnsupportedVersionException;
import dev.skein.core.internal.net.KafkaReleases;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiVersionsRequest;
import dev.skein.core.message.ApiVersionsResponse;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.MetadataMode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cases of the compatibility suite, each a row of the table. A case returns a short note for its
 * cell (null for a plain pass), calls {@link Env#needs} to skip where the release lacks what it tests,
 * and asserts what the feature promises.
 */
final class Cases {
    private Cases() {}

    /** One row: what it tests and how. */
    record Case(String row, Body body) {}

    interface Body {
        String run(Env env) throws Exception;
    }

    static final List<Case> ALL = List.of(
            new Case("produce: every codec, idempotent and not", Cases::produceEveryCodec),
            new Case("consume: assigned partitions, seek, offsets by time", Cases::consumeAssigned),
            new Case("consumer group: the protocol `auto` picks", Cases::groupAuto),
            new Case("consumer group: classic protocol, two members", Cases::groupClassic),
            new Case("consumer group: consumer protocol (KIP-848), two members", Cases::groupConsumerProtocol),
            new Case("commit and resume", Cases::commitAndResume),
            new Case("transactions: commit and abort (protocol version)", Cases::transactions),
            new Case("read_committed: stops at an open transaction", Cases::readCommitted),
            new Case("exactly-once copy (`ExactlyOnceProcessor`)", Cases::exactlyOnceCopy),
            new Case("admin: topics", Cases::adminTopics),
            new Case("admin: configs", Cases::adminConfigs),
            new Case("admin: groups and their offsets", Cases::adminGroups),
            new Case("admin: offsets by spec, delete records", Cases::adminRecords),
            new Case("admin: cluster and features", Cases::adminCluster),
            new Case("admin: transactions and producers", Cases::adminTransactions),
            new Case("admin: ACLs", Cases::adminAcls),
            new Case("CLI: produce, consume --group, groups describe", Cases::cli));

    static String produceEveryCodec(Env env) throws Exception {
        String topic = env.topic("codecs", 2);
        List<String> sent = new ArrayList<>();
        for (Compression codec : Compression.values()) {
            for (boolean idempotent : new boolean[] {true, false}) {
                List<String> values = Env.values(codec + "-" + (idempotent ? "idem" : "plain"), 20);
                try (Producer<String, String> p = env.producer().compression(codec).idempotence(idempotent)
                        .linger(Duration.ofMillis(5)).build()) {
                    Env.send(p, topic, values);
                }
                sent.addAll(values);
            }
        }
        List<ConsumerRecord<String, String>> read = env.readAll(topic, 2, sent.size(), IsolationLevel.READ_UNCOMMITTED);
        assertEquals(Set.copyOf(sent), Set.copyOf(Env.valuesOf(read)), "every record arrives");
        assertEquals(sent.size(), read.size(), "none twice");
        // Per key (one partition), records arrive in the order they were sent.
        Map<String, List<String>> byKeySent = new HashMap<>();
        for (int i = 0; i < sent.size(); i++) {
            byKeySent.computeIfAbsent(Env.key(i % 20), k -> new ArrayList<>()).add(sent.get(i));
        }
        Map<String, List<String>> byKeyRead = new HashMap<>();
        read.forEach(r -> byKeyRead.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value()));
        assertEquals(byKeySent, byKeyRead, "order per key");
        return null;
    }

    static String consumeAssigned(Env env) throws Exception {
        String topic = env.topic("assigned", 2);
        long before = System.currentTimeMillis();
        List<String> sent = Env.values("a", 30);
        env.produce(topic, sent);
        try (Consumer<String, String> c = env.assignedConsumer().build()) {
            List<TopicPartition> tps = Env.partitions(topic, 2);
            c.assign(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            assertEquals(30L, end.values().stream().mapToLong(Long::longValue).sum(), "end offsets");
            assertEquals(Map.of(tps.get(0), 0L, tps.get(1), 0L), c.beginningOffsets(tps));
            var byTime = c.offsetsForTimes(Map.of(tps.get(0), before, tps.get(1), before));
            tps.forEach(tp -> assertEquals(0L, byTime.get(tp).offset(), "the first record at or after " + before));
            TopicPartition p0 = tps.get(0);
            c.seek(p0, 2);
            c.seekToBeginning(List.of(tps.get(1)));
            List<ConsumerRecord<String, String>> read = Env.poll(c, 28);
            assertEquals(28, read.size(), "everything after the seek, once");
            Map<Integer, Long> next = new HashMap<>(Map.of(0, 2L, 1, 0L));
            for (ConsumerRecord<String, String> r : read) {
                assertEquals((long) next.get(r.partition()), r.offset(), "offsets in order");
                next.put(r.partition(), r.offset() + 1);
            }
            assertEquals(end.get(p0), c.position(p0));
        }
        return null;
    }

    static String groupAuto(Env env) throws Exception {
        String topic = env.topic("auto", 2);
        env.produce(topic, Env.values("g", 20));
        String group = Env.unique("auto");
        GroupType type;
        try (Consumer<String, String> c = env.consumer().groupId(group).build()) {
            c.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> read = Env.poll(c, 20);
            assertEquals(20, read.size(), "every record once");
            type = env.admin.groups().describe(List.of(group)).get(group).get(30, TimeUnit.SECONDS).type();
        }
        GroupType expected = env.target.atLeast(4, 0) ? GroupType.CONSUMER : GroupType.CLASSIC;
        assertEquals(expected, type, "the protocol auto picks on " + env.target);
        return type == GroupType.CONSUMER ? "consumer" : "classic";
    }

    static String groupClassic(Env env) throws Exception {
        return twoMembers(env, "classic");
    }

    static String groupConsumerProtocol(Env env) throws Exception {
        if (!env.target.atLeast(4, 0)) {
            // Asked for explicitly where the broker does not run it, the protocol is refused clearly.
            try (Consumer<String, String> c = env.consumer().groupId(Env.unique("kip848")).groupProtocol("consumer").build()) {
                c.subscribe(List.of(env.topic("kip848", 1)));
                UnsupportedVersionException e = assertThrows(UnsupportedVersionException.class, () -> {
                    long deadline = System.nanoTime() + Env.WAIT.toNanos();
                    while (System.nanoTime() < deadline) {
                        c.poll(Duration.ofMillis(200));
                    }
                });
                assertTrue(e.getMessage().contains("ConsumerGroupHeartbeat") && e.getMessage().contains("Kafka 4.0"),
                        e.getMessage());
            }
        }
        env.needs(4, 0, "KIP-848");
        return twoMembers(env, "consumer");
    }

    /** Two members share a 2-partition topic: each reads only what it owns, every record once. */
    private static String twoMembers(Env env, String protocol) throws Exception {
        String topic = env.topic("members-" + protocol, 2);
        String group = Env.unique(protocol);
        try (Consumer<String, String> a = env.consumer().groupId(group).groupProtocol(protocol).build();
             Consumer<String, String> b = env.consumer().groupId(group).groupProtocol(protocol).build()) {
            a.subscribe(List.of(topic));
            b.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Env.WAIT.toNanos();
            while (a.assignment().size() != 1 || b.assignment().size() != 1) {
                assertTrue(System.nanoTime() < deadline, "each member gets one partition: " + a.assignment() + " " + b.assignment());
                a.poll(Duration.ofMillis(100));
                b.poll(Duration.ofMillis(100));
            }
            List<String> sent = Env.values("m", 40);
            env.produce(topic, sent);
            List<ConsumerRecord<String, String>> read = new ArrayList<>();
            deadline = System.nanoTime() + Env.WAIT.toNanos();
            while (read.size() < sent.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : a.poll(Duration.ofMillis(100))) {
                    assertTrue(a.assignment().contains(new TopicPartition(r.topic(), r.partition())), "a owns it");
                    read.add(r);
                }
                for (ConsumerRecord<String, String> r : b.poll(Duration.ofMillis(100))) {
                    assertTrue(b.assignment().contains(new TopicPartition(r.topic(), r.partition())), "b owns it");
                    read.add(r);
                }
            }
            assertEquals(sent.size(), read.size(), "every record once");
            assertEquals(Set.copyOf(sent), Set.copyOf(Env.valuesOf(read)));
        }
        return null;
    }

    static String commitAndResume(Env env) throws Exception {
        String topic = env.topic("resume", 1);
        env.produce(topic, Env.values("r", 20));
        String group = Env.unique("resume");
        TopicPartition tp = new TopicPartition(topic, 0);
        try (Consumer<String, String> c = env.consumer().groupId(group).delivery(Delivery.MANUAL).build()) {
            c.subscribe(List.of(topic));
            assertTrue(Env.poll(c, 20).size() >= 10);
            c.commitSync(Map.of(tp, OffsetAndMetadata.of(10)));
            assertEquals(10L, c.committed(Set.of(tp)).get(tp).offset());
        }
        try (Consumer<String, String> c = env.consumer().groupId(group).delivery(Delivery.MANUAL).build()) {
            c.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> rest = Env.poll(c, 10);
            assertEquals(10, rest.size(), "the second member resumes at the commit, reads the rest once");
            assertEquals(10L, rest.get(0).offset());
            c.commitSync();
        }
        Map<TopicPartition, CommittedOffset> committed = env.admin.groups().offsets(group).get(30, TimeUnit.SECONDS);
        assertEquals(20L, committed.get(tp).offset());
        return null;
    }

    static String transactions(Env env) throws Exception {
        String topic = env.topic("txn", 2);
        try (Producer<String, String> p = env.producer().transactionalId(Env.unique("txn")).build()) {
            p.initTransactions();
            p.beginTransaction();
            Env.send(p, topic, Env.values("committed1", 10));
            p.commitTransaction();
            p.beginTransaction();
            Env.send(p, topic, Env.values("aborted", 10));
            p.abortTransaction();
            p.beginTransaction();
            Env.send(p, topic, Env.values("committed2", 10));
            p.commitTransaction();
        }
        List<String> committed = env.readAll(topic, 2, 20, IsolationLevel.READ_COMMITTED).stream()
                .map(ConsumerRecord::value).toList();
        Set<String> expected = new HashSet<>(Env.values("committed1", 10));
        expected.addAll(Env.values("committed2", 10));
        assertEquals(20, committed.size(), "read_committed: the committed records once, no aborted one");
        assertEquals(expected, Set.copyOf(committed));
        assertEquals(30, env.readAll(topic, 2, 30, IsolationLevel.READ_UNCOMMITTED).size(), "read_uncommitted sees all");
        // The producer runs transactions version 2 (KIP-890) where the cluster finalized it, else version 1.
        var level = env.admin.cluster().features().get(30, TimeUnit.SECONDS).finalized().get("transaction.version");
        return level != null && level.max() >= 2 ? "v2" : "v1";
    }

    static String readCommitted(Env env) throws Exception {
        String topic = env.topic("lso", 1);
        env.produce(topic, Env.values("before", 5));
        try (Producer<String, String> p = env.producer().transactionalId(Env.unique("open")).build();
             Consumer<String, String> c = env.assignedConsumer().isolation(IsolationLevel.READ_COMMITTED).build()) {
            p.initTransactions();
            p.beginTransaction();
            Env.send(p, topic, Env.values("open", 5));
            env.produce(topic, Env.values("after", 5)); // behind the open transaction
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            List<ConsumerRecord<String, String>> first = Env.poll(c, 5);
            assertEquals(Env.values("before", 5), Env.valuesOf(first), "nothing past the open transaction");
            p.commitTransaction();
            List<ConsumerRecord<String, String>> rest = Env.poll(c, 10);
            List<String> expected = new ArrayList<>(Env.values("open", 5));
            expected.addAll(Env.values("after", 5));
            assertEquals(expected, Env.valuesOf(rest), "the rest once committed, in log order");
        }
        return null;
    }

    static String exactlyOnceCopy(Env env) throws Exception {
        String in = env.topic("eos-in", 2);
        String out = env.topic("eos-out", 2);
        List<String> sent = Env.values("eos", 40);
        env.produce(in, sent);
        try (ExactlyOnceProcessor<String, String, String, String> copier = ExactlyOnceProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer(),
                        Serdes.string().serializer(), Serdes.string().serializer())
                .bootstrapServers(env.bootstrap()).groupId(Env.unique("copier")).transactionalId(Env.unique("copier"))
                .input(List.of(in)).property("auto.offset.reset", "earliest").build()) {
            long copied = copier.run(r -> List.of(ProducerRecord.of(out, r.key(), r.value())), Duration.ofSeconds(3));
            assertEquals(sent.size(), copied, "records copied");
        }
        List<String> read = Env.valuesOf(env.readAll(out, 2, sent.size(), IsolationLevel.READ_COMMITTED));
        assertEquals(sent.size(), read.size(), "each once");
        assertEquals(Set.copyOf(sent), Set.copyOf(read));
        return null;
    }

    static String adminTopics(Env env) throws Exception {
        String a = Env.unique("topics");
        String b = Env.unique("topics");
        var created = env.admin.topics().create(List.of(NewTopic.of(a, 2, 1).withConfig("retention.ms", "3600000"),
                NewTopic.of(b, 1, 1))).all().get(30, TimeUnit.SECONDS);
        assertEquals(2, created.get(a).partitions());
        Set<String> listed = names(env.admin.topics().list(false).get(30, TimeUnit.SECONDS));
        assertTrue(listed.containsAll(Set.of(a, b)), "listed: " + listed);
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
            Map<TopicPartition, CommittedOffset> o = env.admin.groups().offsets(group).join();
            return o.size() == 2 && o.get(p0).offset() + o.get(p1).offset() == 10;
        });
        assertEquals(Map.of(p0, 0L, p1, 0L), env.admin.groups().lag(group).get(30, TimeUnit.SECONDS));
        env.admin.groups().alterOffsets(group, Map.of(p0, CommittedOffset.of(0))).all().get(30, TimeUnit.SECONDS);
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
        Map<TopicPartition, ListedOffset> latest = env.admin.records().listOffsets(Map.of(tp, OffsetSpec.latest()))
                .all().get(30, TimeUnit.SECONDS);
        assertEquals(10L, latest.get(tp).offset());
        ListedOffset max = env.admin.records().listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).get(tp)
                .get(30, TimeUnit.SECONDS);
        assertTrue(max.offset() >= 0 && max.offset() < 10, "the record with the highest timestamp: " + max);
        assertEquals(3L, env.admin.records().deleteRecords(Map.of(tp, 3L)).get(tp).get(30, TimeUnit.SECONDS));
        assertEquals(3L, env.admin.records().listOffsets(Map.of(tp, OffsetSpec.earliest())).get(tp)
                .get(30, TimeUnit.SECONDS).offset());
        return null;
    }

    static String adminCluster(Env env) throws Exception {
        var cluster = env.admin.cluster().describe().get(30, TimeUnit.SECONDS);
        assertEquals(1, cluster.brokers().size());
        assertFalse(cluster.clusterId() == null || cluster.clusterId().isEmpty(), "cluster id");
        env.admin.cluster().features().get(30, TimeUnit.SECONDS); // answered on every release, if only empty
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

    /**
     * Not a row: the client's table of first releases ({@link KafkaReleases}), which its version errors
     * quote, against what this broker lists in ApiVersions. The consumer group protocol's APIs are
     * listed as a preview from 3.7, before their first release proper.
     */
    static void apiTableAgrees(Env env) throws Exception {
        ApiVersionsResponse r = env.admin.<ApiVersionsResponse>send(dev.skein.admin.Target.anyBroker(),
                new ApiVersionsRequest().setClientSoftwareName("skein-compat").setClientSoftwareVersion("1"))
                .get(30, TimeUnit.SECONDS);
        Set<Short> listed = new HashSet<>();
        r.apiKeys().forEach(k -> listed.add(k.apiKey()));
        List<String> wrong = new ArrayList<>();
        boolean kraft = env.target.mode() == MetadataMode.KRAFT;
        for (ApiKey api : KafkaReleases.listed()) {
            String first = KafkaReleases.firstServing(api, kraft);
            boolean due = first != null && env.target.atLeast(Integer.parseInt(first.split("\\.")[0]),
                    Integer.parseInt(first.split("\\.")[1]));
            boolean preview = (api == ApiKey.CONSUMER_GROUP_HEARTBEAT || api == ApiKey.CONSUMER_GROUP_DESCRIBE)
                    && env.target.atLeast(3, 7);
            boolean offered = listed.contains(api.id());
            if (due && !offered || !due && offered && !preview) {
                wrong.add(api.displayName() + " (first in " + first + ") is " + (offered ? "" : "not ") + "listed");
            }
        }
        assertEquals(List.of(), wrong, "ApiVersions of " + env.target);
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
