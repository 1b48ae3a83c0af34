package dev.skein.admin.internal;

import dev.skein.core.OffsetAndTimestamp;
import dev.skein.admin.OffsetSpec;
import dev.skein.admin.RecordAdmin;
import dev.skein.admin.Results;
import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.DeleteRecordsRequest;
import dev.skein.core.message.DeleteRecordsResponse;
import dev.skein.core.message.ListOffsetsRequest;
import dev.skein.core.message.ListOffsetsResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/** {@link RecordAdmin} on ListOffsets and DeleteRecords, one request per partition leader. */
final class RecordCalls implements RecordAdmin {
    private final Calls calls;

    RecordCalls(Calls calls) {
        this.calls = calls;
    }

    /**
     * Sends one request per leader of the pending partitions and merges the outcomes; a partition
     * without a known leader gets a retriable error (metadata is refreshed before the next round).
     */
    static <V> CompletableFuture<Map<TopicPartition, Calls.Outcome<V>>> perLeader(Calls calls, Set<TopicPartition> pending,
            BiFunction<Integer, List<TopicPartition>, CompletableFuture<Map<TopicPartition, Calls.Outcome<V>>>> send) {
        return calls.describing(TopicPartition.topicsOf(pending)).thenCompose(cluster -> {
            Map<TopicPartition, Calls.Outcome<V>> out = new HashMap<>();
            Map<Integer, List<TopicPartition>> byLeader = new LinkedHashMap<>();
            for (TopicPartition tp : pending) {
                Cluster.TopicInfo topic = cluster.topic(tp.topic());
                if (topic != null && topic.error() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                    out.put(tp, Calls.Outcome.failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.exception("topic " + tp.topic()
                            + " does not exist")));
                    continue;
                }
                if (topic != null && topic.refusal() != null) { // not allowed to describe it, say
                    out.put(tp, Calls.Outcome.failed(topic.refusal().exception("metadata for topic " + tp.topic())));
                    continue;
                }
                Node leader = cluster.leader(tp.topic(), tp.partition());
                if (leader == null) {
                    calls.client().refreshMetadata();
                    out.put(tp, Calls.Outcome.failed(ErrorCode.LEADER_NOT_AVAILABLE.exception("no leader known for " + tp)));
                    continue;
                }
                byLeader.computeIfAbsent(leader.id(), k -> new ArrayList<>()).add(tp);
            }
            return Calls.fanOut(byLeader, out, send);
        });
    }

    @Override
    public Results<TopicPartition, OffsetAndTimestamp> listOffsets(Map<TopicPartition, OffsetSpec> specs) {
        return calls.perItem("list offsets", specs.keySet(), pending -> perLeader(calls, pending, (leader, tps) ->
                calls.<ListOffsetsResponse>toBroker(leader, ApiKey.LIST_OFFSETS, v -> {
                    Map<String, ListOffsetsRequest.ListOffsetsTopic> topics = new LinkedHashMap<>();
                    for (TopicPartition tp : tps) {
                        if (v < 7 && specs.get(tp).equals(OffsetSpec.maxTimestamp())) {
                            // Below v7 the broker would read -3 as a timestamp to search for (KIP-734).
                            throw new UnsupportedVersionException("list offsets of " + tp + " by max timestamp needs"
                                    + " ListOffsets v7 (Apache Kafka 3.0 or newer); broker " + leader + " speaks v" + v,
                                    ErrorCode.UNSUPPORTED_VERSION);
                        }
                        topics.computeIfAbsent(tp.topic(), t -> new ListOffsetsRequest.ListOffsetsTopic().setName(t)
                                .setPartitions(new ArrayList<>())).partitions().add(new ListOffsetsRequest.ListOffsetsPartition()
                                .setPartitionIndex(tp.partition()).setTimestamp(specs.get(tp).wire()).setCurrentLeaderEpoch(-1));
                    }
                    ListOffsetsRequest r = new ListOffsetsRequest().setReplicaId(-1).setIsolationLevel((byte) 0)
                            .setTopics(new ArrayList<>(topics.values()));
                    return v >= 10 ? r.setTimeoutMs(calls.brokerTimeoutMs()) : r;
                }).thenApply(r -> {
                    Map<TopicPartition, Calls.Outcome<OffsetAndTimestamp>> out = new HashMap<>();
                    for (ListOffsetsResponse.ListOffsetsTopicResponse t : r.topics()) {
                        for (ListOffsetsResponse.ListOffsetsPartitionResponse p : t.partitions()) {
                            TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                            ErrorCode code = ErrorCode.forCode(p.errorCode());
                            out.put(tp, code == ErrorCode.NONE
                                    ? Calls.Outcome.ok(new OffsetAndTimestamp(p.offset(), p.timestamp(), p.leaderEpoch()))
                                    : Calls.Outcome.failed(code.exception("list offsets of " + tp)));
                        }
                    }
                    return out;
                })));
    }

    @Override
    public Results<TopicPartition, Long> deleteRecords(Map<TopicPartition, Long> beforeOffsets) {
        return calls.perItem("delete records", beforeOffsets.keySet(), pending -> perLeader(calls, pending, (leader, tps) ->
                calls.<DeleteRecordsResponse>toBroker(leader, ApiKey.DELETE_RECORDS, v -> {
                    Map<String, DeleteRecordsRequest.DeleteRecordsTopic> topics = new LinkedHashMap<>();
                    for (TopicPartition tp : tps) {
                        topics.computeIfAbsent(tp.topic(), t -> new DeleteRecordsRequest.DeleteRecordsTopic().setName(t)
                                .setPartitions(new ArrayList<>())).partitions().add(new DeleteRecordsRequest.DeleteRecordsPartition()
                                .setPartitionIndex(tp.partition()).setOffset(beforeOffsets.get(tp)));
                    }
                    return new DeleteRecordsRequest().setTopics(new ArrayList<>(topics.values()))
                            .setTimeoutMs(calls.brokerTimeoutMs());
                }).thenApply(r -> {
                    Map<TopicPartition, Calls.Outcome<Long>> out = new HashMap<>();
                    for (DeleteRecordsResponse.DeleteRecordsTopicResult t : r.topics()) {
                        for (DeleteRecordsResponse.DeleteRecordsPartitionResult p : t.partitions()) {
                            TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                            ErrorCode code = ErrorCode.forCode(p.errorCode());
                            out.put(tp, code == ErrorCode.NONE ? Calls.Outcome.ok(p.lowWatermark())
                                    : Calls.Outcome.failed(code.exception("delete records of " + tp + " before offset "
                                            + beforeOffsets.get(tp))));
                        }
                    }
                    return out;
                })));
    }
}
