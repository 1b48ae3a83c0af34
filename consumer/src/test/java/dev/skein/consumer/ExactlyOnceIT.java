package dev.skein.consumer;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.TransactionAbortableException;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The exactly-once loop against a real broker: output equals input, no duplicates, whatever happens. */
@ExtendWith(KafkaClusterExtension.class)
class ExactlyOnceIT {

    /**
     * What a fresh read_committed reader (Apache Kafka's consumer) sees in the topic, partition by
     * partition, once no transaction is open on it: callers close or fence every transactional producer
     * of the topic first. EndTxn returns before the coordinator has written its markers, so each
     * partition is read up to its last stable offset once that offset has reached the high watermark
     * (every marker written and replicated, nothing pending).
     */
    static List<List<String>> readCommitted(KafkaCluster kafka, String topic, int partitions) {
        List<List<String>> out = new ArrayList<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
             KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                     "isolation.level", "read_committed", "auto.offset.reset", "earliest"), new StringDeserializer(),
                     new StringDeserializer())) {
            for (int p = 0; p < partitions; p++) {
                org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, p);
                long end = stableEnd(admin, tp, Duration.ofSeconds(60));
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                List<String> values = new ArrayList<>();
                Await.until(tp + " read to its stable end " + end, Duration.ofSeconds(60), () -> {
                    c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                    return c.position(tp) >= end;
                });
                out.add(values);
            }
        }
        return out;
    }

    /** The partition's last stable offset, once it equals its high watermark: no transaction open on it. */
    static long stableEnd(Admin admin, org.apache.kafka.common.TopicPartition tp, Duration within) {
        return Await.value(tp + ": the last stable offset at the high watermark (no transaction open)", within, () -> {
            long stable = latest(admin, tp, IsolationLevel.READ_COMMITTED);
            return stable == latest(admin, tp, IsolationLevel.READ_UNCOMMITTED) ? stable : null;
        });
    }

    private static long latest(Admin admin, org.apache.kafka.common.TopicPartition tp, IsolationLevel isolation)
            throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation)).partitionResult(tp)
                .get(10, TimeUnit.SECONDS).offset();
    }

    /** A copier of {@code in} with a fresh group and transactional id starting with {@code prefix}. */
    private static ExactlyOnceProcessor<String, String, String, String> copier(KafkaCluster kafka, String in, String prefix,
                                                                                int maxPollRecords) {
        return ExactlyOnceProcessor.builder(Serdes.string().deserializer(), Serdes.string().deserializer(),
                        Serdes.string().serializer(), Serdes.string().serializer())
                .bootstrapServers(kafka.bootstrapServers()).input(List.of(in)).groupId(prefix + UUID.randomUUID())
                .transactionalId(prefix + UUID.randomUUID()).property("max.poll.records", maxPollRecords).build();
    }

    static void assertExactlyOnce(int total, List<List<String>> output) {
        List<String> all = new ArrayList<>();
        output.forEach(all::addAll);
        Set<String> unique = new HashSet<>(all);
        assertEquals(all.size(), unique.size(), "no duplicates: " + (all.size() - unique.size()) + " extra");
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < total; i++) {
            expected.add(Integer.toString(i));
        }
        assertEquals(expected, unique, "the output set equals the input set");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void oneTransactionInThreeAbortedStillCopiesEachRecordOnce(int partitions, KafkaCluster kafka) throws Exception {
        String in = ConsumerIT.topic(kafka, "eos-in", partitions);
        String out = ConsumerIT.topic(kafka, "eos-out", partitions);
        int total = 5_000;
        ConsumerIT.produce(kafka, in, total, "none");
        Random random = new Random(partitions);
        long committed;
        long aborted;
        try (ExactlyOnceProcessor<String, String, String, String> copier = copier(kafka, in, "eos-", 100)) {
            long copied = copier.run(r -> {
                if (random.nextInt(300) == 0) { // about one batch of 100 in three
                    throw new TransactionAbortableException("a chance abort", null);
                }
                return List.of(new ProducerRecord<>(out, r.partition(), r.key(), r.value(), r.headers(), null));
            }, Duration.ofSeconds(5));
            assertEquals(total, copied, "each input record committed once");
            committed = copier.committedTransactions();
            aborted = copier.abortedTransactions();
        }
        assertTrue(aborted > 0 && committed > 0, "aborted " + aborted + ", committed " + committed);
        List<List<String>> output = readCommitted(kafka, out, partitions);
        assertExactlyOnce(total, output);
        if (partitions == 1) {
            List<String> inOrder = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                inOrder.add(Integer.toString(i));
            }
            assertEquals(inOrder, output.get(0), "one partition: the order is the input's");
        }
    }

    /**
     * A transform that throws (a bug, a bad input) ends {@code run()} with its exception, and its batch's
     * transaction is aborted, not left open: the outputs written for the batch so far never commit, the
     * consumer is rewound to the batch's start, and calling {@code run()} again processes it once.
     */
    @Test
    void aTransformThatThrowsAbortsItsBatchAndTheNextRunCopiesItOnce(KafkaCluster kafka) throws Exception {
        String in = ConsumerIT.topic(kafka, "eos-throw-in", 1);
        String out = ConsumerIT.topic(kafka, "eos-throw-out", 1);
        int total = 500;
        ConsumerIT.produce(kafka, in, total, "none");
        java.util.concurrent.atomic.AtomicBoolean thrown = new java.util.concurrent.atomic.AtomicBoolean();
        ExactlyOnceProcessor.Transform<String, String, String, String> copy = r -> {
            if (r.value().equals("250") && thrown.compareAndSet(false, true)) {
                throw new IllegalArgumentException("cannot transform input 250");
            }
            return List.of(new ProducerRecord<>(out, r.partition(), r.key(), r.value(), r.headers(), null));
        };
        try (ExactlyOnceProcessor<String, String, String, String> copier = copier(kafka, in, "eos-throw-", 100)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> copier.run(copy, Duration.ofSeconds(5)));
            assertEquals("cannot transform input 250", e.getMessage());
            long before = copier.committedTransactions();
            copier.run(copy, Duration.ofSeconds(5));
            assertTrue(copier.committedTransactions() > before, "the second run committed");
        }
        assertExactlyOnce(total, readCommitted(kafka, out, 1));
    }

    /**
     * An output the producer refuses for what it is (here, larger than {@code max.request.size}) makes the
     * transaction abortable, so the input is not committed without it; and since reading the batch again
     * would only fail again, {@code run()} ends with the producer's error, after the abort, instead of
     * aborting the same batch forever. The batches before it are copied once.
     */
    @Test
    void anOutputTheProducerRefusesEndsRunWithItsErrorAndNothingOfItsBatchCommits(KafkaCluster kafka) throws Exception {
        String in = ConsumerIT.topic(kafka, "eos-poison-in", 1);
        String out = ConsumerIT.topic(kafka, "eos-poison-out", 1);
        ConsumerIT.produce(kafka, in, 200, "none");
        String huge = "x".repeat(1_200_000);
        try (ExactlyOnceProcessor<String, String, String, String> copier = copier(kafka, in, "eos-poison-", 50)) {
            RecordTooLargeException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> assertThrows(RecordTooLargeException.class, () -> copier.run(r -> List.of(new ProducerRecord<>(
                            out, 0, r.key(), r.value().equals("120") ? huge : r.value(), null, null)), Duration.ofSeconds(5))));
            assertTrue(e.getMessage().contains("max.request.size"), e.getMessage());
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            expected.add(Integer.toString(i));
        }
        assertEquals(List.of(expected), readCommitted(kafka, out, 1), "the batches before the refused output, once");
    }

    /**
     * {@code run()} stops when {@code idle} passes without input, not while input keeps coming and its
     * transactions keep aborting: here every transaction with input "42" aborts for the first 4 s, longer
     * than {@code idle} (1 s), and {@code run()} still copies everything once those aborts stop.
     */
    @Test
    void runDoesNotMistakeAbortedBatchesForIdleness(KafkaCluster kafka) throws Exception {
        String in = ConsumerIT.topic(kafka, "eos-aborts-in", 1);
        String out = ConsumerIT.topic(kafka, "eos-aborts-out", 1);
        int total = 300;
        ConsumerIT.produce(kafka, in, total, "none");
        long abortUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        long copied;
        try (ExactlyOnceProcessor<String, String, String, String> copier = copier(kafka, in, "eos-aborts-", 100)) {
            copied = copier.run(r -> {
                if (r.value().equals("42") && System.nanoTime() - abortUntil < 0) {
                    throw new TransactionAbortableException("not yet", null);
                }
                return List.of(new ProducerRecord<>(out, r.partition(), r.key(), r.value(), r.headers(), null));
            }, Duration.ofSeconds(1));
            assertTrue(copier.abortedTransactions() > 1, "aborted " + copier.abortedTransactions());
        }
        assertEquals(total, copied, "every input record committed once");
        assertExactlyOnce(total, readCommitted(kafka, out, 1));
    }

    /**
     * KIP-447 fences a zombie by the group generation its offsets carry. A classic member whose generation
     * ended (here: {@code max.poll.interval.ms} ran out while it worked) keeps reporting the generation
     * and member id it read its records under, as Apache Kafka's consumer does, so the coordinator refuses
     * its transactional offset commit. Reported as "no generation" instead, the commit would be accepted
     * in any state: the zombie and the partition's new owner would both commit the same batch.
     */
    @Test
    void aClassicMemberWhoseGenerationEndedCannotCommitOffsetsInATransaction(KafkaCluster kafka) throws Exception {
        String in = ConsumerIT.topic(kafka, "zombie-in", 1);
        String out = ConsumerIT.topic(kafka, "zombie-out", 1);
        ConsumerIT.produce(kafka, in, 10, "none");
        String group = "zombie-" + UUID.randomUUID();
        TopicPartition tp = new TopicPartition(in, 0);
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).offsetReset(OffsetReset.EARLIEST)
                .delivery(Delivery.MANUAL).groupProtocol(GroupProtocol.CLASSIC).maxPollInterval(Duration.ofSeconds(2))
                .heartbeatInterval(Duration.ofMillis(200)).sessionTimeout(Duration.ofSeconds(6)).build();
             Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                     .bootstrapServers(kafka.bootstrapServers()).transactionalId("zombie-" + UUID.randomUUID()).build()) {
            p.initTransactions();
            c.subscribe(List.of(in));
            assertEquals(10, ConsumerIT.pollUntil(c, 10, Duration.ofSeconds(30)).size());
            int generation = c.groupMetadata().generationId();
            assertTrue(generation > 0, "read under generation " + generation);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                Await.until("the member that stopped polling gone from " + group, Duration.ofSeconds(30),
                        () -> admin.describeConsumerGroups(List.of(group)).describedGroups().get(group)
                                .get(10, TimeUnit.SECONDS).members().isEmpty());
            }
            assertEquals(generation, c.groupMetadata().generationId(), "the generation the records were read under");
            p.beginTransaction();
            p.send(new ProducerRecord<>(out, 0, "k", "copied", null, null));
            assertThrows(TransactionAbortableException.class, () -> {
                p.sendOffsetsToTransaction(Map.of(tp, new OffsetAndMetadata(10, "", -1)), c.groupMetadata());
                p.commitTransaction();
            }, "the coordinator refuses the zombie's offsets");
            p.abortTransaction();
        }
        assertEquals(List.of(List.of()), readCommitted(kafka, out, 1), "nothing copied");
    }

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void aCopierKilledThreeTimesMidTransactionAndRestartedCopiesEachRecordOnce(String protocol, KafkaCluster kafka)
            throws Exception {
        String in = ConsumerIT.topic(kafka, "eos-kill-in", 3);
        String out = ConsumerIT.topic(kafka, "eos-kill-out", 3);
        int total = 20_000;
        ConsumerIT.produce(kafka, in, total, "none");
        String group = "eos-kill-" + UUID.randomUUID();
        ConsumerIT.groupSession(kafka, group, Duration.ofSeconds(6));
        String txnId = "eos-kill-" + UUID.randomUUID();
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ExactlyOnceCopierMain.class.getName(), kafka.bootstrapServers(),
                in, out, group, txnId, "8", protocol);
        for (int kill = 1; kill <= 3; kill++) {
            Process copier = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            long target = (long) total * kill / 4;
            // Stops early if the copier died: the assertion below then says so rather than waiting out the bound.
            Await.until("the copier at " + target + " records, or exited (run " + kill + ")", Duration.ofSeconds(90),
                    () -> !copier.isAlive() || uncommittedEnd(kafka, out) >= target);
            assertTrue(copier.isAlive(), "the copier was still copying when killed (run " + kill + ")");
            copier.destroyForcibly(); // SIGKILL, most likely mid-transaction
            assertTrue(copier.waitFor(10, TimeUnit.SECONDS));
        }
        Process last = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(last.waitFor(180, TimeUnit.SECONDS), "the last run finishes once idle");
        assertEquals(0, last.exitValue());
        assertExactlyOnce(total, readCommitted(kafka, out, 3));
    }

    /**
     * A copier crashed after adding the group's offsets to its transaction and before ending it; the
     * next one (another transactional id, as KIP-447 allows) starts at once. Until the broker aborts the
     * crashed transaction on its timeout, the group's offsets are unstable (UNSTABLE_OFFSET_COMMIT): the
     * new copier must wait that out, not fail, and then copy everything exactly once.
     */
    @Test
    void aCopierStartedWhileACrashedPeersTransactionHoldsTheOffsetsWaitsAndCopiesOnce(KafkaCluster kafka) throws Exception {
        String in = ConsumerIT.topic(kafka, "eos-unstable-in", 1);
        String out = ConsumerIT.topic(kafka, "eos-unstable-out", 1);
        int total = 2_000;
        ConsumerIT.produce(kafka, in, total, "none");
        String group = "eos-unstable-" + UUID.randomUUID();
        Process crashed = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), OpenTransactionMain.class.getName(), kafka.bootstrapServers(),
                // A transaction timeout of 10 s: the check below must run before the coordinator's sweep
                // (every 10 s) aborts it, on a loaded machine too.
                in, out, group, "eos-crashed-" + UUID.randomUUID(), "1000", "10000").redirectErrorStream(true).start();
        String output = new String(crashed.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(crashed.waitFor(60, TimeUnit.SECONDS));
        assertTrue(output.contains("OPEN"), "the crashed copier left its transaction open: " + output);
        try (KafkaConsumer<String, String> reference = new KafkaConsumer<>(Map.of("bootstrap.servers",
                kafka.bootstrapServers(), "group.id", group), new StringDeserializer(), new StringDeserializer())) {
            org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(in, 0);
            org.junit.jupiter.api.Assertions.assertThrows(org.apache.kafka.common.errors.TimeoutException.class,
                    () -> reference.committed(Set.of(tp), Duration.ofSeconds(1)),
                    "the group's offsets are pending in the open transaction (unstable)");
        }
        long start = System.nanoTime();
        long copied;
        try (ExactlyOnceProcessor<String, String, String, String> copier = ExactlyOnceProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer(), Serdes.string().serializer(),
                        Serdes.string().serializer())
                .bootstrapServers(kafka.bootstrapServers()).input(List.of(in)).groupId(group)
                .transactionalId("eos-next-" + UUID.randomUUID()).property("max.poll.records", 200).build()) {
            copied = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (copied < total && System.nanoTime() < deadline) { // the wait for the offsets is not idleness
                copied += copier.processOnce(Duration.ofMillis(200),
                        r -> List.of(new ProducerRecord<>(out, r.partition(), r.key(), r.value(), r.headers(), null)));
            }
        }
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(total, copied, "every input record copied once, from the last stable commit (none), after "
                + waitedMs + " ms");
        assertExactlyOnce(total, readCommitted(kafka, out, 1));
    }

    /** Records in the topic including uncommitted ones: how far the copier got. */
    private static long uncommittedEnd(KafkaCluster kafka, String topic) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new StringDeserializer(), new StringDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                tps.add(new org.apache.kafka.common.TopicPartition(topic, p));
            }
            return c.endOffsets(tps).values().stream().mapToLong(Long::longValue).sum();
        }
    }
}
