package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A compressed batch that is sound but decompresses to more than {@code skein.buffer.max.bytes} allows
 * (the reference producer sizes batches by their compressed size, so a very compressible batch can):
 * {@code poll()} raises a {@link RecordTooLargeException}, not a corruption, naming topic, partition,
 * offset, bound and setting; the position stays on the batch, the other partition keeps being read, a
 * seek past the batch reads on, and a consumer with a larger bound reads every record.
 */
@ExtendWith(KafkaClusterExtension.class)
class OversizedBatchIT {
    private static final int BOUND = 4096;

    @ParameterizedTest
    @ValueSource(strings = {"zstd", "gzip"})
    void aBatchOverTheBufferBoundIsTooLargeNotCorruptAndALargerBoundReadsIt(String codec, KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "oversized-" + codec, 2);
        TopicPartition p0 = new TopicPartition(topic, 0);
        TopicPartition p1 = new TopicPartition(topic, 1);
        // Partition 0: offsets 0-9 small, 10-14 five 4 KiB values of one letter (a few dozen bytes compressed,
        // 20 KiB decompressed), 15-24 small. Partition 1: 30 small records.
        try (KafkaProducer<String, String> plain = producer(kafka, "none");
             KafkaProducer<String, String> packed = producer(kafka, codec)) {
            for (int i = 0; i < 10; i++) {
                plain.send(new ProducerRecord<>(topic, 0, null, "small-" + i)).get(30, TimeUnit.SECONDS);
            }
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                sent.add(packed.send(new ProducerRecord<>(topic, 0, null, String.valueOf((char) ('a' + i)).repeat(4096))));
            }
            packed.flush();
            for (java.util.concurrent.Future<?> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
            for (int i = 15; i < 25; i++) {
                plain.send(new ProducerRecord<>(topic, 0, null, "small-" + i)).get(30, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 30; i++) {
                plain.send(new ProducerRecord<>(topic, 1, null, "other-" + i)).get(30, TimeUnit.SECONDS);
            }
        }

        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST)
                .property("skein.buffer.max.bytes", BOUND).build()) {
            c.assign(List.of(p0, p1));
            List<Long> read0 = new ArrayList<>();
            int read1 = 0;
            RecordTooLargeException tooLarge = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((tooLarge == null || read1 < 30) && System.nanoTime() < deadline) {
                try {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                        if (r.partition() == 0) {
                            read0.add(r.offset());
                        } else {
                            read1++;
                        }
                    }
                } catch (RecordTooLargeException e) {
                    tooLarge = e;
                    assertEquals(10, c.position(p0), "the position stays on the batch: " + e.getMessage());
                } catch (CorruptRecordException e) {
                    fail("a sound batch over the bound was reported as corrupt: " + e.getMessage(), e);
                }
            }
            assertTrue(tooLarge != null, "the batch over the bound was raised");
            String m = tooLarge.getMessage();
            assertTrue(m.contains(topic + "-0") && m.contains("offset 10") && m.contains(Integer.toString(BOUND))
                    && m.contains("skein.buffer.max.bytes"), m);
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), read0, "the records before the batch, once each");
            assertEquals(30, read1, "the other partition is read meanwhile");
            assertEquals(10, c.position(p0));

            c.seek(p0, 15); // the application's choice: past the batch
            List<Long> after = new ArrayList<>();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (after.size() < 10 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(r -> after.add(r.offset()));
            }
            assertEquals(List.of(15L, 16L, 17L, 18L, 19L, 20L, 21L, 22L, 23L, 24L), after, "a seek past the batch reads on");
        }

        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST)
                .property("skein.buffer.max.bytes", 1 << 20).build()) {
            c.assign(List.of(p0, p1));
            List<ConsumerRecord<String, String>> got = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (got.size() < 55 && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(got::add);
            }
            assertEquals(55, got.size(), "within a larger bound every record is read");
            List<String> big = got.stream().filter(r -> r.partition() == 0 && r.offset() >= 10 && r.offset() < 15)
                    .map(ConsumerRecord::value).toList();
            assertEquals(5, big.size());
            for (int i = 0; i < 5; i++) {
                assertEquals(String.valueOf((char) ('a' + i)).repeat(4096), big.get(i));
            }
        }
    }

    private static KafkaProducer<String, String> producer(KafkaCluster kafka, String codec) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "compression.type", codec,
                "linger.ms", 50, "batch.size", 1 << 16), new StringSerializer(), new StringSerializer());
    }
}
