package dev.skein.producer;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.ProducerFencedException;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Skein's transactional producer against a real broker, read by Apache Kafka's consumer. */
@ExtendWith(KafkaClusterExtension.class)
class TransactionIT {

    static Producer<String, String> transactional(KafkaCluster kafka, String id, Duration timeout) {
        return Producer.builder(Serdes.string(), Serdes.string()).bootstrapServers(kafka.bootstrapServers())
                .transactionalId(id).transactionTimeout(timeout).build();
    }

    /** Everything a fresh consumer of the given isolation reads from partition 0 (see below). */
    static List<String> read(KafkaCluster kafka, String topic, String isolation) {
        return read(kafka, topic, 0, isolation);
    }

    /**
     * Everything a fresh consumer of the given isolation reads from one partition, up to its end: the
     * high watermark read_uncommitted; read_committed, the last stable offset once it has reached the
     * high watermark, as EndTxn returns before the coordinator has written its markers. Callers close or
     * fence every transactional producer of the topic first: a transaction left open fails the read.
     */
    static List<String> read(KafkaCluster kafka, String topic, int partition, String isolation) {
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, partition);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "isolation.level", isolation, "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
            long end = readableEnd(kafka, tp, isolation);
            c.assign(List.of(tp));
            List<String> out = new ArrayList<>();
            Await.until(tp + " read to " + end, Duration.ofSeconds(30), () -> {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r.value());
                }
                return c.position(tp) >= end;
            });
            return out;
        }
    }

    /**
     * The end a reader of {@code isolation} can reach: the high watermark read_uncommitted; read_committed,
     * the last stable offset once it has reached the high watermark. A commit returns once the coordinator
     * has decided, before its markers are written, so the last stable offset read right after it may still
     * stop at the transaction's first record.
     */
    static long readableEnd(KafkaCluster kafka, org.apache.kafka.common.TopicPartition tp, String isolation) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            return Await.value(tp + ": the end a " + isolation + " reader can reach (no transaction open)",
                    Duration.ofSeconds(30), () -> {
                        long highWatermark = latest(admin, tp, IsolationLevel.READ_UNCOMMITTED);
                        if (isolation.equals("read_uncommitted")) {
                            return highWatermark;
                        }
                        long stable = latest(admin, tp, IsolationLevel.READ_COMMITTED);
                        return stable == highWatermark ? stable : null;
                    });
        }
    }

    private static long latest(Admin admin, org.apache.kafka.common.TopicPartition tp, IsolationLevel isolation)
            throws Exception {
        return admin.listOffsets(Map.of(tp, OffsetSpec.latest()), new ListOffsetsOptions(isolation)).partitionResult(tp)
                .get(10, TimeUnit.SECONDS).offset();
    }

    @Test
    void committedTransactionsAreVisibleAndAbortedOnesNever(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "txn", 1, 1);
        try (Producer<String, String> p = transactional(kafka, "txn-" + UUID.randomUUID(), Duration.ofMinutes(1))) {
            p.initTransactions();
            for (String prefix : List.of("a", "b", "c")) {
                p.beginTransaction();
                List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    sent.add(p.send(ProducerRecord.of(topic, prefix + i)));
                }
                if (prefix.equals("b")) {
                    p.flush(); // written, then aborted
                    p.abortTransaction();
                } else {
                    p.commitTransaction();
                    for (CompletableFuture<RecordMetadata> f : sent) {
                        assertTrue(f.isDone() && !f.isCompletedExceptionally(), "acknowledged before the commit returned");
                    }
                }
            }
        }
        List<String> committed = read(kafka, topic, "read_committed");
        List<String> expected = new ArrayList<>();
        for (String prefix : List.of("a", "c")) {
            for (int i = 0; i < 100; i++) {
                expected.add(prefix + i);
            }
        }
        assertEquals(expected, committed, "read_committed: the committed transactions, in order, nothing aborted");
        assertEquals(300, read(kafka, topic, "read_uncommitted").size(), "read_uncommitted sees the aborted ones too");
    }

    @Test
    void anAbortDropsWhatWasNotSentYet(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "txn-unsent", 1, 1);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).transactionalId("unsent-" + UUID.randomUUID())
                .linger(Duration.ofSeconds(30)).build()) { // nothing leaves before the abort
            p.initTransactions();
            p.beginTransaction();
            CompletableFuture<RecordMetadata> f = p.send(ProducerRecord.of(topic, "never"));
            p.abortTransaction();
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            // KIP-654: dropped by the application's abort, not a reason to abort (a callback that aborts
            // on TransactionAbortableException would find the abort done and be refused).
            assertInstanceOf(TransactionAbortedException.class, e.getCause());
            assertFalse(e.getCause() instanceof TransactionAbortableException, e.getCause().toString());
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "kept"));
            p.commitTransaction();
        }
        assertEquals(List.of("kept"), read(kafka, topic, "read_committed"));
    }

    /**
     * KIP-654: once a record of the transaction has failed, records still queued can no longer be part
     * of a commit. They fail at once (not after the linger, nor after delivery.timeout.ms), and the
     * abort that follows does not wait for them.
     */
    @Test
    void anAbortableErrorFailsTheQueuedRecordsAndTheAbortDoesNotWaitForThem(KafkaCluster kafka) throws Exception {
        queuedRecordsFailOnceTheTransactionCannotCommit(kafka);
    }

    /** The body of the test above, also run with transactions version 1 ({@link TransactionV1IT}). */
    static void queuedRecordsFailOnceTheTransactionCannotCommit(KafkaCluster kafka) throws Exception {
        String tight = Reference.createTopic(kafka, "txn-tight", 1, 1, Map.of("max.message.bytes", "1000"));
        String topic = Reference.createTopic(kafka, "txn-queued", 1, 1);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).transactionalId("queued-" + UUID.randomUUID())
                .linger(Duration.ofSeconds(60)).batchSize(2000).maxBlock(Duration.ofSeconds(20)).build()) {
            p.initTransactions();
            p.beginTransaction();
            // The transaction joins the coordinator first: one record written and acknowledged. Larger
            // than batch.size, it leaves at once; flush() would do too, but a sender pass that began
            // while it ran may still take the next record out as flushed.
            p.send(ProducerRecord.of(topic, "first-" + "x".repeat(2500))).get(20, TimeUnit.SECONDS);
            List<CompletableFuture<RecordMetadata>> queued = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                queued.add(p.send(ProducerRecord.of(topic, "queued-" + i))); // lingers 60 s
            }
            // A record larger than batch.size leaves at once, in a batch of its own, and the topic refuses it.
            CompletableFuture<RecordMetadata> tooLarge = p.send(ProducerRecord.of(tight, "x".repeat(3000)));
            ExecutionException refused = assertThrows(ExecutionException.class, () -> tooLarge.get(20, TimeUnit.SECONDS));
            for (CompletableFuture<RecordMetadata> f : queued) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS),
                        "a queued record fails as soon as the transaction cannot commit: " + refused.getCause());
                assertInstanceOf(TransactionAbortableException.class, e.getCause());
            }
            long start = System.nanoTime();
            p.abortTransaction();
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10),
                    "the abort waited for records that could never leave");
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "kept"));
            p.commitTransaction();
        }
        assertEquals(List.of("kept"), read(kafka, topic, "read_committed"));
    }

    /**
     * trySend()'s "would block" (the topic not in metadata yet, no room in the buffer) is not a record the
     * transaction lost: the application sends it again, and the transaction still commits.
     */
    @Test
    void aTrySendThatWouldBlockLeavesTheTransactionCommittable(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "txn-try", 1, 1);
        try (Producer<String, String> p = transactional(kafka, "txn-try-" + System.nanoTime(), Duration.ofMinutes(1))) {
            p.initTransactions();
            p.beginTransaction();
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> p.trySend(ProducerRecord.of(topic, "tried")).get(30, TimeUnit.SECONDS));
            assertInstanceOf(dev.skein.core.errors.TimeoutException.class, e.getCause(), "no metadata yet: would block");
            p.send(ProducerRecord.of(topic, "sent")).get(30, TimeUnit.SECONDS);
            p.commitTransaction();
        }
        assertEquals(List.of("sent"), read(kafka, topic, "read_committed"));
    }

    /**
     * A record that fails inside send(), before it joins a batch (larger than max.request.size, a
     * partition the topic does not have), was not written: the transaction cannot commit, as with
     * Apache Kafka's producer (doSend makes the transaction abortable). Committing would commit the
     * records around it without it.
     */
    @Test
    void aRecordRefusedInsideSendMakesTheTransactionAbortable(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "txn-refused", 1, 1);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).transactionalId("refused-" + UUID.randomUUID())
                .maxRequestSize(1024).maxBlock(Duration.ofSeconds(3)).build()) {
            // A partition the topic does not have is waited for (max.block.ms, kept short here), then refused.
            // initTransactions() that timed out is called again and goes on waiting for the same call.
            Await.until("initTransactions()", Duration.ofSeconds(60), () -> {
                p.initTransactions();
                return true;
            });
            List<ProducerRecord<String, String>> refused = List.of(ProducerRecord.of(topic, "x".repeat(2000)),
                    ProducerRecord.<String, String>of(topic, "nowhere").withPartition(5));
            for (ProducerRecord<String, String> bad : refused) {
                p.beginTransaction();
                p.send(ProducerRecord.of(topic, "aborted")).get(30, TimeUnit.SECONDS);
                CompletableFuture<RecordMetadata> f = p.send(bad);
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
                assertThrows(TransactionAbortableException.class, p::commitTransaction,
                        "the transaction lost a record: " + e.getCause());
                p.abortTransaction();
            }
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "kept"));
            p.commitTransaction();
        }
        assertEquals(List.of("kept"), read(kafka, topic, "read_committed"));
    }

    @Test
    void aNewerInstanceFencesTheZombieWhoseOpenRecordsNeverShow(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "txn-zombie", 1, 1);
        String id = "zombie-" + UUID.randomUUID();
        try (Producer<String, String> a = transactional(kafka, id, Duration.ofMinutes(1));
             Producer<String, String> b = transactional(kafka, id, Duration.ofMinutes(1))) {
            a.initTransactions();
            a.beginTransaction();
            a.send(ProducerRecord.of(topic, "zombie")).get(30, TimeUnit.SECONDS);

            b.initTransactions(); // fences a and aborts its open transaction
            b.beginTransaction();
            b.send(ProducerRecord.of(topic, "fresh"));
            b.commitTransaction();

            Throwable send = assertThrows(ExecutionException.class,
                    () -> a.send(ProducerRecord.of(topic, "late")).get(30, TimeUnit.SECONDS)).getCause();
            assertInstanceOf(ProducerFencedException.class, send, "a's next send is fenced: " + send);
            assertThrows(ProducerFencedException.class, a::commitTransaction);
            assertThrows(ProducerFencedException.class, () -> a.sendOffsetsToTransaction(Map.of(new TopicPartition(topic, 0), dev.skein.core.OffsetAndMetadata.of(1)),
                    new ConsumerGroupMetadata("g", -1, "", null)));
        }
        assertEquals(List.of("fresh"), read(kafka, topic, "read_committed"));
    }

    @Test
    void aTransactionOpenPastItsTimeoutIsFencedAndStaysInvisible(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "txn-timeout", 1, 1);
        String id = "slow-" + UUID.randomUUID();
        try (Producer<String, String> p = transactional(kafka, id, Duration.ofSeconds(2))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "too-slow")).get(30, TimeUnit.SECONDS);
            // The coordinator aborts transactions past their timeout on its next check.
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                Await.until("the coordinator aborted " + id + " past its timeout", Duration.ofSeconds(60),
                        () -> admin.describeTransactions(List.of(id)).description(id).get(10, TimeUnit.SECONDS).state()
                                == TransactionState.COMPLETE_ABORT);
            }
            // Fatal, as a fence by a newer instance is (the coordinator answers a fence, or with
            // transactions v2 INVALID_TXN_STATE, to both): a zombie told to re-initialize would fence
            // the instance that replaced it.
            dev.skein.core.errors.SkeinException e = assertThrows(dev.skein.core.errors.SkeinException.class, p::commitTransaction);
            assertTrue(e instanceof ProducerFencedException || e instanceof dev.skein.core.errors.TransactionException, e.toString());
            assertFalse(e.isRetriable(), e.toString());
            assertTrue(e.getMessage().contains("transaction.timeout.ms"), e.getMessage());
            assertSame(e, assertThrows(dev.skein.core.errors.SkeinException.class, p::beginTransaction), "final");
        }
        try (Producer<String, String> p = transactional(kafka, id, Duration.ofSeconds(30))) {
            p.initTransactions(); // a new producer carries on under the same id
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "in-time"));
            p.commitTransaction();
        }
        assertEquals(List.of("in-time"), read(kafka, topic, "read_committed"));
    }

    @Test
    void offsetsSentToATransactionAreCommittedOnlyWithIt(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "txn-offsets", 1, 1);
        String group = "txn-group-" + UUID.randomUUID();
        TopicPartition tp = new TopicPartition(topic, 0);
        ConsumerGroupMetadata meta = new ConsumerGroupMetadata(group, -1, "", null);
        try (Producer<String, String> p = transactional(kafka, "offsets-" + UUID.randomUUID(), Duration.ofMinutes(1))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "x"));
            p.sendOffsetsToTransaction(Map.of(tp, new dev.skein.core.OffsetAndMetadata(42, "m-42", 3)), meta);
            p.commitTransaction();
            OffsetAndMetadata committed = stableOffset(kafka, group, topic, 0);
            assertNotNull(committed, "the transaction's offset committed");
            assertEquals(42L, committed.offset());
            assertEquals("m-42", committed.metadata(), "the metadata travels with the offset");
            assertEquals(java.util.Optional.of(3), committed.leaderEpoch(), "so does the leader epoch (KIP-320)");

            p.beginTransaction();
            p.sendOffsetsToTransaction(Map.of(tp, dev.skein.core.OffsetAndMetadata.of(99)), meta);
            p.abortTransaction();
            OffsetAndMetadata afterAbort = stableOffset(kafka, group, topic, 0);
            assertNotNull(afterAbort, "the committed offset survives the abort");
            assertEquals(42L, afterAbort.offset(), "an aborted transaction commits no offsets");
        }
    }

    /**
     * The group's committed offset of one partition once no transaction holds offsets of it, or null when
     * it has none. Read right after a commit or abort returned, plain offsets may not show the outcome
     * yet: the coordinator's markers reach the group after EndTxn returns. A reference consumer with a
     * group.id always asks with require_stable and retries while the broker answers UNSTABLE_OFFSET_COMMIT. (The
     * reference admin client, asked the same, leaves such a partition out of its answer, which reads as
     * "no offset".)
     */
    static OffsetAndMetadata stableOffset(KafkaCluster kafka, String group, String topic, int partition) {
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, partition);
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "group.id", group, "isolation.level", "read_committed", "enable.auto.commit", "false"),
                new StringDeserializer(), new StringDeserializer())) {
            return c.committed(java.util.Set.of(tp), Duration.ofSeconds(30)).get(tp);
        }
    }

    @Test
    void transactionsNeedTheirCallsInOrder(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "txn-order", 1, 1);
        try (Producer<String, String> p = transactional(kafka, "order-" + UUID.randomUUID(), Duration.ofMinutes(1))) {
            assertThrows(IllegalStateException.class, p::beginTransaction, "initTransactions() first");
            p.initTransactions();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(ProducerRecord.of(topic, "outside")).get(10, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, e.getCause(), "no send outside a transaction");
            assertThrows(IllegalStateException.class, p::commitTransaction);
            p.beginTransaction();
            p.commitTransaction(); // an empty transaction is fine
        }
        try (Producer<String, String> plain = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).build()) {
            assertThrows(IllegalStateException.class, plain::initTransactions);
        }
        assertThrows(dev.skein.core.errors.ConfigException.class, () -> Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).transactionalId("x").idempotence(false).build());
    }
}
