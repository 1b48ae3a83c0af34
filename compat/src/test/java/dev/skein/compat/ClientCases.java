package dev.skein.compat;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.admin.GroupType;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.ExactlyOnceProcessor;
import dev.skein.consumer.GroupProtocol;
import dev.skein.consumer.IsolationLevel;
import dev.skein.consumer.AcknowledgeType;
import dev.skein.consumer.AcknowledgementMode;
import dev.skein.consumer.ShareConsumer;
import dev.skein.consumer.ShareRecord;
import dev.skein.admin.ConfigOp;
import dev.skein.admin.ConfigResource;
import dev.skein.core.Compression;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The producer and consumer rows of the table. */
final class ClientCases {
    private ClientCases() {}

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
            byKeySent.computeIfAbsent(Env.key(i % 20), k -> new ArrayList<>()).add(sent.get(i)); // 20 per variant
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
        // The cluster's finalized group.version decides, not the release: 4.x upgraded from 3.x runs classic.
        GroupType expected = env.consumerProtocol() ? GroupType.CONSUMER : GroupType.CLASSIC;
        assertEquals(expected, type, "the protocol auto picks on " + env.target + " (finalized " + env.finalized + ")");
        return type == GroupType.CONSUMER ? "consumer" : "classic";
    }

    static String groupClassic(Env env) throws Exception {
        return twoMembers(env, "classic");
    }

    static String groupConsumerProtocol(Env env) throws Exception {
        if (!env.consumerProtocol()) {
            // Asked for explicitly where the cluster does not run it, the protocol is refused clearly: on
            // 3.x naming the release that brings it, on 4.x without group.version 1 naming the feature.
            try (Consumer<String, String> c = env.consumer().groupId(Env.unique("kip848")).groupProtocol(GroupProtocol.CONSUMER).build()) {
                c.subscribe(List.of(env.topic("kip848", 1)));
                UnsupportedVersionException e = assertThrows(UnsupportedVersionException.class, () -> {
                    long deadline = System.nanoTime() + Env.WAIT.toNanos();
                    while (System.nanoTime() < deadline) {
                        c.poll(Duration.ofMillis(200));
                    }
                });
                String names = env.target.atLeast(4, 0) ? "group.version" : "Kafka 4.0";
                assertTrue(e.getMessage().contains("ConsumerGroupHeartbeat") && e.getMessage().contains(names),
                        "the refusal names ConsumerGroupHeartbeat and " + names + ": " + e.getMessage());
            }
        }
        env.needsFeature("group.version", 1, 4, 0, "KIP-848");
        return twoMembers(env, "consumer");
    }

    /** Two members share a 2-partition topic: each reads only what it owns, every record once. */
    private static String twoMembers(Env env, String protocol) throws Exception {
        String topic = env.topic("members-" + protocol, 2);
        String group = Env.unique(protocol);
        try (Consumer<String, String> a = env.consumer().groupId(group).groupProtocol(GroupProtocol.forName(protocol)).build();
             Consumer<String, String> b = env.consumer().groupId(group).groupProtocol(GroupProtocol.forName(protocol)).build()) {
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

    /**
     * Two members of one share group on a 1-partition topic accept every record once; a released
     * record comes back with delivery count 2. Before Kafka 4.1 the member fails clearly, naming KIP-932.
     */
    static String shareGroup(Env env) throws Exception {
        if (!env.target.atLeast(4, 1)) {
            try (ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(env.bootstrap()).groupId(Env.unique("kip932")).build()) {
                c.subscribe(List.of(env.topic("kip932", 1)));
                UnsupportedVersionException e = assertThrows(UnsupportedVersionException.class, () -> {
                    long deadline = System.nanoTime() + Env.WAIT.toNanos();
                    while (System.nanoTime() < deadline) {
                        c.poll(Duration.ofMillis(200));
                    }
                });
                assertTrue(e.getMessage().contains("KIP-932") && e.getMessage().contains("4.1"), e.getMessage());
            }
        }
        env.needs(4, 1, "KIP-932");
        String topic = env.topic("share", 1);
        String group = Env.unique("share");
        env.admin.configs().alter(Map.of(ConfigResource.group(group), List.of(ConfigOp.set("share.auto.offset.reset",
                "earliest")))).all().get(30, TimeUnit.SECONDS);
        List<String> sent = Env.values("s", 40);
        env.produce(topic, sent);
        Map<String, Integer> seen = new HashMap<>();
        int redelivered = 0;
        try (ShareConsumer<String, String> a = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(env.bootstrap()).groupId(group).acknowledgementMode(AcknowledgementMode.EXPLICIT).build();
             ShareConsumer<String, String> b = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(env.bootstrap()).groupId(group).build()) {
            a.subscribe(List.of(topic)); // b joins once a has released a record
            boolean released = false;
            long deadline = System.nanoTime() + Env.WAIT.toNanos();
            while (seen.size() < sent.size() && System.nanoTime() < deadline) {
                if (released && b.subscription().isEmpty()) {
                    b.subscribe(List.of(topic));
                }
                for (ShareRecord<String, String> r : a.poll(Duration.ofMillis(100))) {
                    if (!released) {
                        a.acknowledge(r, AcknowledgeType.RELEASE); // comes back, to a or b
                        released = true;
                        continue;
                    }
                    a.acknowledge(r);
                    redelivered += r.deliveryCount() > 1 ? 1 : 0;
                    seen.merge(r.value(), 1, Integer::sum);
                }
                for (ShareRecord<String, String> r : b.subscription().isEmpty() ? List.<ShareRecord<String, String>>of()
                        : b.poll(Duration.ofMillis(100))) {
                    redelivered += r.deliveryCount() > 1 ? 1 : 0;
                    seen.merge(r.value(), 1, Integer::sum);
                }
            }
        }
        assertEquals(Set.copyOf(sent), seen.keySet(), "every record accepted");
        seen.forEach((v, n) -> assertEquals(1, n, "record " + v + " accepted once"));
        assertEquals(1, redelivered, "the released record came back with delivery count 2");
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
        Map<TopicPartition, OffsetAndMetadata> committed = env.admin.groups().offsets(group).get(30, TimeUnit.SECONDS);
        assertEquals(20L, committed.get(tp).offset());
        return null;
    }

    /**
     * Two commits and an abort; read_committed sees the committed records once. The note is the
     * transaction protocol the producer ran, seen at the coordinator: with version 2 (KIP-890) every
     * commit or abort bumps the producer epoch, with version 1 the epoch stays. It must be the version
     * the cluster finalized ({@code transaction.version}).
     */
    static String transactions(Env env) throws Exception {
        String topic = env.topic("txn", 2);
        String id = Env.unique("txn");
        short before;
        short after;
        try (Producer<String, String> p = env.producer().transactionalId(id).build()) {
            p.initTransactions();
            before = epoch(env, id);
            p.beginTransaction();
            Env.send(p, topic, Env.values("committed1", 10));
            p.commitTransaction();
            p.beginTransaction();
            Env.send(p, topic, Env.values("aborted", 10));
            p.abortTransaction();
            p.beginTransaction();
            Env.send(p, topic, Env.values("committed2", 10));
            p.commitTransaction();
            after = epoch(env, id);
        }
        List<String> committed = env.readAll(topic, 2, 20, IsolationLevel.READ_COMMITTED).stream()
                .map(ConsumerRecord::value).toList();
        Set<String> expected = new HashSet<>(Env.values("committed1", 10));
        expected.addAll(Env.values("committed2", 10));
        assertEquals(20, committed.size(), "read_committed: the committed records once, no aborted one");
        assertEquals(expected, Set.copyOf(committed));
        assertEquals(30, env.readAll(topic, 2, 30, IsolationLevel.READ_UNCOMMITTED).size(), "read_uncommitted sees all");
        String ran = switch (after - before) {
            case 0 -> "v1";
            case 3 -> "v2"; // one bump per end of transaction
            default -> throw new AssertionError("producer epoch went from " + before + " to " + after
                    + " over three transactions: neither version 1 (no bump) nor 2 (one per transaction)");
        };
        assertEquals(env.transactionsV2() ? "v2" : "v1", ran, "the transaction protocol the producer ran on "
                + env.target + " (finalized " + env.finalized + ")");
        return ran;
    }

    /** The producer epoch of a transactional id, as its coordinator describes it. */
    static short epoch(Env env, String transactionalId) throws Exception {
        return env.admin.transactions().describe(List.of(transactionalId)).get(transactionalId)
                .get(30, TimeUnit.SECONDS).producerEpoch();
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
}
