package dev.skein.producer;

import dev.skein.core.ClientResources;
import dev.skein.core.Compression;
import dev.skein.core.Header;
import dev.skein.core.errors.ConfigException;
import dev.skein.core.errors.RecordTooLargeException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.serdes.Serdes;
import dev.skein.serdes.SerializationException;
import dev.skein.serdes.Serializer;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(KafkaClusterExtension.class)
class ProducerIT {

    static ProducerBuilder<String, String> builder(KafkaCluster kafka) {
        return Producer.builder(Serdes.string(), Serdes.string()).bootstrapServers(kafka.bootstrapServers());
    }

    @ParameterizedTest
    @EnumSource(Acks.class)
    void everyAcksModeDeliversInOrder(Acks acks, KafkaCluster kafka) throws Exception {
        roundTrip(kafka, builder(kafka).acks(acks), "acks-" + acks.name().toLowerCase(), acks != Acks.NONE);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void everyCodecIsReadBackByTheReferenceConsumer(Compression codec, KafkaCluster kafka) throws Exception {
        roundTrip(kafka, builder(kafka).compression(codec).linger(Duration.ofMillis(20)), "codec-" + codec.configName(), true);
    }

    private void roundTrip(KafkaCluster kafka, ProducerBuilder<String, String> b, String prefix, boolean offsets) throws Exception {
        String topic = Reference.createTopic(kafka, prefix, 3, 1);
        // Wait until every partition accepts writes: with acks=0 a fresh topic's NOT_LEADER makes the
        // broker close the connection, and what was pipelined behind it is gone without a word.
        try (Producer<String, String> warm = builder(kafka).build()) {
            for (int p = 0; p < 3; p++) {
                warm.send(new ProducerRecord<>(topic, p, null, "warm-up", List.of(), null)).get(30, TimeUnit.SECONDS);
            }
        }
        int n = 600;
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (Producer<String, String> p = b.build()) {
            for (int i = 0; i < n; i++) {
                ProducerRecord<String, String> r = ProducerRecord.of(topic, "key-" + (i % 37), "value-" + i)
                        .withHeader("seq", Integer.toString(i).getBytes(StandardCharsets.UTF_8))
                        .withTimestamp(1_600_000_000_000L + i);
                futures.add(p.send(r));
            }
            p.flush();
            for (CompletableFuture<RecordMetadata> f : futures) {
                assertTrue(f.isDone(), "flush waited for every record");
            }
        }
        Map<Integer, Long> lastOffset = new HashMap<>();
        for (int i = 0; i < n; i++) {
            RecordMetadata md = futures.get(i).get();
            assertEquals(topic, md.topic());
            if (offsets) {
                Long prev = lastOffset.put(md.partition(), md.offset());
                assertTrue(prev == null || md.offset() > prev, "offsets grow in send order per partition");
            }
        }
        List<ConsumerRecord<byte[], byte[]>> read = Reference.readAll(kafka, topic, n + 3).stream()
                .filter(r -> r.headers().lastHeader("seq") != null).toList();
        assertEquals(n, read.size(), "every record once");
        Map<Integer, Integer> lastSeqPerKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read) {
            int seq = Integer.parseInt(new String(r.headers().lastHeader("seq").value(), StandardCharsets.UTF_8));
            assertEquals("key-" + (seq % 37), new String(r.key(), StandardCharsets.UTF_8));
            assertEquals("value-" + seq, new String(r.value(), StandardCharsets.UTF_8));
            assertEquals(1_600_000_000_000L + seq, r.timestamp());
            Integer prev = lastSeqPerKey.put(seq % 37, seq);
            assertTrue(prev == null || prev < seq, "records of one key arrive in send order");
        }
    }

