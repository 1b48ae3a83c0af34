package dev.skein.producer;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.ProducerFencedException;
import dev.skein.core.message.ApiKey;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionState;
import org.junit.jupiter.api.BeforeAll;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The transactions version 1 flow (AddPartitionsToTxn, AddOffsetsToTxn), on a cluster formatted with
 * {@code transaction.version=1}: commits, aborts, offsets and fencing behave as with version 2.
 */
@ExtendWith(KafkaClusterExtension.class)
class TransactionV1IT {
    private static KafkaCluster kafka;

    @BeforeAll
    static void start(@OwnCluster(features = "transaction.version=1", faultProxy = true) KafkaCluster cluster) {
        kafka = cluster;
    }

    /** KIP-654 with AddPartitionsToTxn: queued records fail at once, and the abort does not wait for them. */
    @Test
    void anAbortableErrorFailsTheQueuedRecordsAndTheAbortDoesNotWaitForThem() throws Exception {
        TransactionIT.queuedRecordsFailOnceTheTransactionCannotCommit(kafka);
    }

    /**
     * An abort while AddPartitionsToTxn is on its way (held by the proxy): the partition joins the
     * transaction when the request arrives, so the abort must wait for the answer and send EndTxn. Ended
     * locally instead, the transaction stays open at the coordinator until its timeout, holding
     * read_committed readers back, and the producer takes the partition as added in the next one.
     */
    @Test
    void anAbortWhileAPartitionIsJoiningEndsTheTransactionAtTheCoordinator() throws Exception {
        String topic = Reference.createTopic(kafka, "txn-v1-joining", 1, 1);
        String id = "v1-joining-" + UUID.randomUUID();
        try (Producer<String, String> p = TransactionIT.transactional(kafka, id, Duration.ofMinutes(1));
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            p.initTransactions();
            kafka.proxy(1).holdRequests(ApiKey.ADD_PARTITIONS_TO_TXN.id(), 1);
            p.beginTransaction();
            CompletableFuture<RecordMetadata> dropped = p.send(ProducerRecord.of(topic, "dropped"));
            Await.until("AddPartitionsToTxn held", Duration.ofSeconds(30), () -> kafka.proxy(1).heldRequests() == 1);
            // Released once the abort has dropped the record, so its AddPartitionsToTxn arrives after the abort began.
            CompletableFuture<Integer> released = CompletableFuture.supplyAsync(() -> {
                Await.until("the abort dropped the record", Duration.ofSeconds(30), dropped::isDone);
                return kafka.proxy(1).releaseHeld();
            });
            p.abortTransaction();
            assertEquals(1, released.get(30, TimeUnit.SECONDS));
            Await.until(id + " aborted at the coordinator, not left open", Duration.ofSeconds(20),
                    () -> admin.describeTransactions(List.of(id)).description(id).get(10, TimeUnit.SECONDS).state()
                            == TransactionState.COMPLETE_ABORT);
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "kept")).get(30, TimeUnit.SECONDS);
            p.commitTransaction();
        }
        assertEquals(List.of("kept"), TransactionIT.read(kafka, topic, "read_committed"));
    }

    @Test
    void theVersionOneFlowCommitsAbortsCommitsOffsetsAndFences() throws Exception {
        String topic = Reference.createTopic(kafka, "txn-v1", 3, 1);
        String group = "v1-group-" + UUID.randomUUID();
        String id = "v1-" + UUID.randomUUID();
        ConsumerGroupMetadata meta = new ConsumerGroupMetadata(group, -1, "", null);
        try (Producer<String, String> p = TransactionIT.transactional(kafka, id, Duration.ofMinutes(1))) {
            p.initTransactions();
            for (int round = 0; round < 4; round++) {
                p.beginTransaction();
                for (int i = 0; i < 30; i++) {
                    p.send(ProducerRecord.of(topic, "k" + i, "r" + round + "-" + i)); // all three partitions join
                }
                p.sendOffsetsToTransaction(Map.of(new TopicPartition(topic, 0), OffsetAndMetadata.of(round + 1)), meta);
                if (round % 2 == 1) {
                    p.abortTransaction();
                } else {
                    p.commitTransaction();
                }
            }
            // Round 2's commit and round 3's abort returned once the coordinator decided; their markers
            // reach the group after (stableOffset waits for them).
            org.apache.kafka.clients.consumer.OffsetAndMetadata committed = TransactionIT.stableOffset(kafka, group, topic, 0);
            assertEquals(3, committed == null ? -1 : committed.offset(), "the offsets of the last committed round (round 2)");

            try (Producer<String, String> newer = TransactionIT.transactional(kafka, id, Duration.ofMinutes(1))) {
                p.beginTransaction();
                p.send(ProducerRecord.of(topic, "k", "zombie")).get(30, TimeUnit.SECONDS);
                newer.initTransactions();
                Throwable e = assertThrows(ExecutionException.class,
                        () -> p.send(ProducerRecord.of(topic, "k", "late")).get(30, TimeUnit.SECONDS)).getCause();
                assertInstanceOf(ProducerFencedException.class, e, e.toString());
            }
        }
        List<String> visible = new ArrayList<>();
        for (int partition = 0; partition < 3; partition++) {
            visible.addAll(TransactionIT.read(kafka, topic, partition, "read_committed"));
        }
        assertEquals(60, visible.size(), "rounds 0 and 2 only: " + visible.size());
        visible.forEach(v -> {
            if (!(v.startsWith("r0-") || v.startsWith("r2-"))) {
                throw new AssertionError("an aborted or zombie record is visible: " + v);
            }
        });
    }
}
