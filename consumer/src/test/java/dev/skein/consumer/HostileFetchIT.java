package dev.skein.consumer;

import dev.skein.core.ClientResources;
import dev.skein.core.ErrorCode;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.CorruptRecordException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.FetchResponse;
import dev.skein.core.message.OffsetCommitResponse;
import dev.skein.producer.ResponseRewrite;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.AllocatorWatch;
import dev.skein.testkit.Await;
import dev.skein.testkit.DeliveryChecker;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile bytes where a Fetch response should be. Framing faults (a size of 0x7FFFFFFF or -1, half a
 * frame then FIN, another correlation id) must cost the consumer a connection and nothing else: it
 * fetches again from the same position, reads every record once and in order, and never hangs. A
 * byte flipped inside a fetched batch, or a batch whose CRC is intact but whose compression codec is
 * unknown, must surface as a {@link CorruptRecordException} naming the partition and offset, with the
 * records before it delivered and {@code seek(offset + 1)} moving on; so must a partition the broker answers with
 * CORRUPT_MESSAGE. Unknown tagged fields (KIP-482),
 * in the response header and at the end of the body, are skipped: no error, no reconnect.
 */
@ExtendWith(KafkaClusterExtension.class)
class HostileFetchIT {
    private static final int RECORDS = 1_000;
    /** Far above what 4 KiB fetches need (a few pool chunks), far below the 2 GiB a hostile size claims. */
    private static final long MAX_IN_USE = 64L << 20;
    private static KafkaCluster kafka;

    @BeforeAll
    static void start(@OwnCluster(faultProxy = true) KafkaCluster cluster) {
        kafka = cluster;
    }

    /** How a fetched batch is spoiled: each must read as a corrupt batch at its offset. */
    enum Spoiled {
        /** A byte of the last batch's last record flipped: its CRC no longer matches. */
        FLIPPED_BYTE {
            @Override
            void spoil(ByteBuf f, int batch, int end) {
                f.setByte(end - 1, f.getByte(end - 1) ^ 0x5A);
            }
        },
        /** The last batch's codec bits set to 5 (no such codec) and its CRC computed again. */
        UNKNOWN_CODEC {
            @Override
            void spoil(ByteBuf f, int batch, int end) {
                int attributes = batch + 21;
                f.setShort(attributes, (f.getShort(attributes) & ~0x07) | 5);
                f.setInt(batch + 17, (int) crc32c(f, attributes, end));
            }
        },
        /**
         * The last batch's magic byte set to 1 (the format before Kafka 0.11): it does not frame, and the
         * records of the batches before it in the same response are delivered first.
         */
        BAD_MAGIC {
            @Override
            void spoil(ByteBuf f, int batch, int end) {
                f.setByte(batch + 16, 1);
            }
        };

        abstract void spoil(ByteBuf frame, int batchStart, int batchEnd);
    }

