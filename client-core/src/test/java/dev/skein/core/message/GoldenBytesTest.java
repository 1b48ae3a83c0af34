package dev.skein.core.message;

import io.netty.buffer.ByteBufUtil;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Golden bytes for the APIs the SDK sends most, at their lowest, first flexible and highest
 * versions. Each message is built twice, independently: once with our classes, once with Apache
 * Kafka's, and the two encodings must be identical.
 */
class GoldenBytesTest {
    private static final UUID TOPIC_ID = new UUID(0x1122334455667788L, 0x99aabbccddeeff00L);
    private static final byte[] RECORDS = {0, 1, 2, 3, 4, 5, 6, 7};

    @Test
    void apiVersionsRequest() {
        for (short v : versions(ApiKey.API_VERSIONS)) {
            ApiVersionsRequest ours = new ApiVersionsRequest();
            ApiVersionsRequestData ref = new ApiVersionsRequestData();
            if (v >= 3) {
                ours.setClientSoftwareName("skein").setClientSoftwareVersion("0.1.0");
                ref.setClientSoftwareName("skein").setClientSoftwareVersion("0.1.0");
            }
            assertSame(ref, ours, v);
        }
    }

    /** KIP-1242 (Kafka 4.4): v5 names the cluster and node the client means to reach. */
    @Test
    void apiVersionsRequestV5CarriesTheClusterIdAndNodeId() {
        ApiVersionsRequest ours = new ApiVersionsRequest().setClientSoftwareName("skein").setClientSoftwareVersion("0.1.0")
                .setClusterId("MkU3OEVBNTcwNTJENDM2Qk").setNodeId(3);
        ApiVersionsRequestData ref = new ApiVersionsRequestData().setClientSoftwareName("skein")
                .setClientSoftwareVersion("0.1.0").setClusterId("MkU3OEVBNTcwNTJENDM2Qk").setNodeId(3);
        assertSame(ref, ours, (short) 5);
        // ignorable: a lower version leaves them out, as a broker below 4.4 must not see them
        assertSame(new ApiVersionsRequestData().setClientSoftwareName("skein").setClientSoftwareVersion("0.1.0"), ours, (short) 4);
        ApiVersionsRequest back = ApiVersionsRequest.read(io.netty.buffer.Unpooled.wrappedBuffer(RandomMessages.encode(ours, (short) 5)), (short) 5);
        assertEquals("MkU3OEVBNTcwNTJENDM2Qk", back.clusterId());
        assertEquals(3, back.nodeId());
    }

