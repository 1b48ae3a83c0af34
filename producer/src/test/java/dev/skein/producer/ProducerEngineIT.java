package dev.skein.producer;

import dev.skein.core.message.ApiKey;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The producer engine's promises under the faults an audit against Apache Kafka's producer found it
 * breaking: order per partition, no duplicates across an epoch bump, transactions that wait for every
 * part of a split batch. One broker behind a fault proxy, shared by the class; each test heals it.
 */
@ExtendWith(KafkaClusterExtension.class)
class ProducerEngineIT {
    private static KafkaCluster kafka;

    @BeforeAll
    static void start(@OwnCluster(faultProxy = true) KafkaCluster cluster) {
        kafka = cluster;
    }

    @AfterEach
    void heal() {
        proxy().heal();
    }

    private static FaultProxy proxy() {
        return kafka.proxy(1);
    }

    private static ProducerRecord<String, String> to(String topic, int partition, String value) {
        return ProducerRecord.<String, String>of(topic, value).withPartition(partition);
    }

    /** The leading number of each value (the rest is padding). */
    private static List<String> indices(List<String> values) {
        return values.stream().map(v -> v.substring(0, v.indexOf('-'))).toList();
    }

    private static List<String> values(List<ConsumerRecord<byte[], byte[]>> records) {
        return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    private static List<String> valuesOf(String topic, int partition, int expected) {
        return Reference.readAll(kafka, topic, expected).stream().filter(r -> r.partition() == partition)
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    /**
     * A record whose Produce response was lost waits out its backoff; meanwhile another partition's
     * record fails for good (too large), which bumps the epoch. The retry must keep its old producer
     * state (the broker recognises it as a duplicate); renumbered under the new epoch it is written twice.
     */
    @Test
    void anEpochBumpDoesNotWriteAgainABatchWhoseOutcomeIsUnknown() throws Exception {
        String topic = Reference.createTopic(kafka, "bump", 2, 1, Map.of("max.message.bytes", "1000"));
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).linger(Duration.ZERO)
                .retryBackoff(Duration.ofMillis(3000), Duration.ofMillis(3000)).build()) {
            p.send(to(topic, 0, "warm-0")).get(30, TimeUnit.SECONDS);
            p.send(to(topic, 1, "warm-1")).get(30, TimeUnit.SECONDS);
            int droppedBefore = proxy().droppedResponses(); // the class's proxy counts for every test
            proxy().dropResponses(ApiKey.PRODUCE.id(), 1);
            CompletableFuture<RecordMetadata> a = p.send(to(topic, 0, "a"));
            Await.until("the response to \"a\" dropped", Duration.ofSeconds(30),
                    () -> proxy().droppedResponses() >= droppedBefore + 1);
            assertEquals(droppedBefore + 1, proxy().droppedResponses(), "the response to \"a\" was lost");
            CompletableFuture<RecordMetadata> big = p.send(to(topic, 1, "x".repeat(3000)));
            ExecutionException tooLarge = assertThrows(ExecutionException.class,
                    () -> big.get(30, TimeUnit.SECONDS));
            assertTrue(tooLarge.getCause().getMessage().contains("MESSAGE_TOO_LARGE"), tooLarge.getCause().toString());
            a.get(60, TimeUnit.SECONDS);
            p.send(to(topic, 0, "b")).get(30, TimeUnit.SECONDS);
        }
        assertEquals(List.of("warm-0", "a", "b"), valuesOf(topic, 0, 4), "partition 0 holds each record once");
    }

