package dev.skein.producer;

import dev.skein.core.ClientResources;
import dev.skein.core.ErrorCode;
import dev.skein.core.errors.OutcomeUnknownException;
import dev.skein.core.message.ProduceResponse;
import dev.skein.core.message.ApiKey;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.AllocatorWatch;
import dev.skein.testkit.DeliveryChecker;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile bytes where a Produce response should be: a size of 0x7FFFFFFF or -1, a frame cut mid-way
 * and the connection closed, an answer under another correlation id. The broker wrote the records
 * each time; the producer must not hang or allocate what the size claims, must drop the connection,
 * treat what was in flight as of unknown outcome, and (idempotent) send it again so that every record
 * is written exactly once, in order.
 */
@ExtendWith(KafkaClusterExtension.class)
class HostileResponsesIT {
    /** Far above what these small batches need (a few pool chunks), far below the 2 GiB a hostile size claims. */
    private static final long MAX_IN_USE = 64L << 20;

    private static KafkaCluster kafka;

    @BeforeAll
    static void start(@OwnCluster(faultProxy = true) KafkaCluster cluster) {
        kafka = cluster;
    }

    @Test
    void hostileProduceResponsesNeitherHangNorLoseNorDuplicate() throws Exception {
        String topic = Reference.createTopic(kafka, "hostile", 1, 1);
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);
        try (ClientResources resources = ClientResources.builder().allocator(alloc).build();
             AllocatorWatch watch = AllocatorWatch.start(alloc);
             Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string()).resources(resources)
                     .bootstrapServers(kafka.bootstrapServers()).requestTimeout(Duration.ofSeconds(5)).build()) {
            send(p, topic, checker, "warm-up", 5);
            for (Map.Entry<String, Function<ByteBuf, FaultProxy.Rewritten>> c : FaultProxy.framingFaults().entrySet()) {
                int before = kafka.proxy(1).rewrittenResponses();
                kafka.proxy(1).rewriteResponses(ApiKey.PRODUCE.id(), 1, c.getValue());
                send(p, topic, checker, c.getKey().replace(' ', '_'), 20);
                assertEquals(before + 1, kafka.proxy(1).rewrittenResponses(), c.getKey() + " was sent to the producer");
            }
            assertTrue(watch.peakBytes() < MAX_IN_USE, "no allocation of a claimed size: at most "
                    + watch.peakBytes() + " bytes in use at once");
        }
        checker.assigned("reader", 0, topic, 0);
        for (ConsumerRecord<byte[], byte[]> r : Reference.readAll(kafka, topic, checker.counts().get("acknowledged").intValue())) {
            checker.received("reader", 0, r.topic(), r.partition(), r.offset(), new String(r.value(), StandardCharsets.UTF_8));
        }
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.violations().isEmpty(), report.toString());
        assertEquals(85L, report.counts().get("acknowledged"), report.toString());
    }

    /**
     * Under acks=all the leader appends a batch, then waits for its followers; if it loses the leadership
     * meanwhile it answers NOT_LEADER_OR_FOLLOWER for a batch that is in its log (and in the new leader's,
     * if a follower had copied it). Here the proxy turns a batch's two answers into that one, so it is
     * given up after its one retry ({@code retries=1}), and the next batch must not take its
     * sequence number: the broker would take it for a duplicate of the written one, answer success and
     * drop it. Apache Kafka's producer renumbers only after an answer that says the batch was refused.
     */
    @Test
    void aBatchAnsweredNotLeaderAfterItsAppendLendsNoSequenceNumberToTheNext() throws Exception {
        String topic = Reference.createTopic(kafka, "not-leader-after-append", 1, 1);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).linger(Duration.ZERO).retries(1).idempotence(true).build()) {
            p.send(ProducerRecord.of(topic, "w")).get(30, TimeUnit.SECONDS);
            int before = kafka.proxy(1).rewrittenResponses();
            kafka.proxy(1).rewriteResponses(ApiKey.PRODUCE.id(), 2, HostileResponsesIT::notLeader); // a's try and retry
            CompletableFuture<RecordMetadata> a = p.send(ProducerRecord.of(topic, "a"));
            ExecutionException failed = assertThrows(ExecutionException.class, () -> a.get(30, TimeUnit.SECONDS));
            assertEquals(before + 2, kafka.proxy(1).rewrittenResponses(), "both of a's answers were NOT_LEADER_OR_FOLLOWER");
            assertTrue(failed.getCause() instanceof OutcomeUnknownException, "a may have been written: " + failed.getCause());
            RecordMetadata b = p.send(ProducerRecord.of(topic, "b")).get(30, TimeUnit.SECONDS);
            assertEquals(2, b.offset(), "b is written after w and a");
        }
        List<String> values = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : Reference.readAll(kafka, topic, 3)) {
            values.add(new String(r.value(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of("w", "a", "b"), values);
    }

    /** A Produce response with every partition's error NOT_LEADER_OR_FOLLOWER (the version read from its shape). */
    private static FaultProxy.Rewritten notLeader(ByteBuf frame) {
        return ResponseRewrite.changed(frame, ProduceResponse.HIGHEST_SUPPORTED_VERSION, (short) 9, ProduceResponse::read,
                r -> r.responses().forEach(t -> t.partitionResponses().forEach(pr ->
                        pr.setErrorCode(ErrorCode.NOT_LEADER_OR_FOLLOWER.code()).setBaseOffset(-1))));
    }

    /** Sends {@code n} records and waits for each to be acknowledged (30 s at most: no hang). */
    private static void send(Producer<String, String> p, String topic, DeliveryChecker checker, String prefix, int n) {
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String value = prefix + "-" + i;
            checker.sent("p", value);
            sent.add(p.send(ProducerRecord.of(topic, value)).whenComplete((md, e) -> {
                if (e == null) {
                    checker.acknowledged(value, md.topic(), md.partition(), md.offset());
                } else {
                    checker.failed(value);
                }
            }));
        }
        for (CompletableFuture<RecordMetadata> f : sent) {
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(prefix + ": a send did not succeed within 30 s", e);
            }
        }
    }
}
