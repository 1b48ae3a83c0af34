package dev.skein.admin;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.OffsetAndTimestamp;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.GroupException;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.skein.admin.AdminIT.failure;
import static dev.skein.admin.AdminIT.get;
import static dev.skein.admin.AdminIT.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Groups, offsets and records against a real broker, cross-checked with Apache Kafka's clients. */
@ExtendWith(KafkaClusterExtension.class)
class GroupAdminIT {
    private static Admin admin;
    private static org.apache.kafka.clients.admin.Admin reference;
    private static String bootstrap;

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

    static String topic(int partitions, int records) throws Exception {
        String t = name("g");
        // Timestamps from 1970 (for offsets by time): retention.ms=-1, or the broker's retention check deletes them.
        get(admin.topics().create(List.of(NewTopic.of(t, partitions, 1).withConfig("retention.ms", "-1"))).all());
        AdminIT.referenceView(reference, t);
        if (records > 0) {
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                    "enable.idempotence", false, "acks", "1"), new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < records; i++) {
                    p.send(new ProducerRecord<>(t, i % partitions, 1_000_000L + i, null, Integer.toString(i))).get(30, TimeUnit.SECONDS);
                }
            }
        }
        return t;
    }

    static KafkaConsumer<String, String> consumer(String group, Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(Map.of("bootstrap.servers", bootstrap, "group.id", group,
                "auto.offset.reset", "earliest", "enable.auto.commit", false, "client.id", "ref-" + group));
        config.putAll(extra);
        return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }

    /** Polls until the consumer owns {@code partitions} partitions (and, with {@code records}, read that many). */
    static int pollUntil(KafkaConsumer<String, String> c, int partitions, int records) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int read = 0;
        while ((c.assignment().size() < partitions || read < records) && System.nanoTime() < deadline) {
            read += c.poll(Duration.ofMillis(100)).count();
        }
        assertEquals(partitions, c.assignment().size(), "the consumer joined");
        return read;
    }

    @Test
    void describesClassicAndConsumerProtocolGroupsAsTheReferenceDoes() throws Exception {
        String t = topic(4, 0);
        String classic = name("classic");
        String modern = name("modern");
        try (KafkaConsumer<String, String> a = consumer(classic, Map.of());
             KafkaConsumer<String, String> b = consumer(modern, Map.of("group.protocol", "consumer"))) {
            a.subscribe(List.of(t));
            b.subscribe(List.of(t));
            pollUntil(a, 4, 0);
            pollUntil(b, 4, 0);

            GroupDescription c = get(admin.groups().describe(List.of(classic)).get(classic));
            assertEquals(GroupType.CLASSIC, c.type());
            assertEquals("consumer", c.protocolType());
            assertEquals("Stable", c.state());
            assertEquals("range", c.assignor());
            assertEquals(1, c.members().size());
            assertEquals("ref-" + classic, c.members().get(0).clientId());
            assertEquals(Set.of(t), c.members().get(0).subscribedTopics());
            assertEquals(4, c.members().get(0).assignment().size());

            GroupDescription m = get(admin.groups().describe(List.of(modern)).get(modern));
            assertEquals(GroupType.CONSUMER, m.type());
            assertEquals(1, m.members().size());
            assertTrue(m.groupEpoch() > 0);
            Map<String, ConsumerGroupDescription> ref = reference.describeConsumerGroups(List.of(classic, modern)).all()
                    .get(30, TimeUnit.SECONDS);
            for (GroupDescription ours : List.of(c, m)) {
                ConsumerGroupDescription r = ref.get(ours.groupId());
                assertEquals(r.coordinator().id(), ours.coordinator().id());
                assertEquals(r.members().size(), ours.members().size());
                assertEquals(r.members().iterator().next().consumerId(), ours.members().get(0).memberId());
                assertEquals(r.members().iterator().next().assignment().topicPartitions().stream()
                                .map(tp -> new TopicPartition(tp.topic(), tp.partition())).collect(Collectors.toSet()),
                        Set.copyOf(ours.members().get(0).assignment()));
                assertEquals(r.state().toString().toLowerCase(), ours.state().toLowerCase(), ours.groupId());
            }
            assertEquals(m.assignor(), ref.get(modern).partitionAssignor());

            Map<String, GroupListing> listed = get(admin.groups().list()).stream()
                    .collect(Collectors.toMap(GroupListing::groupId, g -> g));
            assertEquals(GroupType.CLASSIC, listed.get(classic).type());
            assertEquals(GroupType.CONSUMER, listed.get(modern).type());
            assertEquals(reference.listGroups().all().get(30, TimeUnit.SECONDS).stream()
                    .map(org.apache.kafka.clients.admin.GroupListing::groupId).collect(Collectors.toSet()), listed.keySet());

            Throwable e = failure(admin.groups().delete(List.of(classic)).get(classic));
            assertTrue(e.getMessage().contains("NON_EMPTY_GROUP") && e.getMessage().contains(classic), e.getMessage());
        }
        String unknown = name("nobody");
        Throwable e = failure(admin.groups().describe(List.of(unknown)).get(unknown));
        assertInstanceOf(GroupException.class, e);
        assertTrue(e.getMessage().contains(unknown), e.getMessage());
    }

    @Test
    void committedOffsetsLagAlterDeleteAndAReferenceConsumerResumesFromAlteredOffsets() throws Exception {
        String t = topic(2, 100);
        String group = name("offsets");
        try (KafkaConsumer<String, String> c = consumer(group, Map.of())) {
            c.subscribe(List.of(t));
            pollUntil(c, 2, 100);
            c.commitSync();
        }
        Map<TopicPartition, OffsetAndMetadata> ours = get(admin.groups().offsets(group));
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> ref =
                reference.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        assertEquals(2, ours.size());
        ref.forEach((tp, om) -> assertEquals(om.offset(), ours.get(new TopicPartition(tp.topic(), tp.partition())).offset()));
        assertEquals(Map.of(new TopicPartition(t, 0), 0L, new TopicPartition(t, 1), 0L), get(admin.groups().lag(group)));

        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "1",
                "enable.idempotence", false), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 10; i++) {
                p.send(new ProducerRecord<>(t, 0, null, "more")).get(30, TimeUnit.SECONDS);
            }
        }
        assertEquals(10L, get(admin.groups().lag(group)).get(new TopicPartition(t, 0)));

        TopicPartition p0 = new TopicPartition(t, 0);
        TopicPartition p1 = new TopicPartition(t, 1);
        get(admin.groups().alterOffsets(group, Map.of(p0, new OffsetAndMetadata(5, "rewound", -1))).all());
        assertEquals("rewound", get(admin.groups().offsets(group)).get(p0).metadata());
        try (KafkaConsumer<String, String> c = consumer(group, Map.of())) {
            c.assign(List.of(new org.apache.kafka.common.TopicPartition(t, 0)));
            assertEquals(5, c.position(new org.apache.kafka.common.TopicPartition(t, 0)), "the reference resumes there");
        }

        get(admin.groups().deleteOffsets(group, List.of(p1)).all());
        assertFalse(get(admin.groups().offsets(group)).containsKey(p1));
        assertTrue(get(admin.groups().offsets(group)).containsKey(p0));

        assertTrue(get(admin.topics().list(true)).stream().anyMatch(l -> l.internal() && l.name().equals("__consumer_offsets")),
                "internal topics are listed when asked for");
        get(admin.groups().delete(List.of(group)).all());
        assertTrue(get(admin.groups().list()).stream().noneMatch(g -> g.groupId().equals(group)), "deleted");
    }

    @Test
    void staticMembersAreRemovedWithoutWaitingForTheirSession() throws Exception {
        String t = topic(1, 0);
        String group = name("static");
        try (KafkaConsumer<String, String> c = consumer(group, Map.of("group.instance.id", "static-1",
                "session.timeout.ms", 60_000))) {
            c.subscribe(List.of(t));
            pollUntil(c, 1, 0);
        } // a static member does not leave on close: the group keeps it for its session
        assertEquals(1, get(admin.groups().describe(List.of(group)).get(group)).members().size());
        Results<String, Void> r = admin.groups().removeStaticMembers(group, List.of("static-1", "static-unknown"));
        get(r.get("static-1"));
        Throwable e = failure(r.get("static-unknown"));
        assertTrue(e.getMessage().contains("static-unknown"), e.getMessage());
        assertEquals(0, get(admin.groups().describe(List.of(group)).get(group)).members().size());
    }

    @Test
    void listOffsetsAndDeleteRecordsAgreeWithTheReference() throws Exception {
        String t = topic(1, 50); // timestamps 1_000_000 + i
        TopicPartition tp = new TopicPartition(t, 0);
        org.apache.kafka.common.TopicPartition rtp = new org.apache.kafka.common.TopicPartition(t, 0);
        assertEquals(0, get(admin.records().listOffsets(Map.of(tp, OffsetSpec.earliest())).get(tp)).offset());
        assertEquals(50, get(admin.records().listOffsets(Map.of(tp, OffsetSpec.latest())).get(tp)).offset());
        OffsetAndTimestamp max = get(admin.records().listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).get(tp));
        assertEquals(49, max.offset());
        assertEquals(1_000_049L, max.timestamp());
        OffsetAndTimestamp at = get(admin.records().listOffsets(Map.of(tp, OffsetSpec.forTimestamp(1_000_020L))).get(tp));
        var refAt = reference.listOffsets(Map.of(rtp, org.apache.kafka.clients.admin.OffsetSpec.forTimestamp(1_000_020L)))
                .all().get(30, TimeUnit.SECONDS).get(rtp);
        assertEquals(refAt.offset(), at.offset());
        assertEquals(20, at.offset());
        assertEquals(-1, get(admin.records().listOffsets(Map.of(tp, OffsetSpec.forTimestamp(9_000_000L))).get(tp)).offset(),
                "no record that late");

        assertEquals(10L, get(admin.records().deleteRecords(Map.of(tp, 10L)).get(tp)), "the new low watermark");
        assertEquals(10, get(admin.records().listOffsets(Map.of(tp, OffsetSpec.earliest())).get(tp)).offset());
        assertEquals(10, reference.listOffsets(Map.of(rtp, org.apache.kafka.clients.admin.OffsetSpec.earliest())).all()
                .get(30, TimeUnit.SECONDS).get(rtp).offset());

        TopicPartition missing = new TopicPartition(name("missing"), 0);
        Throwable e = failure(admin.records().listOffsets(Map.of(missing, OffsetSpec.latest())).get(missing));
        assertTrue(e.getMessage().contains(missing.topic()), e.getMessage());
    }

    @Test
    void offsetsAnOpenTransactionHoldsDoNotStallTheGroupsOffsets() throws Exception {
        String t = topic(1, 0);
        String group = name("txn-held");
        TopicPartition tp = new TopicPartition(t, 0);
        get(admin.groups().alterOffsets(group, Map.of(tp, OffsetAndMetadata.of(3))).all());
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "transactional.id", name("holder"), "transaction.timeout.ms", 60_000),
                new StringSerializer(), new StringSerializer());
             Admin quick = Admin.builder().bootstrapServers(bootstrap).defaultApiTimeout(Duration.ofSeconds(5)).build()) {
            p.initTransactions();
            p.beginTransaction();
            p.send(new ProducerRecord<>(t, 0, null, "in the transaction")).get(30, TimeUnit.SECONDS);
            p.sendOffsetsToTransaction(Map.of(new org.apache.kafka.common.TopicPartition(t, 0),
                    new org.apache.kafka.clients.consumer.OffsetAndMetadata(7)),
                    new org.apache.kafka.clients.consumer.ConsumerGroupMetadata(group));
            // Left open, as by a producer that crashed: until it ends, the group's stable offset is 3. Apache
            // Kafka's admin client answers that by default (requireStable false) instead of waiting it out.
            assertEquals(3, get(quick.groups().offsets(group)).get(tp).offset());
            p.commitTransaction();
        }
        // The transaction's markers reach the offsets topic a moment after the commit returns.
        Await.until("the offset the transaction committed is read", Duration.ofSeconds(30),
                () -> get(admin.groups().offsets(group)).get(tp).offset() == 7);
    }

    @Test
    void alteringOffsetsOfAMissingTopicFailsOnlyItsPartitions() throws Exception {
        String t = topic(2, 0);
        String group = name("alter-missing");
        TopicPartition present = new TopicPartition(t, 1);
        TopicPartition missing = new TopicPartition(name("missing"), 0);
        Results<TopicPartition, Void> results = admin.groups().alterOffsets(group,
                Map.of(present, OffsetAndMetadata.of(5), missing, OffsetAndMetadata.of(5)));
        get(results.get(present));
        assertInstanceOf(dev.skein.core.errors.UnknownTopicException.class, failure(results.get(missing)));
        assertEquals(Map.of(present, 5L), get(admin.groups().offsets(group)).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())));
    }
}