    @Test
    void keyedRecordsLandOnTheSamePartitionsAsWithTheReferenceProducer(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "keys", 12, 1);
        Map<String, Integer> ours = new HashMap<>();
        Map<String, Integer> theirs = new HashMap<>();
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (Producer<String, String> p = builder(kafka).linger(Duration.ofMillis(20)).build()) {
            for (int i = 0; i < 10_000; i++) {
                futures.add(p.send(ProducerRecord.of(topic, "user-" + i, "x")));
            }
            p.flush();
        }
        for (int i = 0; i < 10_000; i++) {
            ours.put("user-" + i, futures.get(i).get().partition());
        }
        try (KafkaProducer<String, String> ref = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "linger.ms", 20), new StringSerializer(), new StringSerializer())) {
            List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> rf = new ArrayList<>();
            for (int i = 0; i < 10_000; i++) {
                rf.add(ref.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "user-" + i, "x")));
            }
            ref.flush();
            for (int i = 0; i < 10_000; i++) {
                theirs.put("user-" + i, rf.get(i).get().partition());
            }
        }
        assertEquals(theirs, ours);
        assertTrue(new java.util.HashSet<>(ours.values()).size() == 12, "keys spread over all partitions");
    }

    @Test
    void aRecordOverMaxRequestSizeFailsAloneAndTheProducerKeepsWorking(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "too-large", 1, 1);
        try (Producer<String, String> p = builder(kafka).maxRequestSize(10_000).build()) {
            CompletableFuture<RecordMetadata> big = p.send(ProducerRecord.of(topic, "x".repeat(20_000)));
            ExecutionException e = assertThrows(ExecutionException.class, () -> big.get(30, TimeUnit.SECONDS));
            assertInstanceOf(RecordTooLargeException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("max.request.size"), e.getCause().getMessage());
            assertEquals(0, p.send(ProducerRecord.of(topic, "small")).get(30, TimeUnit.SECONDS).offset());
        }
    }

    @Test
    void aBatchTheBrokerRefusesAsTooLargeIsSplitAndDelivered(KafkaCluster kafka) throws Exception {
        String topic = "split-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 1, (short) 1)
                    .configs(Map.of("max.message.bytes", "3000")))).all().get(30, TimeUnit.SECONDS);
        }
        List<CompletableFuture<RecordMetadata>> fs = new ArrayList<>();
        try (Producer<String, String> p = builder(kafka).batchSize(64 * 1024).linger(Duration.ofMillis(100)).build()) {
            for (int i = 0; i < 40; i++) {
                fs.add(p.send(ProducerRecord.of(topic, i + ":" + "y".repeat(400))));
            }
            p.flush();
        }
        for (CompletableFuture<RecordMetadata> f : fs) {
            f.get(30, TimeUnit.SECONDS);
        }
        List<ConsumerRecord<byte[], byte[]>> read = Reference.readAll(kafka, topic, 40);
        assertEquals(40, read.size());
        for (int i = 0; i < 40; i++) {
            assertTrue(new String(read.get(i).value(), StandardCharsets.UTF_8).startsWith(i + ":"), "in order, once");
        }
    }

    @Test
    void aSerializerFailureFailsOnlyThatRecord(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "ser-fail", 1, 1);
        Serializer<String> picky = (v, ctx) -> {
            if (v.equals("bad")) {
                throw new IllegalArgumentException("no bad values");
            }
            return v.getBytes(StandardCharsets.UTF_8);
        };
        try (Producer<String, String> p = Producer.builder(Serdes.string().serializer(), picky)
                .bootstrapServers(kafka.bootstrapServers()).build()) {
            CompletableFuture<RecordMetadata> a = p.send(ProducerRecord.of(topic, "good-1"));
            CompletableFuture<RecordMetadata> bad = p.send(ProducerRecord.of(topic, "bad"));
            CompletableFuture<RecordMetadata> c = p.send(ProducerRecord.of(topic, "good-2"));
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
            assertInstanceOf(SerializationException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("topic " + topic + " value"), e.getCause().getMessage());
            assertEquals(0, a.get(30, TimeUnit.SECONDS).offset());
            assertEquals(1, c.get(30, TimeUnit.SECONDS).offset());
        }
    }

    /** A cluster of its own: the shared one keeps the broker default, which creates a topic sent to. */
    @Test
    void anUnknownTopicFailsAfterMaxBlockNamingIt(@OwnCluster(config = "auto.create.topics.enable=false") KafkaCluster kafka) {
        try (Producer<String, String> p = builder(kafka).maxBlock(Duration.ofMillis(800)).build()) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> p.send(ProducerRecord.of("no-such-topic-xyz", "v")).get(30, TimeUnit.SECONDS));
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("no-such-topic-xyz"), e.getCause().getMessage());
        }
    }

    /**
     * A send waiting for a topic's metadata (one the broker will not create) stops waiting when the producer
     * closes, and fails, rather than waiting out max.block.ms.
     */
    @Test
    void aSendWaitingForMetadataFailsAtOnceWhenTheProducerCloses(
            @OwnCluster(config = "auto.create.topics.enable=false") KafkaCluster kafka) throws Exception {
        Producer<String, String> p = builder(kafka).maxBlock(Duration.ofSeconds(60)).build();
        CompletableFuture<Thread> started = new CompletableFuture<>();
        CompletableFuture<CompletableFuture<RecordMetadata>> sending = CompletableFuture.supplyAsync(() -> {
            started.complete(Thread.currentThread());
            return p.send(ProducerRecord.of("never-created", "v"));
        });
        Thread sender = started.get(5, TimeUnit.SECONDS);
        assertTrue(Await.holds(() -> sender.getState() == Thread.State.WAITING
                || sender.getState() == Thread.State.TIMED_WAITING, Duration.ofSeconds(10)), "send() waits for the metadata");
        p.close(Duration.ofSeconds(1));
        CompletableFuture<RecordMetadata> f = sending.get(5, TimeUnit.SECONDS);
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(1, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void sendAfterCloseFailsAndCloseCompletesEveryFuture(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "close", 1, 1);
        Producer<String, String> p = builder(kafka).linger(Duration.ofMillis(200)).build();
        List<CompletableFuture<RecordMetadata>> fs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            fs.add(p.send(ProducerRecord.of(topic, "v" + i)));
        }
        p.close(Duration.ofSeconds(30));
        for (CompletableFuture<RecordMetadata> f : fs) {
            assertTrue(f.isDone() && !f.isCompletedExceptionally(), "close sent what was buffered");
        }
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> p.send(ProducerRecord.of(topic, "late")).get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals(100, Reference.readAll(kafka, topic, 100).size());
    }

    /**
     * A send that passed close()'s check and then waited (here in a slow serializer) while close() ran, with
     * shared resources that outlive the producer: the record is refused once it would be appended, its future
     * fails and the interceptor hears of it once, rather than the record joining a batch nothing will send.
     */
    @Test
    void aSendRacingCloseFailsAndItsInterceptorHearsOfItOnce(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "racing-close", 1, 1);
        CountDownLatch serializing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Serializer<String> slow = (v, ctx) -> {
            if (v.equals("slow")) {
                serializing.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return v.getBytes(StandardCharsets.UTF_8);
        };
        AtomicInteger acknowledged = new AtomicInteger();
        ProducerInterceptor<String, String> counting = new ProducerInterceptor<>() {
            @Override
            public ProducerRecord<String, String> onSend(ProducerRecord<String, String> r) {
                return r;
            }

            @Override
            public void onAcknowledgement(RecordMetadata md, Exception e) {
                acknowledged.incrementAndGet();
            }
        };
        try (ClientResources shared = ClientResources.create()) {
            Producer<String, String> p = Producer.builder(Serdes.string().serializer(), slow)
                    .bootstrapServers(kafka.bootstrapServers()).resources(shared).interceptor(counting).build();
            p.send(ProducerRecord.of(topic, "warm")).get(30, TimeUnit.SECONDS); // the next send finds the metadata
            acknowledged.set(0);
            CompletableFuture<CompletableFuture<RecordMetadata>> sending =
                    CompletableFuture.supplyAsync(() -> p.send(ProducerRecord.of(topic, "slow")));
            assertTrue(serializing.await(10, TimeUnit.SECONDS));
            p.close(Duration.ofSeconds(1));
            release.countDown();
            CompletableFuture<RecordMetadata> f = sending.get(5, TimeUnit.SECONDS);
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, e.getCause());
            assertEquals(1, acknowledged.get(), "the interceptor hears of the failure once");
        }
    }

    /**
     * A batch whose bytes cannot be built (here its compressed buffer is refused, as when a codec refuses its
     * level or direct memory runs out) fails its records with a typed error, gives back its memory and its
     * sequence numbers, and the producer goes on: flush() returns and the next record is written after the last.
     */
    @Test
    void aBatchThatCannotBeBuiltFailsItsRecordsAndTheNextIsWritten(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "build-fails", 1, 1);
        AtomicBoolean refuse = new AtomicBoolean();
        ByteBufAllocator alloc = new PooledByteBufAllocator(true) {
            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                if (refuse.get() && StackWalker.getInstance().walk(frames -> frames.anyMatch(f ->
                        f.getClassName().endsWith(".RecordBatchBuilder") && f.getMethodName().equals("build")))
                        && refuse.compareAndSet(true, false)) {
                    throw new IllegalArgumentException("test: no buffer for the compressed batch");
                }
                return super.newDirectBuffer(initialCapacity, maxCapacity);
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ClientResources resources = ClientResources.builder().allocator(alloc).build()) {
            Producer<String, String> p = builder(kafka).clientId("build-fails").resources(resources)
                    .compression(Compression.GZIP).meterRegistry(registry).build();
            try {
                assertEquals(0, p.send(ProducerRecord.of(topic, "first")).get(30, TimeUnit.SECONDS).offset());
                refuse.set(true);
                CompletableFuture<RecordMetadata> lost = p.send(ProducerRecord.of(topic, "lost"));
                ExecutionException e = assertThrows(ExecutionException.class, () -> lost.get(10, TimeUnit.SECONDS));
                assertInstanceOf(SkeinException.class, e.getCause());
                assertInstanceOf(IllegalArgumentException.class, e.getCause().getCause());
                CompletableFuture.runAsync(p::flush).get(10, TimeUnit.SECONDS);
                // Its sequence number was given back: the next batch follows the first, not a gap the broker refuses.
                assertEquals(1, p.send(ProducerRecord.of(topic, "next")).get(30, TimeUnit.SECONDS).offset());
                Gauge available = registry.get("skein.producer.buffer.available").tag("client.id", "build-fails").gauge();
                assertTrue(Await.holds(() -> available.value() == ProducerOptions.DEFAULT_BUFFER_MEMORY, Duration.ofSeconds(5)),
                        () -> "every batch gives its memory back; free: " + available.value());
            } finally {
                p.close(Duration.ofSeconds(5)); // bounded: a batch left behind would hold close() for its whole timeout
            }
        }
    }

    /**
     * As Apache Kafka's producer: without client.id each producer is producer-N (producer-&lt;transactional.id&gt;
     * when transactional), so the meters of several producers in one registry stay apart, and one's close leaves
     * the other's gauges.
     */
    @Test
    void producersWithoutAClientIdEachNameThemselvesAndKeepTheirOwnMeters(KafkaCluster kafka) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Producer<String, String> a = builder(kafka).meterRegistry(registry).build();
        Producer<String, String> b = builder(kafka).meterRegistry(registry).build();
        try {
            Set<String> ids = registry.find("skein.producer.buffer.available").gauges().stream()
                    .map(g -> g.getId().getTag("client.id")).collect(Collectors.toSet());
            assertEquals(2, ids.size(), ids.toString());
            assertTrue(ids.stream().allMatch(id -> id.matches("producer-[0-9]+")), ids.toString());
            a.close();
            assertEquals(1, registry.find("skein.producer.buffer.available").gauges().size(), "the other's gauge stays");
        } finally {
            a.close();
            b.close();
        }
        try (Producer<String, String> t = builder(kafka).transactionalId("named-tx").meterRegistry(registry).build()) {
            assertNotNull(registry.find("skein.producer.buffer.available").tag("client.id", "producer-named-tx").gauge());
        }
    }

    @Test
    void callbacksRunInSendOrderOffTheNetworkThreads(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "callbacks", 1, 1);
        List<Long> offsets = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        try (Producer<String, String> p = builder(kafka).build()) {
            for (int i = 0; i < 200; i++) {
                p.send(ProducerRecord.of(topic, "v" + i), (md, err) -> {
                    offsets.add(md.offset());
                    threads.add(Thread.currentThread().getName());
                });
            }
            p.flush();
        }
        for (int i = 0; i < 200; i++) {
            assertEquals(i, offsets.get(i));
        }
        assertTrue(threads.stream().allMatch(t -> t.startsWith("skein-producer-callbacks")), threads.get(0));
    }

    @Test
    void metersCountWhatWasSent(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "meters", 2, 1);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Producer<String, String> p = builder(kafka).clientId("metered").meterRegistry(registry).build()) {
            for (int i = 0; i < 50; i++) {
                p.send(ProducerRecord.of(topic, "k" + i, "v" + i));
            }
            p.flush();
        }
        assertEquals(50.0, registry.get("skein.producer.records.sent").tag("client.id", "metered").counter().count());
        assertTrue(registry.get("skein.producer.bytes.sent").counter().count() > 0);
        assertTrue(registry.get("skein.producer.request.latency").timer().count() > 0);
    }

    @Test
    void badConfigurationFailsAtBuildNamingTheKey() {
        assertEquals("lingerr.ms", assertThrows(ConfigException.class, () -> Producer.builder(Serdes.string(), Serdes.string())
                .property("lingerr.ms", "5")).key());
        assertEquals("acks", assertThrows(ConfigException.class, () -> Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers("localhost:9092").idempotence(true).acks(Acks.LEADER).build()).key());
        assertEquals("compression.type", assertThrows(ConfigException.class, () -> Producer.builder(Serdes.string(), Serdes.string())
                .property("compression.type", "brotli")).key());
        assertEquals("bootstrap.servers", assertThrows(ConfigException.class,
                () -> Producer.builder(Serdes.string(), Serdes.string()).build()).key());
    }

    @Test
    void headersSurviveAndNullsAreAllowed(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "nulls", 1, 1);
        try (Producer<String, String> p = builder(kafka).build()) {
            p.send(new ProducerRecord<>(topic, null, null, null, List.of(new Header("h", null)), null)).get(30, TimeUnit.SECONDS);
        }
        ConsumerRecord<byte[], byte[]> r = Reference.readAll(kafka, topic, 1).get(0);
        assertEquals(null, r.key());
        assertEquals(null, r.value());
        assertArrayEquals(null, r.headers().lastHeader("h").value());
    }

    /**
     * {@code batch.size} bounds a compressed batch as written, as with Apache Kafka's producer, which
     * estimates each codec's ratio per topic: a batch of text that zstd shrinks to a third holds about
     * three batch sizes of records, not one. The broker's own log is the witness: each batch's size on
     * disk, read with the reference's record classes.
     */
    @Test
    void compressedBatchesFillTheBatchSizeAsWritten(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "ratio", 1, 1);
        int batchSize = 16 * 1024;
        Random random = new Random(7);
        String[] words = words(random);
        int n = 40_000;
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        try (Producer<String, String> p = builder(kafka).compression(Compression.ZSTD).batchSize(batchSize)
                .linger(Duration.ofSeconds(30)).build()) {
            for (int i = 0; i < n; i++) {
                futures.add(p.send(ProducerRecord.of(topic, null, text(i, words, random))));
                if (i >= 2_000) { // as a steady producer: the estimate learns from batches built, not queued
                    futures.get(i - 2_000).get(30, TimeUnit.SECONDS);
                }
            }
            p.flush();
        }
        for (int i = 0; i < n; i++) {
            assertEquals(i, futures.get(i).get(10, TimeUnit.SECONDS).offset(), "one partition, offsets in send order");
        }
        List<RecordBatch> batches = new ArrayList<>();
        try (var dirs = Files.walk(kafka.baseDir())) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().equals(topic + "-0")).toList()) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".log")).sorted().toList()) {
                        MemoryRecords.readableRecords(
                                ByteBuffer.wrap(Files.readAllBytes(f))).batches().forEach(batches::add);
                    }
                }
            }
        }
        long records = batches.stream().mapToLong(b -> b.lastOffset() - b.baseOffset() + 1).sum();
        assertEquals(n, records, "the log holds every record: " + batches.size() + " batches");
        // The estimate starts at 1 (a batch holds batch.size uncompressed) and falls as batches are
        // built: judge the batches after the first fifth, and not the last, which flush() sent.
        List<RecordBatch> steady = batches.subList(batches.size() / 5, batches.size() - 1);
        assertTrue(steady.size() >= 5, "enough batches to judge: " + batches.size());
        int[] sizes = steady.stream().mapToInt(RecordBatch::sizeInBytes).sorted().toArray();
        int median = sizes[sizes.length / 2];
        assertTrue(median >= batchSize * 7 / 10, "a batch fills most of batch.size compressed: median " + median
                + " bytes, sizes " + Arrays.toString(sizes));
        assertTrue(sizes[sizes.length - 1] <= batchSize * 5 / 4, "and not much more: " + Arrays.toString(sizes));
    }

    /**
     * When records stop compressing as well as the estimate says, a batch may pass the topic's
     * {@code max.message.bytes}: the broker refuses it, the batch is split, the estimate starts again
     * from {@code batch.size}, and every record still arrives once, in order.
     */
    @Test
    void aBatchTheEstimateMadeTooLargeIsSplitAndNothingIsLost(KafkaCluster kafka) throws Exception {
        String topic = Reference.createTopic(kafka, "ratio-split", 1, 1, Map.of("max.message.bytes", "8000"));
        Random random = new Random(11);
        String[] words = words(random);
        int text = 4_000;
        int n = text + 2_000;
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Producer<String, String> p = builder(kafka).compression(Compression.ZSTD).batchSize(6_000)
                .linger(Duration.ofSeconds(30)).meterRegistry(registry).build()) {
            for (int i = 0; i < n; i++) {
                String value;
                if (i < text) { // text zstd shrinks to about a third: batches grow to about 16 KiB uncompressed
                    value = text(i, words, random);
                } else { // then letters and digits at random, which shrink to about three quarters
                    StringBuilder noise = new StringBuilder(i + ":");
                    while (noise.length() < 200) {
                        noise.append((char) ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".charAt(random.nextInt(62))));
                    }
                    value = noise.toString();
                }
                futures.add(p.send(ProducerRecord.of(topic, null, value)));
                if (i >= 500 && i < text) {
                    futures.get(i - 500).get(30, TimeUnit.SECONDS);
                }
            }
            p.flush();
        }
        for (int i = 0; i < n; i++) {
            assertEquals(i, futures.get(i).get(10, TimeUnit.SECONDS).offset(), "every record once, in send order");
        }
        assertTrue(registry.get("skein.producer.errors").tag("code", "MESSAGE_TOO_LARGE").counter().count() > 0,
                "the broker refused a batch as too large");
        List<ConsumerRecord<byte[], byte[]>> read = Reference.readAll(kafka, topic, n);
        assertEquals(n, read.size(), "every record once");
        for (int i = 0; i < n; i++) {
            assertTrue(new String(read.get(i).value(), StandardCharsets.UTF_8).startsWith(i + ":"), "record " + i + " in order");
        }
    }

    /**
     * A keyed producer that compresses starts batches for many partitions within one linger. Each batch
     * used to reserve from buffer.memory all it might grow to, many times batch.size once the topic's
     * records compressed well: here the fifth found buffer.memory used up, and its send failed after
     * max.block.ms where Apache Kafka's producer, which reserves batch.size a batch, has room for all 24.
     */
    @Test
    void aCompressingProducerKeepsBatchesOpenForManyPartitionsWithinBufferMemory(KafkaCluster kafka) throws Exception {
        int partitions = 24;
        String topic = Reference.createTopic(kafka, "many-open", partitions, 1);
        String zeros = "0".repeat(1000);
        int warm = 30 * 20;
        // batch.size 4 KiB, buffer.memory 256 KiB: a batch may grow to 64 KiB, a quarter of buffer.memory.
        try (Producer<String, String> p = builder(kafka).compression(Compression.LZ4).batchSize(4096).bufferMemory(256 << 10).maxRequestSize(128 << 10)
                .maxBlock(Duration.ofMillis(500)).linger(Duration.ofSeconds(30)).build()) {
            for (int round = 0; round < 30; round++) { // the estimate learns that this topic's records shrink to almost nothing
                for (int i = 0; i < 20; i++) {
                    p.send(ProducerRecord.<String, String>of(topic, null, zeros).withPartition(0));
                }
                p.flush();
            }
            List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
            for (int q = 0; q < partitions; q++) { // a batch open for each, none sent before the flush
                futures.add(p.send(ProducerRecord.<String, String>of(topic, null, zeros).withPartition(q)));
            }
            p.flush();
            for (int q = 0; q < partitions; q++) {
                assertEquals(q, futures.get(q).get(30, TimeUnit.SECONDS).partition());
            }
        }
        List<ConsumerRecord<byte[], byte[]>> read = Reference.readAll(kafka, topic, warm + partitions);
        assertEquals(warm + partitions, read.size());
        for (int q = 0; q < partitions; q++) {
            int partition = q;
            assertEquals(q == 0 ? warm + 1 : 1, read.stream().filter(r -> r.partition() == partition).count(), "partition " + q);
        }
    }

    /** 256 made-up words of 3 to 9 letters. */
    private static String[] words(Random random) {
        String[] words = new String[256];
        for (int w = 0; w < words.length; w++) {
            StringBuilder word = new StringBuilder();
            for (int c = 3 + random.nextInt(7); c > 0; c--) {
                word.append((char) ('a' + random.nextInt(26)));
            }
            words[w] = word.append(' ').toString();
        }
        return words;
    }

    /** About 200 bytes of the words at random, after the record's number: text a codec shrinks to about a third. */
    private static String text(int i, String[] words, Random random) {
        StringBuilder text = new StringBuilder(i + ":");
        while (text.length() < 200) {
            text.append(words[random.nextInt(words.length)]);
        }
        return text.toString();
    }
}