    /** KIP-1319 (Kafka 4.4): TxnOffsetCommit v6 carries topic ids instead of names; v5 still names them. */
    @Test
    void txnOffsetCommitRequestV6CarriesTopicIdsAndV5Names() {
        for (short v : new short[] {5, 6}) {
            TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic topic = new TxnOffsetCommitRequest.TxnOffsetCommitRequestTopic()
                    .setPartitions(List.of(new TxnOffsetCommitRequest.TxnOffsetCommitRequestPartition().setPartitionIndex(3)
                            .setCommittedOffset(42).setCommittedLeaderEpoch(7).setCommittedMetadata("")));
            TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic refTopic = new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic()
                    .setPartitions(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition().setPartitionIndex(3)
                            .setCommittedOffset(42).setCommittedLeaderEpoch(7).setCommittedMetadata("")));
            if (v >= 6) {
                topic.setTopicId(TOPIC_ID);
                refTopic.setTopicId(refUuid(TOPIC_ID));
            } else {
                topic.setName("orders");
                refTopic.setName("orders");
            }
            TxnOffsetCommitRequest ours = new TxnOffsetCommitRequest().setTransactionalId("tx").setGroupId("g")
                    .setProducerId(7).setProducerEpoch((short) 1).setGenerationIdOrMemberEpoch(5).setMemberId("m")
                    .setTopics(List.of(topic));
            TxnOffsetCommitRequestData ref = new TxnOffsetCommitRequestData().setTransactionalId("tx").setGroupId("g")
                    .setProducerId(7).setProducerEpoch((short) 1).setGenerationIdOrMemberEpoch(5).setMemberId("m")
                    .setTopics(List.of(refTopic));
            assertSame(ref, ours, v);
        }
    }

    /** A v6 answer names its topics by id: what the producer maps back to the offsets it sent. */
    @Test
    void txnOffsetCommitResponseV6IsReadByTopicId() {
        TxnOffsetCommitResponseData ref = new TxnOffsetCommitResponseData().setTopics(List.of(
                new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setTopicId(refUuid(TOPIC_ID)).setPartitions(List.of(
                        new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition().setPartitionIndex(3)
                                .setErrorCode((short) 100)))));
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer bytes = ByteBuffer.allocate(ref.size(cache, (short) 6));
        ref.write(new ByteBufferAccessor(bytes), cache, (short) 6);
        TxnOffsetCommitResponse ours = TxnOffsetCommitResponse.read(io.netty.buffer.Unpooled.wrappedBuffer(bytes.array()), (short) 6);
        assertEquals(TOPIC_ID, ours.topics().get(0).topicId());
        assertEquals(100, ours.topics().get(0).partitions().get(0).errorCode(), "UNKNOWN_TOPIC_ID");
    }

    @Test
    void metadataRequest() {
        for (short v : versions(ApiKey.METADATA)) {
            MetadataRequest ours = new MetadataRequest().setTopics(List.of(
                    new MetadataRequest.MetadataRequestTopic().setName("orders")));
            MetadataRequestData ref = new MetadataRequestData().setTopics(List.of(
                    new MetadataRequestData.MetadataRequestTopic().setName("orders")));
            if (v >= 4) {
                ours.setAllowAutoTopicCreation(false);
                ref.setAllowAutoTopicCreation(false);
            }
            assertSame(ref, ours, v);
        }
    }

    @Test
    void produceRequest() {
        for (short v : versions(ApiKey.PRODUCE)) {
            ProduceRequest ours = new ProduceRequest().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(List.of(
                    new ProduceRequest.TopicProduceData().setName(v < 13 ? "orders" : "").setTopicId(v >= 13 ? TOPIC_ID : new UUID(0, 0))
                            .setPartitionData(List.of(new ProduceRequest.PartitionProduceData().setIndex(3)
                                    .setRecords(io.netty.buffer.Unpooled.wrappedBuffer(RECORDS))))));
            ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
            ProduceRequestData.TopicProduceData td = new ProduceRequestData.TopicProduceData()
                    .setPartitionData(List.of(new ProduceRequestData.PartitionProduceData().setIndex(3)
                            .setRecords(MemoryRecords.readableRecords(ByteBuffer.wrap(RECORDS)))));
            if (v < 13) {
                td.setName("orders");
            } else {
                td.setTopicId(refUuid(TOPIC_ID));
            }
            topics.add(td);
            ProduceRequestData ref = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(topics);
            assertSame(ref, ours, v);
        }
    }

    @Test
    void fetchRequest() {
        for (short v : versions(ApiKey.FETCH)) {
            FetchRequest ours = new FetchRequest().setMaxWaitMs(500).setMinBytes(1).setMaxBytes(1 << 20)
                    .setSessionEpoch(-1).setTopics(List.of(new FetchRequest.FetchTopic()
                            .setTopic(v < 13 ? "orders" : "").setTopicId(v >= 13 ? TOPIC_ID : new UUID(0, 0))
                            .setPartitions(List.of(new FetchRequest.FetchPartition().setPartition(3).setFetchOffset(42)
                                    .setPartitionMaxBytes(65536)))));
            FetchRequestData.FetchTopic ft = new FetchRequestData.FetchTopic().setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(3).setFetchOffset(42).setPartitionMaxBytes(65536)));
            if (v < 13) {
                ft.setTopic("orders");
            } else {
                ft.setTopicId(refUuid(TOPIC_ID));
            }
            FetchRequestData ref = new FetchRequestData().setMaxWaitMs(500).setMinBytes(1).setMaxBytes(1 << 20)
                    .setSessionEpoch(-1).setTopics(List.of(ft));
            if (v < 15) {
                ours.setReplicaId(-1);
                ref.setReplicaId(-1);
            }
            assertSame(ref, ours, v);
        }
    }

    /** Lowest, first flexible and highest version of an API. */
    private static short[] versions(ApiKey key) {
        ApiKeys ref = ApiKeys.forId(key.id());
        short firstFlexible = key.lowestVersion();
        while (firstFlexible < key.highestVersion() && ref.requestHeaderVersion(firstFlexible) < 2) {
            firstFlexible++;
        }
        return new short[] {key.lowestVersion(), firstFlexible, key.highestVersion()};
    }

    private static void assertSame(org.apache.kafka.common.protocol.Message ref, Message ours, short v) {
        ObjectSerializationCache cache = new ObjectSerializationCache();
        ByteBuffer expected = ByteBuffer.allocate(ref.size(cache, v));
        ref.write(new ByteBufferAccessor(expected), cache, v);
        assertEquals(ByteBufUtil.hexDump(expected.array()), ByteBufUtil.hexDump(RandomMessages.encode(ours, v)),
                ours.getClass().getSimpleName() + " v" + v);
    }

    private static Uuid refUuid(UUID u) {
        return new Uuid(u.getMostSignificantBits(), u.getLeastSignificantBits());
    }
}
