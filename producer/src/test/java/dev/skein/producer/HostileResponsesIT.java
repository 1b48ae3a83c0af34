package dev.skein.producer;

import dev.skein.core.ClientResources;
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
import io.netty.buffer.Unpooled;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    private static Map<String, Function<ByteBuf, FaultProxy.Rewritten>> hostile() {
        Map<String, Function<ByteBuf, FaultProxy.Rewritten>> cases = new LinkedHashMap<>();
        cases.put("a size of 0x7FFFFFFF", f -> new FaultProxy.Rewritten(f.setInt(f.readerIndex(), Integer.MAX_VALUE), false));
        cases.put("a size of -1", f -> new FaultProxy.Rewritten(f.setInt(f.readerIndex(), -1), false));
        cases.put("half a frame, then FIN", f -> new FaultProxy.Rewritten(
                Unpooled.copiedBuffer(f.slice(f.readerIndex(), f.readableBytes() / 2)), true));
        cases.put("another correlation id", f -> new FaultProxy.Rewritten(
                f.setInt(f.readerIndex() + 4, f.getInt(f.readerIndex() + 4) + 1_000), false));
        return cases;
    }

    @Test
    void hostileProduceResponsesNeitherHangNorLoseNorDuplicate(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String topic = Reference.createTopic(kafka, "hostile", 1, 1);
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);
        try (ClientResources resources = ClientResources.builder().allocator(alloc).build();
             AllocatorWatch watch = AllocatorWatch.start(alloc);
             Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string()).resources(resources)
                     .bootstrapServers(kafka.bootstrapServers()).requestTimeout(Duration.ofSeconds(5)).build()) {
            send(p, topic, checker, "warm-up", 5);
            for (Map.Entry<String, Function<ByteBuf, FaultProxy.Rewritten>> c : hostile().entrySet()) {
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
