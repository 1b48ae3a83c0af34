package dev.skein.producer;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.message.ApiKey;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transactional calls that time out while their request is still on its way (held by the fault proxy),
 * and what the application does next, as Apache Kafka's producer documents it: the same call again, a
 * commit after offsets that did not finish, close(). One broker behind a fault proxy, shared by the
 * class; each test heals it and hands back what it held.
 */
@ExtendWith(KafkaClusterExtension.class)
class TransactionTimeoutIT {
    private static KafkaCluster kafka;

    @BeforeAll
    static void start(@OwnCluster(faultProxy = true) KafkaCluster cluster) {
        kafka = cluster;
        // The transaction coordinators load once, with the first transactional id: not within a test's one second.
        try (Producer<String, String> warm = TransactionIT.transactional(kafka, "warm-" + System.nanoTime(), Duration.ofMinutes(1))) {
            warm.initTransactions();
        }
    }

    @AfterEach
    void heal() {
        proxy().heal().releaseHeld();
    }

    private static FaultProxy proxy() {
        return kafka.proxy(1);
    }

    /** A transactional producer that gives up waiting after one second, and on a request after {@code requestTimeout}. */
    private static Producer<String, String> producer(String id, Duration requestTimeout) {
        return Producer.builder(Serdes.string(), Serdes.string()).bootstrapServers(kafka.bootstrapServers())
                .transactionalId(id).maxBlock(Duration.ofSeconds(1))
                .requestTimeout(requestTimeout).build();
    }

    private static void sendTen(Producer<String, String> p, String topic, String prefix, List<String> sent) {
        for (int i = 0; i < 10; i++) {
            p.send(ProducerRecord.of(topic, prefix + i));
            sent.add(prefix + i);
        }
        p.flush();
    }