    @Test
    void framingFaultsCostAConnectionAndNothingElse() throws Exception {
        String topic = "hostile-fetch";
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        produce(topic, checker);
        TopicPartition tp = new TopicPartition(topic, 0);
        checker.assigned("reader", 0, topic, 0);
        List<Function<ByteBuf, FaultProxy.Rewritten>> faults = List.copyOf(FaultProxy.framingFaults().values());
        int rewrittenBefore = kafka.proxy(1).rewrittenResponses();
        PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);
        try (ClientResources resources = ClientResources.builder().allocator(alloc).build();
             AllocatorWatch watch = AllocatorWatch.start(alloc);
             Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string()).resources(resources)
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
            assertTrue(watch.peakBytes() < MAX_IN_USE, "no allocation of a claimed size: at most "
                    + watch.peakBytes() + " bytes in use at once");
        }
        assertEquals(rewrittenBefore + faults.size(), kafka.proxy(1).rewrittenResponses(), "every fault reached the consumer");
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.violations().isEmpty(), report.toString());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Spoiled.class)
    void aSpoiledBatchIsACorruptBatchNamedByPartitionAndOffset(Spoiled spoiled) throws Exception {
        String topic = "spoiled-" + spoiled.name().toLowerCase(java.util.Locale.ROOT);
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        produce(topic, checker);
        TopicPartition tp = new TopicPartition(topic, 0);
        checker.assigned("reader", 0, topic, 0);
        // The last bytes of a Fetch response are three empty tagged-field sections; before them ends the
        // last record batch of the partition.
        kafka.proxy(1).rewriteResponses(ApiKey.FETCH.id(), 1, f -> {
            int end = f.writerIndex() - 3;
            spoiled.spoil(f, lastBatchStart(f, end), end);
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
                    java.util.regex.Matcher named = java.util.regex.Pattern.compile("at offset (\\d+)").matcher(e.getMessage());
                    assertTrue(e.getMessage().contains(topic + "-0") && named.find(), e.getMessage());
                    // The position is on the spoiled batch, the last of its response: the records of the
                    // response's batches before it were delivered first.
                    assertEquals(skipped, Long.parseLong(named.group(1)),
                            "the error names the offset the position stopped at: " + e.getMessage());
                    assertTrue(skipped > 0, "records before the spoiled batch were delivered: " + e.getMessage());
                    c.seek(tp, skipped + 1); // the application's choice: skip the record it cannot trust
                }
            }
        }
        assertTrue(skipped >= 0, "the " + spoiled + " batch was caught");
        DeliveryChecker.Report report = checker.check();
        assertEquals(List.of(DeliveryChecker.Kind.LOST), report.violations().stream().map(DeliveryChecker.Violation::kind).toList(),
                report.toString());
        assertTrue(report.of(DeliveryChecker.Kind.LOST).get(0).detail().startsWith("1 acknowledged"),
                "only the record skipped on purpose is missing: " + report);
    }

    /**
     * A partition's error CORRUPT_MESSAGE in a Fetch answer (the broker found the records at the fetch offset
     * corrupt) is raised from {@code poll()} as a {@link CorruptRecordException} naming topic, partition and
     * offset, as Apache Kafka's consumer raises it, once the records before it were returned; the position stays
     * there, and the next poll fetches it again (here the broker's records are sound, so every record arrives
     * once). Retried in silence, it would keep the partition from moving with no word to the application.
     */
    @Test
    void aCorruptMessageAnswerIsRaisedNamingPartitionAndOffset() throws Exception {
        String topic = "corrupt-message";
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        produce(topic, checker);
        java.util.UUID id = ShareConsumerIT.topicId(kafka, topic);
        TopicPartition tp = new TopicPartition(topic, 0);
        checker.assigned("reader", 0, topic, 0);
        FaultProxy proxy = kafka.proxy(1);
        int rewritten = proxy.rewrittenResponses();
        long raisedAt = -1;
        boolean armed = false;
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST)
                .maxPollRecords(50).property("fetch.max.bytes", 4_096).build()) {
            c.assign(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.position(tp) < RECORDS && System.nanoTime() < deadline) {
                if (!armed && checker.counts().get("distinct_read") >= 100) {
                    proxy.rewriteResponses(ApiKey.FETCH.id(), 1, corruptMessage(id, topic, 0));
                    armed = true;
                }
                try {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                        checker.received("reader", 0, r.topic(), r.partition(), r.offset(), r.value());
                    }
                } catch (CorruptRecordException e) {
                    assertEquals(-1, raisedAt, "raised once: " + e.getMessage());
                    raisedAt = c.position(tp);
                    assertEquals(ErrorCode.CORRUPT_MESSAGE, e.errorCode(), e.getMessage());
                    assertTrue(e.getMessage().contains(topic + "-0 at offset " + raisedAt), e.getMessage());
                    assertEquals(raisedAt, checker.counts().get("distinct_read"),
                            "every record before the offset it names was returned first: " + e.getMessage());
                }
            }
        }
        assertEquals(rewritten + 1, proxy.rewrittenResponses(), "the CORRUPT_MESSAGE answer reached the consumer");
        assertTrue(raisedAt >= 100, "CORRUPT_MESSAGE raised from poll(), at offset " + raisedAt);
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.violations().isEmpty(), report.toString());
    }

    /**
     * A Fetch answer whose partition {@code partition} of {@code topic} has the error CORRUPT_MESSAGE and no records,
     * listed when the answer left it out (an incremental answer leaves out a partition with nothing new).
     */
    private static Function<ByteBuf, FaultProxy.Rewritten> corruptMessage(java.util.UUID id, String topic, int partition) {
        return f -> ResponseRewrite.changed(f, FetchResponse.HIGHEST_SUPPORTED_VERSION, (short) 12, FetchResponse::read, r -> {
            FetchResponse.FetchableTopicResponse t = r.responses().stream()
                    .filter(x -> id.equals(x.topicId()) || topic.equals(x.topic())).findFirst().orElse(null);
            if (t == null) {
                t = new FetchResponse.FetchableTopicResponse().setTopicId(id).setTopic(topic);
                r.responses().add(t);
            }
            FetchResponse.PartitionData p = t.partitions().stream()
                    .filter(x -> x.partitionIndex() == partition).findFirst().orElse(null);
            if (p == null) {
                p = new FetchResponse.PartitionData().setPartitionIndex(partition);
                t.partitions().add(p);
            }
            p.setErrorCode(ErrorCode.CORRUPT_MESSAGE.code()).setRecords(Unpooled.EMPTY_BUFFER);
        });
    }

    /**
     * The committed-offset lookup for a partition is answered ("nothing committed") after the poll that
     * asked stopped waiting for it, and the consumer unsubscribes before polling again. That answer must
     * not give the partition its position once it comes back, after another client committed offset 50
     * for the group. The request is held in the proxy only while nothing else is on its connection (the
     * broker answers a connection's requests in order: one sent behind it would be answered first, and the
     * consumer would drop the connection), so heartbeats are made rare.
     */
    @Test
    void aCommittedOffsetLookupFromBeforeAnUnsubscribeIsNotReused() throws Exception {
        String topic = "stale-offset-fetch";
        produce(topic, DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE));
        TopicPartition tp = new TopicPartition(topic, 0);
        String group = "stale-offset-fetch-group";
        FaultProxy proxy = kafka.proxy(1);
        int rewritten = proxy.rewrittenResponses();
        proxy.holdRequests(ApiKey.OFFSET_FETCH.id(), 1);
        proxy.rewriteResponses(ApiKey.OFFSET_FETCH.id(), 1, f -> new FaultProxy.Rewritten(f, false)); // counts the answer
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).groupProtocol(GroupProtocol.CLASSIC)
                .heartbeatInterval(Duration.ofSeconds(10)).sessionTimeout(Duration.ofSeconds(30))
                .delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).build();
             org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                     Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            c.subscribe(List.of(topic));
            Await.until("the consumer's OffsetFetch held", Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(100));
                return proxy.heldRequests() >= 1;
            });
            proxy.releaseHeld();
            Await.until("the held OffsetFetch answered", Duration.ofSeconds(30), () -> proxy.rewrittenResponses() > rewritten);
            c.unsubscribe(); // no poll took the answer
            Await.until("offset 50 committed for the emptied group", Duration.ofSeconds(30), () -> {
                admin.alterConsumerGroupOffsets(group, Map.of(new org.apache.kafka.common.TopicPartition(topic, 0),
                        new org.apache.kafka.clients.consumer.OffsetAndMetadata(50))).all().get(10, TimeUnit.SECONDS);
                return true;
            });
            c.subscribe(List.of(topic));
            ConsumerRecord<String, String> first = Await.value("a record after subscribing again", Duration.ofSeconds(30), () -> {
                var records = c.poll(Duration.ofMillis(100));
                return records.isEmpty() ? null : records.iterator().next();
            });
            assertEquals(tp.partition(), first.partition());
            assertEquals(50, first.offset(), "read from the offset committed after the old lookup");
        }
    }

    /**
     * An asynchronous commit answered NOT_COORDINATOR (here by the proxy, after the broker took the
     * offsets) is not tried again once a newer commit went out: the retry would move the group's offset
     * back from 20 to 10. Apache Kafka's consumer sends asynchronous commits in call order and has them
     * done before a later commitSync() returns.
     */
    @Test
    void anAsyncCommitIsNotRetriedPastANewerCommit() throws Exception {
        String topic = "async-commit-order";
        produce(topic, DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE));
        TopicPartition tp = new TopicPartition(topic, 0);
        FaultProxy proxy = kafka.proxy(1);
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId("async-commit-order-group")
                .property("retry.backoff.ms", "1000").property("retry.backoff.max.ms", "1000") // the retry comes after commitSync
                .delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST).build()) {
            c.assign(List.of(tp));
            int rewritten = proxy.rewrittenResponses();
            proxy.rewriteResponses(ApiKey.OFFSET_COMMIT.id(), 1, HostileFetchIT::notCoordinator);
            CompletableFuture<Exception> async = new CompletableFuture<>();
            c.commitAsync(Map.of(tp, OffsetAndMetadata.of(10)), (offsets, e) -> async.complete(e));
            Await.until("the asynchronous commit answered NOT_COORDINATOR", Duration.ofSeconds(30),
                    () -> proxy.rewrittenResponses() > rewritten);
            c.commitSync(Map.of(tp, OffsetAndMetadata.of(20)));
            Await.until("the asynchronous commit's callback", Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(50));
                return async.isDone();
            });
            assertEquals(20, c.committed(Set.of(tp)).get(tp).offset(), "the newer commit stands");
        }
    }

    /** An OffsetCommit response with every partition's error NOT_COORDINATOR (the version read from its shape). */
    private static FaultProxy.Rewritten notCoordinator(ByteBuf frame) {
        return ResponseRewrite.changed(frame, OffsetCommitResponse.HIGHEST_SUPPORTED_VERSION, (short) 8, OffsetCommitResponse::read,
                r -> r.topics().forEach(t -> t.partitions().forEach(p -> p.setErrorCode(ErrorCode.NOT_COORDINATOR.code()))));
    }

    /**
     * {@code skein.consumer.fetch.latency} times the fetches that were answered, as Apache Kafka's
     * {@code fetch-latency} does: while every response is lost (half-open link), the fetches that end in
     * the 1 s request timeout are not among its samples, so its maximum stays near {@code fetch.max.wait.ms}.
     */
    @Test
    void fetchLatencyTimesOnlyAnsweredFetches() throws Exception {
        String topic = "fetch-latency";
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        produce(topic, checker);
        checker.assigned("reader", 0, topic, 0);
        FaultProxy proxy = kafka.proxy(1);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string()).meterRegistry(registry)
                .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST)
                .maxPollRecords(50).property("fetch.max.bytes", 4_096).property("fetch.max.wait.ms", 100)
                .requestTimeout(Duration.ofSeconds(1)).build()) {
            c.assign(List.of(new TopicPartition(topic, 0)));
            Runnable read = () -> c.poll(Duration.ofMillis(100))
                    .forEach(r -> checker.received("reader", 0, r.topic(), r.partition(), r.offset(), r.value()));
            Await.until("the first records read", Duration.ofSeconds(30), () -> {
                read.run();
                return checker.counts().get("distinct_read") > 0;
            });
            int requestsBefore = proxy.requests(ApiKey.FETCH.id());
            proxy.halfOpen(true);
            try {
                // A fetch lost to the request timeout, then the link is whole again.
                Await.until("a fetch sent into the half-open link", Duration.ofSeconds(30), () -> {
                    read.run();
                    return proxy.requests(ApiKey.FETCH.id()) > requestsBefore;
                });
                // A request that times out closes its connection, and the consumer connects again.
                int connections = proxy.acceptedConnections();
                Await.until("the lost fetch timed out", Duration.ofSeconds(30), () -> {
                    read.run();
                    return proxy.acceptedConnections() > connections;
                });
            } finally {
                proxy.halfOpen(false);
            }
            Await.until("every record read after the link healed", Duration.ofSeconds(60), () -> {
                read.run();
                return checker.counts().get("distinct_read") >= RECORDS;
            });
        }
        Timer latency = registry.get("skein.consumer.fetch.latency").timer();
        assertTrue(latency.count() > 0, "answered fetches are timed");
        assertTrue(latency.max(TimeUnit.MILLISECONDS) < 900, "no sample of a fetch lost to the 1 s request timeout: max "
                + latency.max(TimeUnit.MILLISECONDS) + " ms over " + latency.count() + " fetches");
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.violations().isEmpty(), report.toString());
    }

    /**
     * Unknown tagged fields (tags 100 and 101, which no version defines) in the header and at the end
     * of five Fetch responses: the consumer skips them, reads on over the same connection, and every
     * record arrives once and in order.
     */
    @Test
    void unknownTaggedFieldsAreSkipped() throws Exception {
        String topic = "tagged";
        DeliveryChecker checker = DeliveryChecker.expecting(DeliveryChecker.Guarantee.EXACTLY_ONCE);
        produce(topic, checker);
        checker.assigned("reader", 0, topic, 0);
        FaultProxy proxy = kafka.proxy(1);
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).offsetReset(OffsetReset.EARLIEST)
                .maxPollRecords(50).property("fetch.max.bytes", 4_096).build()) {
            c.assign(List.of(new TopicPartition(topic, 0)));
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofSeconds(10))) { // connected, reading
                checker.received("reader", 0, r.topic(), r.partition(), r.offset(), r.value());
            }
            int connections = proxy.acceptedConnections();
            int rewritten = proxy.rewrittenResponses();
            proxy.rewriteResponses(ApiKey.FETCH.id(), 5, HostileFetchIT::withUnknownTaggedFields);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (checker.counts().get("distinct_read") < RECORDS && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                    checker.received("reader", 0, r.topic(), r.partition(), r.offset(), r.value());
                }
            }
            assertEquals(rewritten + 5, proxy.rewrittenResponses(), "five responses carried unknown tagged fields");
            assertEquals(connections, proxy.acceptedConnections(), "no reconnect: the fields were skipped, not refused");
        }
        DeliveryChecker.Report report = checker.check();
        assertTrue(report.violations().isEmpty(), report.toString());
    }

    /**
     * The frame with tag 100 (3 bytes) in the response header's tagged fields (header v1: right after
     * the correlation id, empty as the broker sends it) and tag 101 (2 bytes) in the body's last,
     * top-level tagged fields.
     */
    private static FaultProxy.Rewritten withUnknownTaggedFields(ByteBuf f) {
        int start = f.readerIndex();
        int size = f.getInt(start);
        assertEquals(0, f.getByte(start + 8), "the header's tagged fields are empty");
        assertEquals(0, f.getByte(f.writerIndex() - 1), "the body's top-level tagged fields are empty");
        ByteBuf out = Unpooled.buffer(size + 4 + 10);
        out.writeInt(size + 5 + 4);
        out.writeInt(f.getInt(start + 4)); // correlation id
        out.writeBytes(new byte[] {1, 100, 3, 'x', 'y', 'z'});
        out.writeBytes(f, start + 9, f.writerIndex() - 1 - (start + 9));
        out.writeBytes(new byte[] {1, 101, 2, 'a', 'b'});
        return new FaultProxy.Rewritten(out, false);
    }

    /** Where the record batch that ends at {@code end} starts: its length field and magic agree. */
    private static int lastBatchStart(ByteBuf f, int end) {
        for (int at = end - 61; at >= f.readerIndex(); at--) {
            if (at + 12 + f.getInt(at + 8) == end && f.getByte(at + 16) == 2) {
                return at;
            }
        }
        throw new AssertionError("no record batch ends where the Fetch response's partition does");
    }

    private static long crc32c(ByteBuf f, int from, int to) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(f.nioBuffer(from, to - from));
        return crc.getValue();
    }

    /** {@link #RECORDS} records in many small batches, by the reference producer. */
    private static void produce(String topic, DeliveryChecker checker) throws Exception {
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
