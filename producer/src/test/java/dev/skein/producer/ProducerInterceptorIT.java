package dev.skein.producer;

import dev.skein.core.Header;
import dev.skein.core.errors.TimeoutException;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(KafkaClusterExtension.class)
class ProducerInterceptorIT {

    /** Adds header "by" with its name on send; notes acknowledgements and close in a shared log. */
    record Named(String name, List<String> log) implements ProducerInterceptor<String, String> {
        @Override
        public ProducerRecord<String, String> onSend(ProducerRecord<String, String> r) {
            return r.withHeader("by", name.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void onAcknowledgement(RecordMetadata md, Exception e) {
            log.add(name + (e == null ? "@" + md.offset() : ":failed"));
        }

        @Override
        public void close() {
            log.add(name + ":closed");
        }
    }

    /** Throws from every call. */
    static final class Throwing implements ProducerInterceptor<String, String> {
        @Override
        public ProducerRecord<String, String> onSend(ProducerRecord<String, String> r) {
            throw new IllegalStateException("onSend broke");
        }

        @Override
        public void onAcknowledgement(RecordMetadata md, Exception e) {
            throw new IllegalStateException("onAcknowledgement broke");
        }

        @Override
        public void close() {
            throw new IllegalStateException("close broke");
        }
    }

    /** For {@code interceptor.classes}: upper-cases values; counts instances, sends and closes. */
    public static final class UpperCasing implements ProducerInterceptor<String, String> {
        static final List<UpperCasing> MADE = Collections.synchronizedList(new ArrayList<>());
        volatile int acknowledged;
        volatile boolean closed;

        public UpperCasing() {
            MADE.add(this);
        }

        @Override
        public ProducerRecord<String, String> onSend(ProducerRecord<String, String> r) {
            return new ProducerRecord<>(r.topic(), r.partition(), r.key(), r.value().toUpperCase(), r.headers(), r.timestamp());
        }

        @Override
        public void onAcknowledgement(RecordMetadata md, Exception e) {
            acknowledged++; // the callback thread only
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static List<String> headers(ConsumerRecord<byte[], byte[]> r, String key) {
        List<String> out = new ArrayList<>();
        r.headers().headers(key).forEach(h -> out.add(new String(h.value(), StandardCharsets.UTF_8)));
        return out;
    }

    @Test
    void interceptorsRunInTheOrderGivenOnSendAndOnAcknowledgementBeforeTheCallback(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "interceptor-order", 1, 1);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (Producer<String, String> p = ProducerIT.builder(kafka).interceptor(new Named("a", log))
                .interceptor(new Named("b", log)).interceptor(new Named("c", log)).build()) {
            for (int i = 0; i < 3; i++) {
                sent.add(p.send(new ProducerRecord<>(topic, 0, "k", "v" + i, List.of(new Header("by", "app".getBytes())), null),
                        (md, e) -> log.add("callback@" + md.offset())));
            }
            for (CompletableFuture<RecordMetadata> f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long offset = sent.get(i).get().offset();
            expected.addAll(List.of("a@" + offset, "b@" + offset, "c@" + offset, "callback@" + offset));
        }
        expected.addAll(List.of("a:closed", "b:closed", "c:closed"));
        assertEquals(expected, log, "per record: the interceptors in order, then the callback; closed with the producer");
        List<ConsumerRecord<byte[], byte[]>> read = Reference.readAll(kafka, topic, 3);
        assertEquals(3, read.size());
        for (ConsumerRecord<byte[], byte[]> r : read) {
            assertEquals(List.of("app", "a", "b", "c"), headers(r, "by"), "each changed the record the one before returned");
        }
    }

    @Test
    void aThrowingInterceptorIsSkippedAndNeverFailsTheRecord(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "interceptor-throws", 1, 1);
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        List<String> callbacks = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (Producer<String, String> p = ProducerIT.builder(kafka).interceptor(new Throwing())
                .interceptor(new Named("after", log)).build()) {
            for (int i = 0; i < 50; i++) {
                sent.add(p.send(ProducerRecord.of(topic, "k", "v" + i), (md, e) -> callbacks.add(e == null ? "ok" : e.toString())));
            }
            for (CompletableFuture<RecordMetadata> f : sent) {
                f.get(30, TimeUnit.SECONDS); // throws if the record failed
            }
        } // close() of the throwing one is logged too, and the producer still closes
        assertEquals(Collections.nCopies(50, "ok"), callbacks);
        assertEquals(51, log.size(), "the interceptor after the throwing one saw every acknowledgement and the close");
        List<ConsumerRecord<byte[], byte[]>> read = Reference.readAll(kafka, topic, 50);
        assertEquals(50, read.size());
        assertEquals(List.of("after"), headers(read.get(0), "by"));
        assertEquals("v0", new String(read.get(0).value(), StandardCharsets.UTF_8));
    }

    @Test
    void interceptorClassesMakesOneInstancePerProducerAndSeesFailuresToo(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "interceptor-classes", 1, 1);
        UpperCasing.MADE.clear();
        Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .property("bootstrap.servers", kafka.bootstrapServers())
                .property("interceptor.classes", UpperCasing.class.getName())
                .property("max.block.ms", 1000)
                .build();
        try {
            assertEquals(1, UpperCasing.MADE.size());
            p.send(ProducerRecord.of(topic, "k", "hello")).get(30, TimeUnit.SECONDS);
            // A partition the topic does not have fails inside send() after max.block.ms (as Apache Kafka's
            // waitOnMetadata); the interceptor still hears of it.
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(new ProducerRecord<>(topic, 5, "k", "nowhere", List.of(), null)).get(30, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause());
        } finally {
            p.close();
        }
        UpperCasing made = UpperCasing.MADE.get(0);
        assertEquals(2, made.acknowledged);
        assertTrue(made.closed, "closed with the producer");
        List<ConsumerRecord<byte[], byte[]>> read = Reference.readAll(kafka, topic, 1);
        assertEquals(1, read.size());
        assertEquals("HELLO", new String(read.get(0).value(), StandardCharsets.UTF_8));
    }

    @Test
    void aFailedSendHandsTheCallbackAndInterceptorsMetadataWithItsTopicAndPartitionAsApacheKafkasDoes(KafkaCluster kafka)
            throws Exception {
        String topic = Reference.createTopic(kafka, "interceptor-failed-metadata", 2, 1, java.util.Map.of("max.message.bytes", "1000"));
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        ProducerInterceptor<String, String> noting = new ProducerInterceptor<>() {
            @Override
            public void onAcknowledgement(RecordMetadata md, Exception e) {
                seen.add("interceptor " + describe(md, e));
            }
        };
        List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
        try (Producer<String, String> p = ProducerIT.builder(kafka).interceptor(noting).maxRequestSize(3000)
                .retries(0).build()) {
            String tooLargeForTheTopic = "x".repeat(1500); // under max.request.size: the broker refuses it
            String tooLargeForTheProducer = "x".repeat(5000); // refused inside send()
            sent.add(p.send(new ProducerRecord<>(topic, 1, "k", tooLargeForTheTopic, List.of(), null),
                    (md, e) -> seen.add("callback " + describe(md, e))));
            sent.get(0).exceptionally(e -> null).get(30, TimeUnit.SECONDS);
            sent.add(p.send(new ProducerRecord<>(topic, 1, "k", tooLargeForTheProducer, List.of(), null),
                    (md, e) -> seen.add("callback " + describe(md, e))));
            sent.add(p.send(ProducerRecord.of(topic, "k", tooLargeForTheProducer),
                    (md, e) -> seen.add("callback " + describe(md, e))));
            assertThrows(ExecutionException.class, () -> sent.get(0).get());
            for (CompletableFuture<RecordMetadata> f : sent.subList(1, 3)) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
                assertInstanceOf(dev.skein.core.errors.RecordTooLargeException.class, e.getCause());
            }
        }
        String partitionGiven = topic + "/1@-1 ts -1 failed";
        String partitionNotChosen = topic + "/-1@-1 ts -1 failed";
        assertEquals(List.of("interceptor " + partitionGiven, "callback " + partitionGiven, // refused by the broker
                "interceptor " + partitionGiven, "callback " + partitionGiven, // inside send(), partition given
                "interceptor " + partitionNotChosen, "callback " + partitionNotChosen), seen); // inside send()
    }

    private static String describe(RecordMetadata md, Exception e) {
        return md == null ? "null metadata" : md.topic() + "/" + md.partition() + "@" + md.offset() + " ts " + md.timestamp()
                + (e == null ? " ok" : " failed");
    }
}
