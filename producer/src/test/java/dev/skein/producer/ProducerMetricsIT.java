package dev.skein.producer;

import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.serdes.Serdes;
import dev.skein.serdes.Serializer;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The producer's meters against a real broker (shared cluster). */
@ExtendWith(KafkaClusterExtension.class)
class ProducerMetricsIT {

    private static double recordErrors(SimpleMeterRegistry registry, String clientId) {
        return registry.get("skein.producer.record.errors").tag("client.id", clientId).counter().count();
    }

    /**
     * "Records whose send failed for good" are all of them, whichever way the failure is reported: by the
     * future after send() returned (the broker refused the record), or inside send() (the serializer, a
     * record over max.request.size, no such partition within max.block.ms, the producer closed).
     */
    @Test
    void recordErrorsCountsEveryRecordWhoseSendFailedWhereverItFailed(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "meters-record-errors", 1, 1, Map.of("max.message.bytes", "1000"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Serializer<String> refusingBad = (v, ctx) -> {
            if ("bad".equals(v)) {
                throw new IllegalArgumentException("cannot serialize " + v);
            }
            return Serdes.string().serializer().serialize(v, ctx);
        };
        Producer<String, String> p = Producer.builder(Serdes.string().serializer(), refusingBad)
                .bootstrapServers(kafka.bootstrapServers()).clientId("record-errors").meterRegistry(registry)
                .maxRequestSize(3000).retries(0).maxBlock(Duration.ofSeconds(1)).build();
        try {
            p.send(ProducerRecord.of(topic, "k", "fine")).get(30, TimeUnit.SECONDS);
            assertEquals(0.0, recordErrors(registry, "record-errors"));
            CompletableFuture<RecordMetadata> refusedByTheBroker = p.send(ProducerRecord.of(topic, "k", "x".repeat(1500)));
            assertThrows(ExecutionException.class, () -> refusedByTheBroker.get(30, TimeUnit.SECONDS));
            ExecutionException tooLarge = assertThrows(ExecutionException.class,
                    () -> p.send(ProducerRecord.of(topic, "k", "x".repeat(5000))).get(30, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, tooLarge.getCause());
            assertThrows(ExecutionException.class, () -> p.send(ProducerRecord.of(topic, "k", "bad")).get(30, TimeUnit.SECONDS));
            assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>(topic, 5, "k", "nowhere", List.of(), null)).get(30, TimeUnit.SECONDS));
        } finally {
            p.close();
        }
        assertThrows(ExecutionException.class, () -> p.send(ProducerRecord.of(topic, "k", "late")).get(30, TimeUnit.SECONDS));
        assertEquals(5.0, recordErrors(registry, "record-errors"),
                "refused by the broker, too large, unserializable, no such partition, producer closed");
    }
}
