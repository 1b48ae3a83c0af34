package dev.skein.consumer;

import dev.skein.core.CorruptRecordException;
import dev.skein.core.TopicPartition;
import dev.skein.core.message.ApiKey;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.DeliveryChecker;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile bytes where a Fetch response should be. Framing faults (a size of 0x7FFFFFFF or -1, half a
 * frame then FIN, another correlation id) must cost the consumer a connection and nothing else: it
 * fetches again from the same position, reads every record once and in order, and never hangs. A
 * byte flipped inside a fetched batch must surface as a {@link CorruptRecordException} naming the
 * partition and offset, with the records before it delivered and {@code seek(offset + 1)} moving on.
 */
@ExtendWith(KafkaClusterExtension.class)
class HostileFetchIT {
    private static final int RECORDS = 1_000;

    private static Map<String, Function<ByteBuf, FaultProxy.Rewritten>> framing() {
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
    void framingFaultsCostAConnectionAndNothingElse(@OwnCluster(faultProxy = true) KafkaCluster kafka) throws Exception {
        String topic = "hostile-fetch";
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        produce(kafka, topic, checker);
        TopicPartition tp = new TopicPartition(topic, 0);
        checker.assigned("reader", 0, topic, 0);
        List<Function<ByteBuf, FaultProxy.Rewritten>> faults = List.copyOf(framing().values());
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST)
                .maxPollRecords(50).property("fetch.max.bytes", 4_096).requestTimeout(Duration.ofSeconds(5)).build()) {
            c.assign(List.of(tp));
            int next = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (checker.counts().get("distinct_read") < RECORDS && System.nanoTime() < deadline) {
                long read = checker.counts().get("distinct_read");
                if (next < faults.size() && read >= (next + 1) * 150L) {
                    kafka.proxy(1).rewriteResponses(ApiKey.FETCH.id(), 1, faults.get(next++));
                }
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                    checker.received("reader", 0, r.topic(), r.partition(), r.offset(), r.value());
                }
            }
        }
        assertEquals(faults.size(), kafka.proxy(1).rewrittenResponses(), "every fault reached the consumer");
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.violations().isEmpty(), report.toString());
    }

    @Test
    void aByteFlippedInTransitIsACorruptBatchNamedByPartitionAndOffset(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String topic = "flipped";
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        produce(kafka, topic, checker);
        TopicPartition tp = new TopicPartition(topic, 0);
        checker.assigned("reader", 0, topic, 0);
        // The last bytes of a Fetch response are three empty tagged-field sections; before them ends the
        // last record batch of the partition: flipping a byte there breaks its CRC.
        kafka.proxy(1).rewriteResponses(ApiKey.FETCH.id(), 1, f -> {
            int at = f.writerIndex() - 4;
            f.setByte(at, f.getByte(at) ^ 0x5A);
            return new FaultProxy.Rewritten(f, false);
        });
        long skipped = -1;
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST)
                .build()) {
            c.assign(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.position(tp) < RECORDS && System.nanoTime() < deadline) { // to the end of the log
                try {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                        checker.received("reader", 0, r.topic(), r.partition(), r.offset(), r.value());
                    }
                } catch (CorruptRecordException e) {
                    assertEquals(-1, skipped, "one corrupt batch only: " + e.getMessage());
                    skipped = c.position(tp);
                    assertTrue(e.getMessage().contains(topic + "-0") && e.getMessage().contains(Long.toString(skipped)),
                            "the error names the partition and the offset it stopped at: " + e.getMessage());
                    c.seek(tp, skipped + 1); // the application's choice: skip the record it cannot trust
                }
            }
        }
        assertTrue(skipped >= 0, "the flipped byte was caught by its CRC");
        DeliveryChecker.Report report = checker.check();
        assertEquals(List.of(DeliveryChecker.Kind.LOST), report.violations().stream().map(DeliveryChecker.Violation::kind).toList(),
                report.toString());
        assertTrue(report.of(DeliveryChecker.Kind.LOST).get(0).detail().startsWith("1 acknowledged"),
                "only the record skipped on purpose is missing: " + report);
    }

    /** {@link #RECORDS} records in many small batches, by the reference producer. */
    private static void produce(KafkaCluster kafka, String topic, DeliveryChecker checker) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1))).all()
                    .get(60, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "batch.size", 1_024, "linger.ms", 0), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                String value = String.format("v-%05d", i);
                checker.sent("producer", value);
                RecordMetadata md = p.send(new ProducerRecord<>(topic, 0, null, value)).get(30, TimeUnit.SECONDS);
                checker.acknowledged(value, md.topic(), md.partition(), md.offset());
            }
        }
    }
}
