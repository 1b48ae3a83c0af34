package dev.skein.producer;

import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.serdes.Serdes;
import dev.skein.serdes.Serializer;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.Await;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
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
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /** The meters of this registry made from "skein.send" observations of {@code topic} by {@code clientId}. */
    private static List<Meter> sendMeters(SimpleMeterRegistry registry, String clientId, String topic) {
        return registry.getMeters().stream().filter(m -> m.getId().getName().startsWith("skein.send")
                && clientId.equals(m.getId().getTag("messaging.client.id"))
                && topic.equals(m.getId().getTag("messaging.destination.name"))).toList();
    }

    /**
     * An observation handler that times observations (Micrometer's DefaultMeterObservationHandler, as
     * Spring Boot sets up) makes meters per topic from "skein.send" (tagged messaging.destination.name).
     * A producer sending to ever new topics would grow the registry for ever: once a topic leaves the
     * producer's metadata (metadata.max.idle.ms) its meters leave the producer's registry, and come back
     * with the next send to it; another topic's stay.
     */
    @Test
    void theSendObservationsMetersOfATopicNoLongerSentToLeaveTheRegistry(KafkaCluster kafka) throws Exception {
        String gone = Reference.createTopic(kafka, "meters-topic-gone", 1, 1);
        String kept = Reference.createTopic(kafka, "meters-topic-kept", 1, 1);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(registry));
        try (Producer<String, String> p = ProducerIT.builder(kafka).clientId("topic-meters").meterRegistry(registry)
                .observationRegistry(observations).metadataMaxIdle(Duration.ofSeconds(5)).build()) {
            p.send(ProducerRecord.of(gone, "k", "v")).get(30, TimeUnit.SECONDS);
            p.send(ProducerRecord.of(kept, "k", "v")).get(30, TimeUnit.SECONDS);
            assertFalse(sendMeters(registry, "topic-meters", gone).isEmpty(), "the handler timed the send");
            Await.until("the meters of " + gone + " gone once it is idle", Duration.ofSeconds(30), () -> {
                p.send(ProducerRecord.of(kept, "k", "v")).get(30, TimeUnit.SECONDS); // kept busy
                return sendMeters(registry, "topic-meters", gone).isEmpty();
            });
            assertFalse(sendMeters(registry, "topic-meters", kept).isEmpty(), "a topic still sent to keeps its meters");
            p.send(ProducerRecord.of(gone, "k", "again")).get(30, TimeUnit.SECONDS);
            assertEquals(1, registry.get("skein.send").tag("messaging.destination.name", gone).timer().count(),
                    "sent to again, the topic is timed afresh");
        }
    }
}