    /**
     * Offsets whose TxnOffsetCommit is still on its way when sendOffsetsToTransaction() gives up, then a
     * commit: the commit waits behind them and, when they fail, must fail as abortable. Going out without
     * them would commit the output while its input is read again (KIP-98: the offsets commit if and only
     * if the transaction does).
     */
    @Test
    void aCommitBehindOffsetsThatTimedOutInFlightFailsAsAbortable() throws Exception {
        String topic = Reference.createTopic(kafka, "offsets-in-flight", 1, 1);
        String group = "offsets-in-flight-" + System.nanoTime();
        ConsumerGroupMetadata meta = new ConsumerGroupMetadata(group, -1, "", null);
        try (Producer<String, String> p = producer("offsets-in-flight-" + System.nanoTime(), Duration.ofSeconds(8))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "without-its-offsets")).get(30, TimeUnit.SECONDS);
            proxy().holdRequests(ApiKey.TXN_OFFSET_COMMIT.id(), 1);
            assertThrows(TimeoutException.class, () -> p.sendOffsetsToTransaction(
                    Map.of(new TopicPartition(topic, 0), OffsetAndMetadata.of(42)), meta));
            assertEquals(1, proxy().heldRequests(), "the offsets are still on their way");
            assertThrows(TransactionAbortableException.class, p::commitTransaction);
            p.abortTransaction();
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "kept"));
            p.commitTransaction();
        }
        assertEquals(List.of("kept"), TransactionIT.read(kafka, topic, "read_committed"));
        assertNull(TransactionIT.stableOffset(kafka, group, topic, 0), "the aborted transaction committed no offsets");
    }

    /**
     * commitTransaction() gives up while its EndTxn is held; called again it waits for that same EndTxn
     * (Apache Kafka's producer returns the pending result): a second EndTxn(commit) would reach the
     * coordinator after the first committed, under transactions version 2 with the new epoch, and be
     * refused as INVALID_TXN_STATE, which is fatal, though the transaction committed.
     */
    @Test
    void aCommitThatTimedOutIsFinishedByTheSameCallWithoutASecondEndTxn() throws Exception {
        String topic = Reference.createTopic(kafka, "commit-again", 1, 1);
        List<String> sent = new ArrayList<>();
        String id = "commit-again-" + System.nanoTime();
        try (Producer<String, String> p = producer(id, Duration.ofSeconds(30))) {
            p.initTransactions();
            p.beginTransaction();
            sendTen(p, topic, "a", sent);
            int endTxns = proxy().requests(ApiKey.END_TXN.id());
            proxy().holdRequests(ApiKey.END_TXN.id(), 1);
            assertThrows(TimeoutException.class, p::commitTransaction);
            assertThrows(TimeoutException.class, p::commitTransaction, "still held: the same EndTxn, not a new one");
            assertEquals(1, proxy().releaseHeld());
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                Await.until(id + " committed at the coordinator", Duration.ofSeconds(20), () -> admin.describeTransactions(
                        List.of(id)).description(id).get(10, TimeUnit.SECONDS).state() == TransactionState.COMPLETE_COMMIT);
            }
            // Finished, but not seen by the application: a new transaction would take that commit's result as
            // its own commit's, and its records would never commit. Refused until commitTransaction() is called.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < until) {
                assertThrows(IllegalStateException.class, p::beginTransaction);
            }
            p.commitTransaction();
            assertEquals(endTxns + 1, proxy().requests(ApiKey.END_TXN.id()), "one EndTxn for the transaction");
            p.beginTransaction();
            sendTen(p, topic, "b", sent);
            p.commitTransaction();
        }
        assertEquals(sent, TransactionIT.read(kafka, topic, "read_committed"));
    }

    /** initTransactions() that timed out with its InitProducerId on the way is finished by calling it again. */
    @Test
    void anInitThatTimedOutIsFinishedByCallingItAgain() throws Exception {
        String topic = Reference.createTopic(kafka, "init-again", 1, 1);
        try (Producer<String, String> p = producer("init-again-" + System.nanoTime(), Duration.ofSeconds(30))) {
            proxy().holdRequests(ApiKey.INIT_PRODUCER_ID.id(), 1);
            assertThrows(TimeoutException.class, p::initTransactions);
            assertEquals(1, proxy().releaseHeld());
            p.initTransactions();
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "after-init"));
            p.commitTransaction();
        }
        assertEquals(List.of("after-init"), TransactionIT.read(kafka, topic, "read_committed"));
    }

    /**
     * close() after a commit that timed out (its EndTxn lost) finishes the commit, as Apache Kafka's
     * producer does on close while completing: an abort is refused (the commit may have reached the
     * coordinator), and doing nothing would leave the transaction open, read_committed readers held
     * back, until transaction.timeout.ms.
     */
    @Test
    void closingAfterACommitTimedOutFinishesTheCommit() throws Exception {
        String topic = Reference.createTopic(kafka, "close-committing", 1, 1);
        List<String> sent = new ArrayList<>();
        String id = "close-committing-" + System.nanoTime();
        Producer<String, String> p = producer(id, Duration.ofSeconds(3));
        try {
            p.initTransactions();
            p.beginTransaction();
            sendTen(p, topic, "c", sent);
            proxy().holdRequests(ApiKey.END_TXN.id(), 1);
            assertThrows(TimeoutException.class, p::commitTransaction);
        } finally {
            p.close(Duration.ofSeconds(20));
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Await.until(id + " committed, not left open", Duration.ofSeconds(20),
                    () -> admin.describeTransactions(List.of(id)).description(id).get(10, TimeUnit.SECONDS).state()
                            == TransactionState.COMPLETE_COMMIT);
        }
        assertEquals(sent, TransactionIT.read(kafka, topic, "read_committed"));
    }

    /**
     * commitTransaction() is bounded by max.block.ms (as Apache Kafka's), also while it waits for the
     * transaction's records: with their Produce held it throws a retriable TimeoutException, and called
     * again once they are answered it commits them.
     */
    @Test
    void aCommitWaitingForItsRecordsGivesUpAfterMaxBlockAndIsFinishedByCallingItAgain() throws Exception {
        String topic = Reference.createTopic(kafka, "commit-records-held", 1, 1);
        try (Producer<String, String> p = producer("commit-records-held-" + System.nanoTime(), Duration.ofSeconds(30))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "warm")).get(30, TimeUnit.SECONDS); // the partition joined
            proxy().holdRequests(ApiKey.PRODUCE.id(), 1);
            java.util.concurrent.CompletableFuture<RecordMetadata> held = p.send(ProducerRecord.of(topic, "held"));
            Await.until("the Produce held", Duration.ofSeconds(10), () -> proxy().heldRequests() == 1);
            long start = System.nanoTime();
            assertThrows(TimeoutException.class, p::commitTransaction);
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(tookMs < 10_000, "gave up after max.block.ms (1 s), not after the request or delivery timeout: " + tookMs + " ms");
            assertEquals(1, proxy().releaseHeld());
            held.get(30, TimeUnit.SECONDS);
            p.commitTransaction();
        }
        assertEquals(List.of("warm", "held"), TransactionIT.read(kafka, topic, "read_committed"));
    }

    /**
     * Callbacks run on the producer's one callback thread, so a flush() or commitTransaction() called from
     * one while another record is on its way would wait for that record's callback, which only that thread
     * can run: forever. Both refuse with an IllegalStateException that says so (Apache Kafka's producer
     * only logs that it will deadlock).
     */
    @Test
    void flushAndCommitFromASendCallbackAreRefusedRatherThanDeadlock() throws Exception {
        String topic = Reference.createTopic(kafka, "from-callback", 1, 1);
        java.util.concurrent.CompletableFuture<Throwable> flushed = new java.util.concurrent.CompletableFuture<>();
        java.util.concurrent.CompletableFuture<Throwable> committed = new java.util.concurrent.CompletableFuture<>();
        try (Producer<String, String> p = producer("from-callback-" + System.nanoTime(), Duration.ofSeconds(30))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "first"), (md, e) -> {
                p.send(ProducerRecord.of(topic, "second")); // on its way: its callback needs this thread
                flushed.complete(refusal(p::flush));
                committed.complete(refusal(p::commitTransaction));
            });
            Throwable f = flushed.get(30, TimeUnit.SECONDS);
            Throwable c = committed.get(30, TimeUnit.SECONDS);
            assertTrue(f instanceof IllegalStateException && f.getMessage().contains("callback"), String.valueOf(f));
            assertTrue(c instanceof IllegalStateException && c.getMessage().contains("callback"), String.valueOf(c));
            java.util.concurrent.CompletableFuture<Throwable> alone = new java.util.concurrent.CompletableFuture<>();
            p.send(ProducerRecord.of(topic, "third"), (md, e) -> alone.complete(refusal(p::flush)));
            assertNull(alone.get(30, TimeUnit.SECONDS), "with nothing else on its way, flush() from a callback returns");
            p.commitTransaction(); // from the application's thread: fine
        }
        assertEquals(List.of("first", "second", "third"), TransactionIT.read(kafka, topic, "read_committed"));
    }

    private static Throwable refusal(Runnable call) {
        try {
            call.run();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }
}
