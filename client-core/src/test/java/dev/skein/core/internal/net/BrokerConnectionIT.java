package dev.skein.core.internal.net;

import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.Compression;
import dev.skein.core.ErrorCode;
import dev.skein.core.Header;
import dev.skein.core.errors.OutcomeUnknownException;
import dev.skein.core.errors.ProtocolException;
import dev.skein.core.internal.records.Record;
import dev.skein.core.internal.records.RecordBatch;
import dev.skein.core.internal.records.RecordBatchBuilder;
import dev.skein.core.internal.records.RecordBatchReader;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.CreateTopicsRequest;
import dev.skein.core.message.CreateTopicsResponse;
import dev.skein.core.message.FetchRequest;
import dev.skein.core.message.FetchResponse;
import dev.skein.core.message.ListOffsetsRequest;
import dev.skein.core.message.ListOffsetsResponse;
import dev.skein.core.message.MetadataRequest;
import dev.skein.core.message.MetadataResponse;
import dev.skein.core.message.ProduceRequest;
import dev.skein.core.message.ProduceResponse;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Raw protocol against a real broker: handshake, metadata, topic creation, produce and fetch per codec. */
@ExtendWith(KafkaClusterExtension.class)
class BrokerConnectionIT {
    static ClientResources resources;

    @BeforeAll
    static void start() {
        resources = ClientResources.builder().ioThreads(2).build();
    }

    @AfterAll
    static void stop() {
        resources.close();
    }

    static BrokerConnection connect(String bootstrap, ClientOptions.Builder options) throws Exception {
        String first = bootstrap.split(",")[0];
        int colon = first.lastIndexOf(':');
        InetSocketAddress addr = new InetSocketAddress(first.substring(0, colon), Integer.parseInt(first.substring(colon + 1)));
        return BrokerConnection.connect(resources, options.bootstrapServers(bootstrap).build(), -1, addr)
                .get(30, TimeUnit.SECONDS);
    }

