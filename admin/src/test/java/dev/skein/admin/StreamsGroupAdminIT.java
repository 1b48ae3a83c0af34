package dev.skein.admin;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.GroupException;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.ListStreamsGroupOffsetsSpec;
import org.apache.kafka.clients.admin.StreamsGroupMemberAssignment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.skein.admin.AdminIT.failure;
import static dev.skein.admin.AdminIT.get;
import static dev.skein.admin.AdminIT.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streams groups (KIP-1071) against a real broker: groups made by an Apache Kafka Streams application
 * with {@code group.protocol=streams} (a topology {@code source -> sink}), seen by Skein as the reference
 * {@code Admin} sees them.
 */
@ExtendWith(KafkaClusterExtension.class)
class StreamsGroupAdminIT {
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static Admin admin;
    private static org.apache.kafka.clients.admin.Admin reference;
    private static String bootstrap;

    @TempDir
    Path stateDir;

    @BeforeAll
    static void start(KafkaCluster kafka) {
        bootstrap = kafka.bootstrapServers();
        admin = Admin.builder().bootstrapServers(bootstrap).build();
        reference = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", bootstrap));
    }

    @AfterAll
    static void stop() {
        admin.close();
        reference.close();
    }

    /** A topic of {@code partitions} partitions holding {@code records} records spread over them. */
    static String topic(String prefix, int partitions, int records) throws Exception {
        String t = name(prefix);
        get(admin.topics().create(List.of(NewTopic.of(t, partitions, 1))).all());
        AdminIT.referenceView(reference, t);
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "enable.idempotence", false, "acks", "1"), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < records; i++) {
                p.send(new ProducerRecord<>(t, i % partitions, null, Integer.toString(i))).get(30, TimeUnit.SECONDS);
            }
        }
        return t;
    }

    /** A Kafka Streams application (application id = the group) copying {@code in} to {@code out}, started. */
    KafkaStreams app(String group, String in, String out) {
        StreamsBuilder b = new StreamsBuilder();
        b.stream(in).to(out);
        return start(b, group);
    }

    /** Starts {@code b}'s topology as application (and group) {@code group}. */
    KafkaStreams start(StreamsBuilder b, String group) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, group);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "streams");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        KafkaStreams streams = new KafkaStreams(b.build(), props);
        streams.start();
        return streams;
    }

    /** Waits until the reference sees the group Stable with one member that has all its active tasks. */
    static org.apache.kafka.clients.admin.StreamsGroupDescription stable(String group, int tasks) throws Exception {
        var seen = new org.apache.kafka.clients.admin.StreamsGroupDescription[1];
        Await.until("streams group " + group + " stable with " + tasks + " active tasks", WAIT, () -> {
            try {
                var d = reference.describeStreamsGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
                seen[0] = d;
                return "Stable".equals(d.groupState().toString()) && d.members().size() == 1
                        && activeTasks(d.members().iterator().next().assignment()).values().stream()
                                .mapToInt(Set::size).sum() == tasks;
            } catch (java.util.concurrent.ExecutionException e) {
                return false; // not yet created
            }
        });
        return seen[0];
    }

    static Map<String, Set<Integer>> activeTasks(StreamsGroupMemberAssignment a) {
        Map<String, Set<Integer>> out = new TreeMap<>();
        a.activeTasks().forEach(t -> out.put(t.subtopologyId(), new TreeSet<>(t.partitions())));
        return out;
    }

    @Test
    void describeShowsTheTopologyMembersAndTasksAsTheReferenceDoes() throws Exception {
        String in = topic("streams-in", 2, 10);
        String out = topic("streams-out", 2, 0);
        String group = name("streams-app");
        try (KafkaStreams streams = app(group, in, out)) {
            var ref = stable(group, 2);
            StreamsGroupDescription d = get(admin.streamsGroups().describe(List.of(group)).byItem().get(group));

            assertEquals(group, d.groupId());
            assertEquals(ref.groupState().toString(), d.state());
            assertEquals(ref.groupEpoch(), d.groupEpoch());
            assertEquals(ref.targetAssignmentEpoch(), d.assignmentEpoch());
            assertEquals(ref.topologyEpoch(), d.topologyEpoch());
            assertEquals(ref.coordinator().id(), d.coordinator().id());

            assertEquals(1, d.subtopologies().size());
            StreamsGroupDescription.Subtopology sub = d.subtopologies().get(0);
            var refSub = ref.subtopologies().iterator().next();
            assertEquals(refSub.subtopologyId(), sub.id());
            assertEquals(List.of(in), sub.sourceTopics());
            assertEquals(refSub.sourceTopics(), sub.sourceTopics());
            assertEquals(List.of(), sub.repartitionSinkTopics());
            assertEquals(List.of(), sub.stateChangelogTopics());
            assertEquals(List.of(), sub.repartitionSourceTopics());

            assertEquals(1, d.members().size());
            StreamsGroupDescription.Member m = d.members().get(0);
            var refMember = ref.members().iterator().next();
            assertEquals(refMember.memberId(), m.memberId());
            assertEquals(refMember.memberEpoch(), m.memberEpoch());
            assertEquals(refMember.processId(), m.processId());
            assertEquals(refMember.clientId(), m.clientId());
            assertEquals(refMember.topologyEpoch(), m.topologyEpoch());
            assertEquals(Map.of(sub.id(), Set.of(0, 1)), m.assignment().activeTasks());
            assertEquals(activeTasks(refMember.assignment()), m.assignment().activeTasks());
            assertEquals(Map.of(), m.assignment().standbyTasks());
            assertEquals(Map.of(), m.assignment().warmupTasks());
            assertEquals(m.assignment(), m.targetAssignment());

            // and it is listed as a streams group
            assertTrue(get(admin.streamsGroups().list()).stream().anyMatch(l -> l.groupId().equals(group)
                    && l.type() == GroupType.STREAMS));
            assertTrue(get(admin.groups().list(Set.of(GroupType.STREAMS))).stream().anyMatch(l -> l.groupId().equals(group)));
        }
    }

    @Test
    void describeFailsAGroupThatDoesNotExistOrIsNoStreamsGroupWithGroupIdNotFound() throws Exception {
        String missing = name("no-such-streams-group");
        String consumerGroup = name("plain-consumer-group");
        String t = topic("streams-cg", 1, 1);
        // a consumer group, made by an offset commit
        get(admin.groups().alterOffsets(consumerGroup, Map.of(new TopicPartition(t, 0),
                new OffsetAndMetadata(1, "", -1))).all());

        Results<String, StreamsGroupDescription> r = admin.streamsGroups().describe(List.of(missing, consumerGroup));
        for (String g : List.of(missing, consumerGroup)) {
            Throwable e = failure(r.byItem().get(g));
            assertInstanceOf(GroupException.class, e);
            assertTrue(e.getMessage().startsWith("no streams group " + g + ": GROUP_ID_NOT_FOUND"), e.getMessage());
        }
    }

    /** The reference's view of a group's committed offsets, as "topic-partition" to offset. */
    static Map<String, Long> referenceOffsets(String group) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        reference.listStreamsGroupOffsets(Map.of(group, new ListStreamsGroupOffsetsSpec()))
                .partitionsToOffsetAndMetadata(group).get(30, TimeUnit.SECONDS)
                .forEach((tp, o) -> out.put(tp.toString(), o.offset()));
        return out;
    }

    static Map<String, Long> offsets(String group) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        get(admin.streamsGroups().offsets(group)).forEach((tp, o) -> out.put(tp.topic() + "-" + tp.partition(), o.offset()));
        return out;
    }

    @Test
    void offsetsAreReadAlteredAndDeletedAndTheGroupDeleted() throws Exception {
        String in = topic("streams-off-in", 2, 10);
        String out = topic("streams-off-out", 2, 0);
        String group = name("streams-off-app");
        TopicPartition p0 = new TopicPartition(in, 0);
        TopicPartition p1 = new TopicPartition(in, 1);
        try (KafkaStreams streams = app(group, in, out)) {
            stable(group, 2);
            // the application commits what it processed: 5 records on each partition
            Map<String, Long> all = Map.of(in + "-0", 5L, in + "-1", 5L);
            Await.until("the application committed every record of " + in, WAIT, () -> all.equals(referenceOffsets(group)));
            assertEquals(referenceOffsets(group), offsets(group));

            // while a member is active the broker refuses an administrative commit and a delete
            Throwable busy = failure(admin.streamsGroups().alterOffsets(group, Map.of(p0, new OffsetAndMetadata(1, "", -1)))
                    .byItem().get(p0));
            // as for a consumer group: an administrative commit (no member, epoch -1) is no member's
            assertInstanceOf(GroupException.class, busy);
            assertTrue(busy.getMessage().endsWith("of group " + group + ": UNKNOWN_MEMBER_ID"), busy.getMessage());
            Throwable nonEmpty = failure(admin.streamsGroups().delete(List.of(group)).byItem().get(group));
            assertTrue(nonEmpty.getMessage().contains("NON_EMPTY_GROUP"), nonEmpty.getMessage());
            streams.close(Duration.ofSeconds(30));
        }
        Await.until("streams group " + group + " empty once the application stopped", WAIT, () -> reference
                .describeStreamsGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS).members().isEmpty());

        get(admin.streamsGroups().alterOffsets(group, Map.of(p0, new OffsetAndMetadata(1, "moved", -1))).all());
        assertEquals(Map.of(in + "-0", 1L, in + "-1", 5L), offsets(group));
        assertEquals(referenceOffsets(group), offsets(group));
        assertEquals("moved", get(admin.streamsGroups().offsets(group)).get(p0).metadata());

        get(admin.streamsGroups().deleteOffsets(group, List.of(p1)).all());
        assertEquals(Map.of(in + "-0", 1L), offsets(group));
        assertEquals(referenceOffsets(group), offsets(group));

        get(admin.streamsGroups().delete(List.of(group)).all());
        Throwable gone = failure(admin.streamsGroups().describe(List.of(group)).byItem().get(group));
        assertTrue(gone.getMessage().startsWith("no streams group " + group + ": GROUP_ID_NOT_FOUND"), gone.getMessage());
        assertTrue(get(admin.groups().list()).stream().noneMatch(l -> l.groupId().equals(group)));
    }

    @Test
    void aConsumerGroupIsNeitherReadNorChangedNorDeletedAsAStreamsGroup() throws Exception {
        String t = topic("streams-not", 1, 2);
        String consumerGroup = name("not-streams");
        TopicPartition tp = new TopicPartition(t, 0);
        get(admin.groups().alterOffsets(consumerGroup, Map.of(tp, new OffsetAndMetadata(1, "", -1))).all());

        for (CompletableFuture<?> f : List.of(admin.streamsGroups().offsets(consumerGroup),
                admin.streamsGroups().alterOffsets(consumerGroup, Map.of(tp, new OffsetAndMetadata(2, "", -1))).byItem().get(tp),
                admin.streamsGroups().deleteOffsets(consumerGroup, List.of(tp)).byItem().get(tp),
                admin.streamsGroups().delete(List.of(consumerGroup)).byItem().get(consumerGroup))) {
            Throwable e = failure(f);
            assertInstanceOf(GroupException.class, e);
            assertTrue(e.getMessage().contains("no streams group " + consumerGroup + ": GROUP_ID_NOT_FOUND"), e.getMessage());
        }
        assertEquals(1L, get(admin.groups().offsets(consumerGroup)).get(tp).offset()); // untouched
    }

    @Test
    void describeShowsTheInternalTopicsOfAStatefulTopologyAsTheReferenceDoes() throws Exception {
        String in = topic("streams-count-in", 2, 10);
        String out = topic("streams-count-out", 2, 0);
        String group = name("streams-count-app");
        StreamsBuilder b = new StreamsBuilder();
        // a key change then a count: a repartition topic between two subtopologies, and a changelog
        b.<String, String>stream(in).selectKey((k, v) -> v).groupByKey().count().toStream()
                .mapValues(Object::toString).to(out);
        StreamsGroupDescription d;
        org.apache.kafka.clients.admin.StreamsGroupDescription ref;
        try (KafkaStreams streams = start(b, group)) {
            ref = stable(group, 4);
            d = get(admin.streamsGroups().describe(List.of(group)).byItem().get(group));
            streams.close(Duration.ofSeconds(30));
        }
        assertEquals(2, d.subtopologies().size());
        Map<String, org.apache.kafka.clients.admin.StreamsGroupSubtopologyDescription> refSubs = new TreeMap<>();
        ref.subtopologies().forEach(s -> refSubs.put(s.subtopologyId(), s));
        Set<String> internal = new TreeSet<>();
        for (StreamsGroupDescription.Subtopology s : d.subtopologies()) {
            var r = refSubs.get(s.id());
            assertEquals(r.sourceTopics(), s.sourceTopics());
            assertEquals(r.repartitionSinkTopics(), s.repartitionSinkTopics());
            assertEquals(r.stateChangelogTopics().keySet(), names(s.stateChangelogTopics()));
            assertEquals(r.repartitionSourceTopics().keySet(), names(s.repartitionSourceTopics()));
            for (StreamsGroupDescription.InternalTopic t : s.repartitionSourceTopics()) {
                var rt = r.repartitionSourceTopics().get(t.name());
                assertEquals(rt.partitions(), t.partitions());
                assertEquals(rt.replicationFactor(), t.replicationFactor());
                assertEquals(rt.topicConfigs(), t.configs());
                internal.add(t.name());
            }
            s.stateChangelogTopics().forEach(t -> internal.add(t.name()));
        }
        // one subtopology reads the input and writes the repartition topic; the other reads it and keeps a changelog
        assertTrue(internal.stream().anyMatch(t -> t.startsWith(group + "-") && t.endsWith("-repartition")), internal.toString());
        assertTrue(internal.stream().anyMatch(t -> t.startsWith(group + "-") && t.endsWith("-changelog")), internal.toString());

        Await.until("streams group " + group + " empty once the application stopped", WAIT, () -> reference
                .describeStreamsGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS).members().isEmpty());
        get(admin.streamsGroups().delete(List.of(group)).all());
        Set<String> topics = new TreeSet<>();
        get(admin.topics().list(false)).forEach(l -> topics.add(l.name()));
        assertTrue(topics.containsAll(internal), "deleting the group left its internal topics: " + internal + " in " + topics);
    }

    static Set<String> names(List<StreamsGroupDescription.InternalTopic> topics) {
        Set<String> out = new TreeSet<>();
        topics.forEach(t -> out.add(t.name()));
        return out;
    }
}