    /**
     * A transaction whose batch is split (too large for the topic) commits every part: commit waits for
     * the parts, split again or not, and no part slips into the next transaction.
     */
    @ParameterizedTest
    @ValueSource(ints = {4000, 2000})
    void aTransactionCommitsTheRecordsOfItsSplitBatches(int maxMessageBytes) throws Exception {
        String topic = Reference.createTopic(kafka, "split-txn", 1, 1, Map.of("max.message.bytes", Integer.toString(maxMessageBytes)));
        List<String> sent = new ArrayList<>();
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).transactionalId("split-" + maxMessageBytes + "-" + System.nanoTime())
                .linger(Duration.ofMillis(200)).deliveryTimeout(Duration.ofSeconds(40)).build()) {
            p.initTransactions();
            p.beginTransaction();
            for (int i = 0; i < 20; i++) {
                String v = i + "-" + "y".repeat(300);
                p.send(ProducerRecord.of(topic, v));
                sent.add(v);
            }
            long start = System.nanoTime();
            p.commitTransaction();
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(20), "the commit does not wait out a timeout");
        }
        List<String> committed = TransactionIT.read(kafka, topic, "read_committed");
        assertEquals(indices(sent), indices(committed), "every record committed, once, in order");
    }

    /**
     * Without idempotence and with one request in flight, records sent while the connection (re)opens
     * are written in the order they were sent.
     */
    @Test
    void recordsStayInSendOrderWhileTheConnectionOpens() throws Exception {
        String topic = Reference.createTopic(kafka, "order", 1, 1);
        awaitLeaders(topic, 1);
        List<String> sent = new ArrayList<>();
        List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).acks(Acks.LEADER).retries(0).idempotence(false)
                .maxInFlight(1).linger(Duration.ZERO).build()) {
            p.send(ProducerRecord.of(topic, "warm")).get(30, TimeUnit.SECONDS);
            proxy().latency(Duration.ofMillis(150)).cutConnections();
            for (int i = 0; i < 200; i++) {
                String v = Integer.toString(i);
                acks.add(p.send(ProducerRecord.of(topic, v)));
                sent.add(v);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(3));
            }
            for (CompletableFuture<RecordMetadata> f : acks) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // retries=0: a record on the cut connection may fail; order is what is checked
                }
            }
        }
        long acked = acks.stream().filter(f -> !f.isCompletedExceptionally()).count();
        List<String> written = values(Reference.readAll(kafka, topic, (int) acked + 2)).stream() // and two "warm"
                .filter(v -> !v.equals("warm")).toList();
        List<String> inSendOrder = sent.stream().filter(written::contains).toList();
        assertEquals(inSendOrder, written, "written in send order");
        assertTrue(written.size() >= 150, "most records were written: " + written.size());
    }

    /** Closing a producer inside a transaction aborts it: readers are not held until the transaction times out. */
    @Test
    void closingInsideATransactionAbortsIt() throws Exception {
        String topic = Reference.createTopic(kafka, "close-txn", 1, 1);
        Producer<String, String> p = TransactionIT.transactional(kafka, "close-" + System.nanoTime(), Duration.ofMinutes(1));
        p.initTransactions();
        p.beginTransaction();
        p.send(ProducerRecord.of(topic, "open")).get(30, TimeUnit.SECONDS);
        p.close();
        try (Producer<String, String> plain = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).build()) {
            plain.send(ProducerRecord.of(topic, "after")).get(30, TimeUnit.SECONDS);
        }
        assertEquals(List.of("after"), TransactionIT.read(kafka, topic, "read_committed"),
                "the open transaction was aborted, not left to its one-minute timeout");
    }

    /**
     * acks=0: a request is done once written. One still unwritten when its connection closes (the peer
     * stopped reading and the socket buffers are full) must fail at once, so it is sent again on a new
     * connection, rather than hold its place among the requests out to the broker, and flush(), until
     * request.timeout.ms.
     */
    @Test
    void withAcksZeroARequestLeftUnwrittenByAClosedConnectionDoesNotWaitForItsTimeout() throws Exception {
        String topic = Reference.createTopic(kafka, "acks0-stall", 1, 1);
        try (Producer<String, byte[]> p = Producer.builder(Serdes.string(), Serdes.bytes())
                .bootstrapServers(kafka.bootstrapServers()).acks(Acks.NONE).idempotence(false).linger(Duration.ZERO)
                .requestTimeout(Duration.ofMinutes(2)).deliveryTimeout(Duration.ofMinutes(3)).build()) {
            p.send(ProducerRecord.of(topic, new byte[1])).get(30, TimeUnit.SECONDS); // connected
            proxy().stall(true);
            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            byte[] value = new byte[100_000];
            for (int i = 0; i < 200; i++) { // 20 MB: more than the socket buffers between the two hold
                sent.add(p.send(ProducerRecord.of(topic, value)));
            }
            Await.until("the first requests written, the rest waiting", Duration.ofSeconds(30),
                    () -> sent.get(0).isDone() && !sent.get(sent.size() - 1).isDone());
            proxy().cutConnections().stall(false);
            CompletableFuture<Void> flushed = CompletableFuture.runAsync(p::flush);
            flushed.get(30, TimeUnit.SECONDS);
            assertTrue(sent.stream().allMatch(CompletableFuture::isDone), "every send is done");
        }
    }

    /**
     * Closing while a batch of the transaction is in flight, whose answer is then lost with its connection
     * (so it goes back to its queue to be retried): the abort that close() starts must still go out. As
     * Apache Kafka's producer does while aborting, the batch is not sent again but failed, so EndTxn is
     * not left waiting for it until max.block.ms, and the transaction not left open to its timeout.
     */
    @Test
    void closingWhileABatchOfTheTransactionIsRetriedStillAbortsIt() throws Exception {
        String topic = Reference.createTopic(kafka, "close-retry", 1, 1);
        Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).transactionalId("close-retry-" + System.nanoTime())
                .transactionTimeout(Duration.ofMinutes(2)).maxBlock(Duration.ofSeconds(5)).linger(Duration.ZERO).build();
        p.initTransactions();
        p.beginTransaction();
        p.send(ProducerRecord.of(topic, "first")).get(30, TimeUnit.SECONDS); // the partition is in the transaction
        int produced = proxy().requests(ApiKey.PRODUCE.id());
        proxy().latency(Duration.ofMillis(300)).dropResponses(ApiKey.PRODUCE.id(), 1);
        CompletableFuture<RecordMetadata> open = p.send(ProducerRecord.of(topic, "open"));
        Await.until("the batch is in flight", Duration.ofSeconds(10), () -> proxy().requests(ApiKey.PRODUCE.id()) > produced);
        p.close(Duration.ofSeconds(20));
        assertTrue(open.isCompletedExceptionally(), "the record of the aborted transaction failed");
        proxy().heal();
        try (Producer<String, String> plain = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).build()) {
            plain.send(ProducerRecord.of(topic, "after")).get(30, TimeUnit.SECONDS);
        }
        assertEquals(List.of("after"), TransactionIT.read(kafka, topic, "read_committed"),
                "the transaction was aborted, not left to its two-minute timeout");
    }

    /**
     * A commit whose EndTxn answers are all lost times out, though the coordinator may have committed.
     * An abort then would contradict what may already be done: it is refused, as Apache Kafka's producer
     * refuses it, and the commit called again finishes the same transaction, whose records are read once.
     */
    @Test
    void aCommitThatTimedOutIsFinishedByCommittingAgainNotByAnAbort() throws Exception {
        String topic = Reference.createTopic(kafka, "end-timeout", 1, 1);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).transactionalId("end-timeout-" + System.nanoTime())
                .maxBlock(Duration.ofSeconds(3)).build()) {
            p.initTransactions();
            p.beginTransaction();
            for (int i = 0; i < 10; i++) {
                p.send(ProducerRecord.of(topic, "r" + i));
            }
            p.flush();
            int droppedBefore = proxy().droppedResponses();
            proxy().dropResponses(ApiKey.END_TXN.id(), 1_000);
            assertThrows(dev.skein.core.errors.TimeoutException.class, p::commitTransaction);
            assertTrue(proxy().droppedResponses() > droppedBefore, "EndTxn reached the coordinator");
            IllegalStateException refused = assertThrows(IllegalStateException.class, p::abortTransaction);
            assertTrue(refused.getMessage().contains("commitTransaction()"), refused.getMessage());
            proxy().heal();
            p.commitTransaction();
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "next"));
            p.commitTransaction();
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add("r" + i);
        }
        expected.add("next");
        assertEquals(expected, TransactionIT.read(kafka, topic, "read_committed"));
    }

    /**
     * Offsets whose TxnOffsetCommit answers are all lost may or may not have joined the transaction: it
     * can no longer commit (the output would be committed without its input's offsets, and read again),
     * so the commit fails as abortable and the abort leaves neither records nor offsets.
     */
    @Test
    void offsetsThatTimedOutMakeTheTransactionAbortable() throws Exception {
        String topic = Reference.createTopic(kafka, "offsets-timeout", 1, 1);
        String group = "offsets-timeout-" + System.nanoTime();
        dev.skein.core.ConsumerGroupMetadata meta = new dev.skein.core.ConsumerGroupMetadata(group, -1, "", null);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).transactionalId("offsets-timeout-" + System.nanoTime())
                .maxBlock(Duration.ofSeconds(3)).build()) {
            p.initTransactions();
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "lost"));
            proxy().dropResponses(ApiKey.TXN_OFFSET_COMMIT.id(), 1_000);
            assertThrows(dev.skein.core.errors.TimeoutException.class, () -> p.sendOffsetsToTransaction(
                    Map.of(new dev.skein.core.TopicPartition(topic, 0), dev.skein.core.OffsetAndMetadata.of(1)), meta));
            proxy().heal();
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
     * With one request in flight per connection and 0.8 s round trips, the fourth request waits about
     * 2.4 s unsent: only its time in flight counts against request.timeout.ms (2 s), which the 0.8 s
     * leaves room for on a loaded machine.
     */
    @Test
    void aRequestWaitingBehindTheInFlightCapIsNotTimedOutForItsWait() throws Exception {
        String topic = Reference.createTopic(kafka, "cap", 4, 1);
        awaitLeaders(topic, 4);
        List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).acks(Acks.LEADER).idempotence(false).retries(0)
                .maxInFlight(1).linger(Duration.ZERO).maxRequestSize(1024).requestTimeout(Duration.ofSeconds(2))
                .deliveryTimeout(Duration.ofSeconds(60)).build()) {
            p.send(to(topic, 0, "warm")).get(30, TimeUnit.SECONDS);
            proxy().latency(Duration.ofMillis(400));
            for (int partition = 0; partition < 4; partition++) {
                acks.add(p.send(to(topic, partition, partition + "-" + "z".repeat(700)))); // one batch per request
            }
            for (CompletableFuture<RecordMetadata> f : acks) {
                f.get(60, TimeUnit.SECONDS); // retries=0: a spurious timeout would fail it
            }
        }
    }

    /**
     * A batch that does not fit in its broker's request behind the batches of partitions drained before
     * it goes first in the next request. Here a request holds one batch (max.request.size) and both
     * partitions have 20 batches waiting: the partition drained second used to be sent only once the
     * other had nothing left, so under a steady load its records waited until delivery.timeout.ms while
     * the other's went out.
     */
    @Test
    void aBatchLeftOutOfAFullRequestGoesFirstInTheNext() throws Exception {
        String topic = Reference.createTopic(kafka, "fair", 2, 1);
        awaitLeaders(topic, 2);
        List<Integer> acked = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).acks(Acks.LEADER).idempotence(false)
                .maxInFlight(1).linger(Duration.ZERO).batchSize(1024).maxRequestSize(1024).build()) {
            p.send(to(topic, 0, "warm")).get(30, TimeUnit.SECONDS); // the connection is open
            proxy().latency(Duration.ofMillis(50)); // the batches queue up behind the first request
            for (int i = 0; i < 20; i++) {
                for (int partition = 0; partition < 2; partition++) { // a batch each: two would pass 1024 bytes
                    futures.add(p.send(to(topic, partition, i + "-" + "z".repeat(700)), (m, e) -> {
                        if (e == null) {
                            acked.add(m.partition());
                        }
                    }));
                }
            }
            for (CompletableFuture<RecordMetadata> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        int longest = 0;
        for (int i = 0, run = 0; i < acked.size(); i++) {
            run = i > 0 && acked.get(i).equals(acked.get(i - 1)) ? run + 1 : 1;
            longest = Math.max(longest, run);
        }
        assertTrue(longest <= 3, "the partitions take turns, in the order acknowledged: " + acked);
    }

    /**
     * delivery.timeout.ms bounds a batch in flight too. With 1.5 s added to every frame, the first
     * attempt's answer is lost at 1.5 s (the proxy closes the connection); the retry goes out on a new
     * connection at about 4.6 s (after its ApiVersions round trip) and would be answered at about 7.6 s,
     * inside its 6 s request timeout but past the 6.5 s delivery timeout: it fails then, outcome unknown.
     */
    @Test
    void aBatchInFlightFailsAtItsDeliveryTimeout() throws Exception {
        String topic = Reference.createTopic(kafka, "late", 1, 1);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).linger(Duration.ZERO)
                .requestTimeout(Duration.ofSeconds(6)).deliveryTimeout(Duration.ofMillis(6500))
                .retryBackoff(Duration.ofMillis(100), Duration.ofMillis(100)).build()) {
            p.send(ProducerRecord.of(topic, "warm")).get(30, TimeUnit.SECONDS);
            proxy().latency(Duration.ofMillis(1500)).dropResponses(ApiKey.PRODUCE.id(), 1);
            CompletableFuture<RecordMetadata> late = p.send(ProducerRecord.of(topic, "late"));
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> late.get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof dev.skein.core.errors.OutcomeUnknownException
                    && e.getCause().getMessage().contains("delivery.timeout.ms"), e.getCause().toString());
        }
    }

    /**
     * A quota-throttled broker mutes the connection after its answer (KIP-219), for up to a second (its
     * quota window); a request written meanwhile sits unread past an 800 ms request timeout. The producer
     * holds its next request back for the throttle time instead, so with retries=0 every record still
     * succeeds. One request in flight: those already written when a throttled answer arrives cannot be
     * held back, by any client.
     * The broker measures the rate over ~10 s, so 300 KB at 20 KB/s is throttled for a few seconds.
     */
    @Test
    void aThrottledBrokerIsNotSentToBeforeItsDelay() throws Exception {
        String topic = Reference.createTopic(kafka, "throttled", 1, 1);
        awaitLeaders(topic, 1);
        String clientId = "throttled-" + System.nanoTime();
        try (Admin admin = Admin.create(
                Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            var entity = new ClientQuotaEntity(
                    Map.of(ClientQuotaEntity.CLIENT_ID, clientId));
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity,
                    List.of(new ClientQuotaAlteration.Op("producer_byte_rate", 20_000.0)))))
                    .all().get(30, TimeUnit.SECONDS);
            Await.until("the quota of " + clientId + " in force", Duration.ofSeconds(30),
                    () -> admin.describeClientQuotas(ClientQuotaFilter.all()).entities()
                            .get(30, TimeUnit.SECONDS).containsKey(entity));
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        List<CompletableFuture<RecordMetadata>> acks = new ArrayList<>();
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).clientId(clientId).acks(Acks.LEADER).idempotence(false)
                .retries(0).maxInFlight(1).linger(Duration.ofMillis(5)).requestTimeout(Duration.ofMillis(800))
                .deliveryTimeout(Duration.ofSeconds(60)).meterRegistry(meters).build()) {
            for (int i = 0; i < 300; i++) {
                acks.add(p.send(ProducerRecord.of(topic, i + "-" + "t".repeat(1000))));
            }
            for (CompletableFuture<RecordMetadata> f : acks) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        assertTrue(meters.get("skein.producer.throttle.time").timer().count() > 0, "the broker throttled the producer");
    }

    /** KIP-467: the broker names the record that made it refuse the batch; that one fails with its reason. */
    @Test
    void aRecordTheBrokerNamesFailsWithItsOwnReason() throws Exception {
        String topic = Reference.createTopic(kafka, "compacted", 1, 1, Map.of("cleanup.policy", "compact"));
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).linger(Duration.ofMillis(200)).build()) {
            for (String key : new String[] {"k0", "k1", null, "k3"}) {
                sent.add(p.send(ProducerRecord.of(topic, key, "v")));
            }
            p.flush();
        }
        for (int i = 0; i < sent.size(); i++) {
            int index = i;
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> sent.get(index).get(30, TimeUnit.SECONDS));
            String message = e.getCause().getMessage();
            if (i == 2) {
                assertTrue(message.contains("INVALID_RECORD") && message.contains("without key"), message);
            } else {
                assertTrue(message.contains("because of record(s) [2]"), message);
            }
        }
    }

    /**
     * KIP-951: the old leader's refusal names the new one, and the producer turns to it without asking for
     * metadata. Leadership moves by a preferred-leader election while every broker runs.
     */
    @Test
    void aRefusalThatNamesTheNewLeaderIsFollowedWithoutAMetadataRequest(
            @OwnCluster(brokers = 3, faultProxy = true) KafkaCluster three) throws Exception {
        String topic = "moving-" + System.nanoTime();
        try (Admin admin = Admin.create(
                Map.of("bootstrap.servers", three.bootstrapServers()));
             Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                     .bootstrapServers(three.bootstrapServers()).linger(Duration.ZERO).build()) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1, 2, 3)))))
                    .all().get(30, TimeUnit.SECONDS);
            p.send(ProducerRecord.of(topic, "before")).get(30, TimeUnit.SECONDS);
            var tp = new TopicPartition(topic, 0);
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(
                    new NewPartitionReassignment(List.of(2, 1, 3))))).all().get(30, TimeUnit.SECONDS);
            Await.until("broker 2 leading " + tp, Duration.ofSeconds(30), () -> {
                if (leader(admin, topic) == 2) {
                    return true;
                }
                // Refused while the reassignment is still settling: asked again.
                admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).all().get(30, TimeUnit.SECONDS);
                return leader(admin, topic) == 2;
            });
            assertEquals(2, leader(admin, topic), "broker 2 leads now");
            int metadataBefore = metadataRequests(three);
            p.send(ProducerRecord.of(topic, "after")).get(30, TimeUnit.SECONDS);
            assertEquals(metadataBefore, metadataRequests(three), "the refusal named the new leader: no Metadata request");
        }
        assertEquals(List.of("before", "after"), values(Reference.readAll(three, topic, 2)));
    }

    /**
     * A new topic's partitions may refuse a first write (NOT_LEADER) until the broker has taken up
     * their leadership; a producer that retries writes once to each, so tests with retries=0 start after.
     */
    private static void awaitLeaders(String topic, int partitions) throws Exception {
        try (Producer<String, String> warm = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).build()) {
            for (int partition = 0; partition < partitions; partition++) {
                warm.send(to(topic, partition, "warm")).get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static int leader(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                .partitions().get(0).leader().id();
    }

    private static int metadataRequests(KafkaCluster cluster) {
        int n = 0;
        for (int id : cluster.brokerIds()) {
            n += cluster.proxy(id).requests(ApiKey.METADATA.id());
        }
        return n;
    }
}
