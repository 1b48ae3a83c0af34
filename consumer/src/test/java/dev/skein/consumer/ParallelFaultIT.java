package dev.skein.consumer;

import dev.skein.consumer.internal.DoneOffsets;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

import static dev.skein.consumer.ParallelProcessorIT.await;
import static dev.skein.consumer.ParallelProcessorIT.committed;
import static dev.skein.consumer.ParallelProcessorIT.produce;
import static dev.skein.consumer.ParallelProcessorIT.start;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link ParallelProcessor} on a cluster of its own whose brokers are less forgiving than the defaults
 * (commit metadata capped at 256 bytes, no topic created on demand): what the processor must still do
 * there.
 */
@ExtendWith(KafkaClusterExtension.class)
class ParallelFaultIT {
    private static KafkaCluster kafka;

    @BeforeAll
    static void startCluster(@OwnCluster(config = {"offset.metadata.max.bytes=256", "auto.create.topics.enable=false"})
                             KafkaCluster cluster) {
        kafka = cluster;
    }

    private static ParallelProcessor.Builder<String, String> builder(String topic, String group) {
        return ParallelProcessor.builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).topics(topic)
                .options(o -> o.offsetReset(OffsetReset.EARLIEST));
    }

    /**
     * A broker whose {@code offset.metadata.max.bytes} is below what the processor writes refuses the
     * commit (OFFSET_METADATA_TOO_LARGE). The commit must still go through (the plain offset, then
     * shorter metadata), and a member taking over afterwards runs again only what was not done or was
     * left out of the metadata: never a record the commit says is done.
     */
    @Test
    void aBrokerThatRefusesLongCommitMetadataStillGetsTheCommitsAndATakeoverSkipsOnlyWhatIsDone() throws Exception {
        String topic = ConsumerIT.topic(kafka, "parallel-metadata", 1);
        int total = 2_000;
        produce(kafka, topic, total, 100);
        String group = "parallel-metadata-" + UUID.randomUUID();
        Map<Integer, CompletableFuture<Void>> held = new ConcurrentHashMap<>();
        Set<Integer> firstDone = ConcurrentHashMap.newKeySet();
        try (ParallelProcessor<String, String> processor = builder(topic, group)
                .ordering(ParallelProcessor.Ordering.UNORDERED).maxInFlight(total)
                .commitInterval(Duration.ofMillis(100)).drainTimeout(Duration.ofSeconds(1)).build();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            CompletableFuture<Throwable> run = start(() -> processor.runAsync(r -> {
                int v = Integer.parseInt(r.value());
                if (v % 4 == 0) { // every fourth record is slow: 500 not done among 1,500 done
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    held.put(v, f);
                    return f.thenRun(() -> firstDone.add(v));
                }
                firstDone.add(v);
                return null;
            }));
            await(() -> held.size() == total / 4 || run.isDone(), Duration.ofSeconds(60), "every fourth record held");
            held.forEach((v, f) -> {
                if (v < total / 2) {
                    f.complete(null);
                }
            });
            // The first record not done is now 1,000, with 250 not done above it: more metadata than the broker
            // takes. The plain offset first, then metadata short enough to describe some of the done records.
            await(() -> {
                try {
                    OffsetAndMetadata om = committed(admin, group, topic, 0);
                    return (om != null && om.offset() >= total / 2 && !om.metadata().isEmpty()) || run.isDone();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, Duration.ofSeconds(30), "the commit at " + total / 2 + " with metadata");
            assertFalse(run.isDone(), "still running: " + run.getNow(null));
            processor.close();
            assertNull(run.get(30, TimeUnit.SECONDS));
        }
        OffsetAndMetadata om;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            om = committed(admin, group, topic, 0);
        }
        assertNotNull(om);
        assertTrue(om.metadata().length() <= 256, "what the broker took: " + om);
        DoneOffsets said = DoneOffsets.decode(om.offset(), om.metadata());
        Set<Integer> second = ConcurrentHashMap.newKeySet();
        try (ParallelProcessor<String, String> processor = builder(topic, group)
                .ordering(ParallelProcessor.Ordering.UNORDERED).build()) {
            CompletableFuture<Throwable> run = start(() -> processor.run(r -> second.add(Integer.parseInt(r.value()))));
            await(() -> IntStream.range(0, total).allMatch(v -> firstDone.contains(v) || second.contains(v)) || run.isDone(),
                    Duration.ofSeconds(60), "every record done by one member or the other");
            processor.close();
            assertNull(run.get(30, TimeUnit.SECONDS));
        }
        for (int v : second) {
            assertFalse(v < om.offset() || said.isDone(v), "record " + v + " ran again though " + om + " says it is done");
        }
        assertTrue(second.size() < total - om.offset(), "the takeover skipped records the metadata says are done: "
                + second.size() + " ran from " + om);
    }

    /**
     * An async handler's stage may complete on a thread the processor does not own (an HTTP client's
     * event loop, say). When the record then fails for good, writing it to the dead-letter topic may
     * block (here: the topic does not exist and is not created on demand, so the send waits for its
     * metadata up to {@code max.block.ms}); that wait must not fall on the completing thread.
     */
    @Test
    void aDeadLetterSendNeverBlocksTheThreadThatCompletedTheFailedStage() throws Exception {
        String topic = ConsumerIT.topic(kafka, "parallel-dlt-thread", 1);
        produce(kafka, topic, 1, 1);
        ExecutorService completer = Executors.newSingleThreadExecutor();
        CompletableFuture<CompletableFuture<Void>> stage = new CompletableFuture<>();
        try (ParallelProcessor<String, String> processor = builder(topic, "parallel-dlt-thread-" + UUID.randomUUID())
                .retry(1, Duration.ZERO, Duration.ZERO).deadLetterTopic("missing-dlt-" + UUID.randomUUID())
                .drainTimeout(Duration.ofSeconds(1)).build()) {
            CompletableFuture<Throwable> run = start(() -> processor.runAsync(r -> {
                CompletableFuture<Void> f = new CompletableFuture<>();
                stage.complete(f);
                return f;
            }));
            CompletableFuture<Void> f = stage.get(60, TimeUnit.SECONDS);
            await(() -> f.getNumberOfDependents() > 0 || run.isDone(), Duration.ofSeconds(30), "the processor waits on the stage");
            completer.execute(() -> f.completeExceptionally(new IllegalStateException("the downstream service failed")));
            Future<?> probe = completer.submit(() -> { });
            try {
                probe.get(10, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                fail("the thread that completed the stage is still blocked 10 s later (in the dead-letter send)");
            }
        } finally {
            completer.shutdownNow();
        }
    }
}