    static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    /**
     * The broker's metadata for a topic just created, once it has the topic: CreateTopics answers when
     * the controller has it, and the broker's own metadata may lag a moment behind.
     */
    static MetadataResponse described(BrokerConnection conn, String topic) {
        MetadataResponse[] last = new MetadataResponse[1];
        Await.until(topic + " in the broker's metadata", Duration.ofSeconds(30), () -> {
            last[0] = await(conn.send(new MetadataRequest().setTopics(List.of(
                    new MetadataRequest.MetadataRequestTopic().setName(topic)))));
            return last[0].topics().get(0).errorCode() == ErrorCode.NONE.code();
        });
        // The broker publishes a new topic in its metadata before it has taken up the partition's
        // leadership; until then a write (sent once, here) is refused NOT_LEADER_OR_FOLLOWER. ListOffsets
        // needs the leadership too and changes nothing: wait until it answers.
        Await.until(topic + "-0 led by the broker", Duration.ofSeconds(30), () -> {
            ListOffsetsResponse r = await(conn.send(new ListOffsetsRequest().setReplicaId(-1).setTopics(List.of(
                    new ListOffsetsRequest.ListOffsetsTopic().setName(topic).setPartitions(List.of(
                            new ListOffsetsRequest.ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1L)))))));
            return r.topics().get(0).partitions().get(0).errorCode() == ErrorCode.NONE.code();
        });
        return last[0];
    }

    @Test
    void negotiatesVersionsAndProducesAndFetchesABatchInEveryCodec(KafkaCluster kafka) throws Exception {
        BrokerConnection conn = connect(kafka.bootstrapServers(), ClientOptions.builder());
        try {
            assertEquals(ApiKey.FETCH.highestStableVersion(), conn.versions().version(ApiKey.FETCH),
                    "a 4.3 broker speaks our highest Fetch");
            String topic = "core-raw-" + UUID.randomUUID();
            CreateTopicsResponse created = await(conn.send(new CreateTopicsRequest().setTimeoutMs(30_000).setTopics(List.of(
                    new CreateTopicsRequest.CreatableTopic().setName(topic).setNumPartitions(1).setReplicationFactor((short) 1)))));
            assertEquals(ErrorCode.NONE.code(), created.topics().get(0).errorCode(), created.toString());

            MetadataResponse md = described(conn, topic);
            MetadataResponse.MetadataResponseTopic t = md.topics().get(0);
            assertEquals(ErrorCode.NONE.code(), t.errorCode());
            assertNotEquals(new UUID(0, 0), t.topicId());
            assertEquals(1, md.brokers().size());
            UUID topicId = t.topicId();

            long expectedOffset = 0;
            for (Compression codec : Compression.values()) {
                RecordBatchBuilder b = new RecordBatchBuilder(resources.allocator(), codec, 1_000L, 512);
                for (int i = 0; i < 25; i++) {
                    b.append(1_000L + i, bytes(codec + "-k" + i), bytes(codec + "-v" + i + "-" + "z".repeat(i)),
                            new Header[] {new Header("codec", bytes(codec.configName()))});
                }
                ByteBuf batch = b.build();
                ProduceRequest produce = new ProduceRequest().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(List.of(
                        new ProduceRequest.TopicProduceData().setName(topic).setTopicId(topicId).setPartitionData(List.of(
                                new ProduceRequest.PartitionProduceData().setIndex(0).setRecords(batch)))));
                ProduceResponse pr;
                try {
                    pr = await(conn.send(produce, conn.versions().version(ApiKey.PRODUCE)));
                } finally {
                    batch.release();
                }
                ProduceResponse.PartitionProduceResponse part = pr.responses().get(0).partitionResponses().get(0);
                assertEquals(ErrorCode.NONE.code(), part.errorCode(), codec + ": " + part);
                assertEquals(expectedOffset, part.baseOffset(), codec.toString());

                List<Record> fetched = new ArrayList<>();
                FetchResponse fr = await(conn.send(new FetchRequest().setReplicaId(-1).setMaxWaitMs(100).setMinBytes(1)
                        .setMaxBytes(1 << 20).setSessionEpoch(-1).setTopics(List.of(new FetchRequest.FetchTopic()
                                .setTopic(topic).setTopicId(topicId).setPartitions(List.of(new FetchRequest.FetchPartition()
                                        .setPartition(0).setFetchOffset(expectedOffset).setPartitionMaxBytes(1 << 20)))))));
                try {
                    FetchResponse.PartitionData pd = fr.responses().get(0).partitions().get(0);
                    assertEquals(ErrorCode.NONE.code(), pd.errorCode());
                    List<RecordBatch> batches = RecordBatchReader.batches(pd.records(), topic, 0, true);
                    assertEquals(1, batches.size());
                    assertEquals(codec, batches.get(0).compression(), "the broker kept our codec");
                    ByteBuf[] holder = new ByteBuf[1];
                    try {
                        for (Record r : batches.get(0).records(resources.allocator(), 1 << 24, holder)) {
                            int i = (int) (r.offset() - expectedOffset);
                            assertArrayEquals(bytes(codec + "-k" + i), ByteBufUtil.getBytes(r.key()));
                            assertArrayEquals(bytes(codec + "-v" + i + "-" + "z".repeat(i)), ByteBufUtil.getBytes(r.value()));
                            assertEquals(1_000L + i, r.timestamp());
                            assertEquals(List.of(new Header("codec", bytes(codec.configName()))), r.headers());
                            fetched.add(r);
                        }
                    } finally {
                        holder[0].release();
                    }
                } finally {
                    fr.releaseRecords();
                }
                assertEquals(25, fetched.size(), codec.toString());
                expectedOffset += 25;
            }
        } finally {
            conn.close();
        }
    }

    @Test
    void anOversizedResponseFailsOnlyItsRequest(KafkaCluster kafka) throws Exception {
        BrokerConnection conn = connect(kafka.bootstrapServers(), ClientOptions.builder().maxResponseBytes(4096));
        try {
            String topic = "core-big-" + UUID.randomUUID();
            await(conn.send(new CreateTopicsRequest().setTimeoutMs(30_000).setTopics(List.of(
                    new CreateTopicsRequest.CreatableTopic().setName(topic).setNumPartitions(1).setReplicationFactor((short) 1)))));
            UUID topicId = described(conn, topic).topics().get(0).topicId();
            RecordBatchBuilder b = new RecordBatchBuilder(resources.allocator(), Compression.NONE, 0L, 16_384);
            b.append(0L, null, new byte[10_000], null);
            ByteBuf batch = b.build();
            try {
                ProduceResponse pr = await(conn.send(new ProduceRequest().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(List.of(
                        new ProduceRequest.TopicProduceData().setName(topic).setTopicId(topicId).setPartitionData(List.of(
                                new ProduceRequest.PartitionProduceData().setIndex(0).setRecords(batch)))))));
                assertEquals(0, pr.responses().get(0).partitionResponses().get(0).errorCode());
            } finally {
                batch.release();
            }
            CompletableFuture<FetchResponse> big = conn.send(new FetchRequest().setReplicaId(-1).setMaxWaitMs(100).setMinBytes(1)
                    .setMaxBytes(1 << 20).setSessionEpoch(-1).setTopics(List.of(new FetchRequest.FetchTopic()
                            .setTopic(topic).setTopicId(topicId).setPartitions(List.of(new FetchRequest.FetchPartition()
                                    .setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20))))));
            ExecutionException e = assertThrows(ExecutionException.class, () -> big.get(30, TimeUnit.SECONDS));
            assertInstanceOf(ProtocolException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("over the maximum of 4096"), e.getCause().getMessage());
            MetadataResponse after = await(conn.send(new MetadataRequest().setTopics(List.of())));
            assertEquals(1, after.brokers().size(), "the connection still serves requests");
        } finally {
            conn.close();
        }
    }

    @Test
    void aDroppedResponseIsOutcomeUnknownAndATimeoutClosesTheConnection(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        BrokerConnection conn = connect(kafka.bootstrapServers(),
                ClientOptions.builder().requestTimeout(Duration.ofSeconds(2)));
        kafka.proxy(1).dropResponses(ApiKey.METADATA.id(), 1);
        ExecutionException dropped = assertThrows(ExecutionException.class,
                () -> conn.send(new MetadataRequest().setTopics(List.of())).get(30, TimeUnit.SECONDS));
        assertInstanceOf(OutcomeUnknownException.class, dropped.getCause());
        conn.closeFuture().get(10, TimeUnit.SECONDS);

        BrokerConnection second = connect(kafka.bootstrapServers(),
                ClientOptions.builder().requestTimeout(Duration.ofSeconds(2)));
        kafka.proxy(1).blackHole(true);
        ExecutionException timedOut = assertThrows(ExecutionException.class,
                () -> second.send(new MetadataRequest().setTopics(List.of())).get(30, TimeUnit.SECONDS));
        assertInstanceOf(OutcomeUnknownException.class, timedOut.getCause());
        assertTrue(timedOut.getCause().getMessage().contains("no response within"), timedOut.getCause().getMessage());
        second.closeFuture().get(10, TimeUnit.SECONDS);
        kafka.proxy(1).heal();
    }

    @Test
    void pipelinedRequestsBeyondTheInFlightCapAllComplete(KafkaCluster kafka) throws Exception {
        BrokerConnection conn = connect(kafka.bootstrapServers(), ClientOptions.builder().maxInFlight(2));
        try {
            List<CompletableFuture<MetadataResponse>> all = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                all.add(conn.send(new MetadataRequest().setTopics(List.of())));
            }
            for (CompletableFuture<MetadataResponse> f : all) {
                assertEquals(1, await(f).brokers().size());
            }
        } finally {
            conn.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
