package dev.skein.consumer;

import dev.skein.core.message.ApiKey;
import dev.skein.core.errors.TimeoutException;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link ExactlyOnceProcessor} when the end of a transaction does not finish in time: its EndTxn is held by
 * the fault proxy for longer than the transaction timeout, so the processor gives up and throws. Calling it
 * again must neither skip the batch (an abort asked for can only abort: the batch is read again) nor poll
 * past it while its end is unknown. One broker behind a fault proxy, shared by the class.
 */
@ExtendWith(KafkaClusterExtension.class)
@Execution(ExecutionMode.CONCURRENT) // the fault lane (a cluster of its own, mostly waiting): see this module's pom.xml
class ExactlyOnceTimeoutIT {
    private static KafkaCluster kafka;

    @BeforeAll
    static void start(@OwnCluster(faultProxy = true, config = {
            // The coordinator must not abort the held transactions itself (its own timeout check): each test
            // decides how they end.
            "transaction.abort.timed.out.transaction.cleanup.interval.ms=600000"}) KafkaCluster cluster) {
        kafka = cluster;
    }

    @AfterEach
    void heal() {
        kafka.proxy(1).heal().releaseHeld();
    }

    /**
     * The transform throws at input "15" (second batch of ten): the batch's abort is held until the processor
     * gives up on it, and {@code run()} throws the transform's error. The held EndTxn is then dropped with its
     * connection. A second {@code run()} copies every input once: before, the consumer stayed past the batch
     * whose abort had timed out, the next batch's abort rewound only to its own start, and inputs 10-19 were
     * never copied.
     */
    @Test
    void aBatchWhoseAbortTimedOutIsReadAgainByTheNextCall() throws Exception {
        String in = ConsumerIT.topic(kafka, "eos-abort-timeout-in", 1);
        String out = ConsumerIT.topic(kafka, "eos-abort-timeout-out", 1);
        int total = 60;
        ConsumerIT.produce(kafka, in, total, "none");
        AtomicBoolean thrown = new AtomicBoolean();
        long[] endBefore = {-1};
        ExactlyOnceProcessor.Transform<String, String, String, String> copy = r -> {
            if (r.value().equals("10") && !thrown.get()) {
                endBefore[0] = end(out);
            }
            if (r.value().equals("15") && thrown.compareAndSet(false, true)) {
                // Outputs 10-14 reach the broker first, so the transaction holds a partition and its abort
                // needs an EndTxn (an empty one ends without a request).
                Await.until("outputs 10-14 written", Duration.ofSeconds(30), () -> end(out) >= endBefore[0] + 5);
                kafka.proxy(1).holdRequests(ApiKey.END_TXN.id(), 10);
                throw new IllegalArgumentException("cannot transform input 15");
            }
            return List.of(new ProducerRecord<>(out, r.partition(), r.key(), r.value(), r.headers(), null));
        };
        try (ExactlyOnceProcessor<String, String, String, String> copier = copier("eos-abort-timeout-", in)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> copier.run(copy, Duration.ofSeconds(5)));
            assertEquals("cannot transform input 15", e.getMessage());
            assertInstanceOf(TimeoutException.class, Arrays.stream(e.getSuppressed()).findFirst().orElse(null),
                    "the abort did not finish: " + Arrays.toString(e.getSuppressed()));
            kafka.proxy(1).heal().cutConnections(); // the held EndTxn goes with its connection
            kafka.proxy(1).releaseHeld();
            copier.run(copy, Duration.ofSeconds(5));
        }
        ExactlyOnceIT.assertExactlyOnce(total, ExactlyOnceIT.readCommitted(kafka, out, 1));
    }

    /**
     * {@code processOnce} takes 5 of the 10 records each poll returns. The second batch's commit is held past
     * the transaction timeout, so the call throws the timeout. The next call must finish that commit before it
     * polls, and the 5 records polled but not taken must be read again: before, they were left behind the
     * consumer's position (never copied), and the next call polled on and failed, as a transaction cannot
     * begin while a commit is unfinished.
     */
    @Test
    void aCommitThatTimedOutIsFinishedByTheNextCallAndTheRecordsNotTakenAreReadAgain() throws Exception {
        String in = ConsumerIT.topic(kafka, "eos-commit-timeout-in", 1);
        String out = ConsumerIT.topic(kafka, "eos-commit-timeout-out", 1);
        int total = 30;
        ConsumerIT.produce(kafka, in, total, "none");
        AtomicBoolean held = new AtomicBoolean();
        ExactlyOnceProcessor.Transform<String, String, String, String> copy = r -> {
            if (r.value().equals("5") && held.compareAndSet(false, true)) {
                kafka.proxy(1).holdRequests(ApiKey.END_TXN.id(), 10); // this batch's commit
            }
            return List.of(new ProducerRecord<>(out, r.partition(), r.key(), r.value(), r.headers(), null));
        };
        try (ExactlyOnceProcessor<String, String, String, String> copier = copier("eos-commit-timeout-", in)) {
            int[] copied = {0};
            Await.until("the first batch copied", Duration.ofSeconds(30), () -> (copied[0] += copier.processOnce(
                    Duration.ofMillis(200), 5, copy)) > 0);
            assertEquals(5, copied[0]);
            assertThrows(TimeoutException.class, () -> copier.processOnce(Duration.ofMillis(200), 5, copy));
            kafka.proxy(1).heal().cutConnections();
            kafka.proxy(1).releaseHeld();
            Await.until("every input copied", Duration.ofSeconds(60), () -> (copied[0] += copier.processOnce(
                    Duration.ofMillis(200), 5, copy)) >= total);
            assertEquals(total, copied[0]);
        }
        ExactlyOnceIT.assertExactlyOnce(total, ExactlyOnceIT.readCommitted(kafka, out, 1));
    }

    /** A copier with a fresh group and transactional id, a 5 s transaction timeout and max.block.ms of 1 s. */
    private static ExactlyOnceProcessor<String, String, String, String> copier(String prefix, String in) {
        return ExactlyOnceProcessor.builder(Serdes.string().deserializer(), Serdes.string().deserializer(),
                        Serdes.string().serializer(), Serdes.string().serializer())
                .bootstrapServers(kafka.bootstrapServers()).input(List.of(in)).groupId(prefix + UUID.randomUUID())
                .transactionalId(prefix + UUID.randomUUID()).transactionTimeout(Duration.ofSeconds(5))
                .property("max.block.ms", 1_000).property("max.poll.records", 10).build();
    }

    /** The end offset of partition 0 of {@code topic}, uncommitted records included. */
    private static long end(String topic) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get(10, TimeUnit.SECONDS).offset();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
