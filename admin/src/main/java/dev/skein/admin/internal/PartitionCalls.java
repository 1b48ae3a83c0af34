package dev.skein.admin.internal;

import dev.skein.admin.ElectionType;
import dev.skein.admin.PartitionAdmin;
import dev.skein.admin.Reassignment;
import dev.skein.admin.Results;
import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.message.AlterPartitionReassignmentsRequest;
import dev.skein.core.message.AlterPartitionReassignmentsResponse;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ElectLeadersRequest;
import dev.skein.core.message.ElectLeadersResponse;
import dev.skein.core.message.ListPartitionReassignmentsRequest;
import dev.skein.core.message.ListPartitionReassignmentsResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** {@link PartitionAdmin} on ElectLeaders, AlterPartitionReassignments and ListPartitionReassignments. */
final class PartitionCalls implements PartitionAdmin {
    private final Calls calls;

    PartitionCalls(Calls calls) {
        this.calls = calls;
    }

    @Override
    public Results<TopicPartition, Void> electLeaders(ElectionType type, Collection<TopicPartition> partitions) {
        return calls.perItem("elect leaders", partitions, pending -> calls.<ElectLeadersResponse>toController(
                ApiKey.ELECT_LEADERS, v -> {
                    Map<String, ElectLeadersRequest.TopicPartitions> topics = new LinkedHashMap<>();
                    pending.forEach(tp -> topics.computeIfAbsent(tp.topic(), t -> new ElectLeadersRequest.TopicPartitions()
                            .setTopic(t).setPartitions(new ArrayList<>())).partitions().add(tp.partition()));
                    return new ElectLeadersRequest().setElectionType(type.code()).setTopicPartitions(new ArrayList<>(topics.values()))
                            .setTimeoutMs(calls.brokerTimeoutMs());
                }).thenApply(r -> {
                    ErrorCode top = ErrorCode.forCode(r.errorCode());
                    if (top != ErrorCode.NONE) {
                        throw top.exception("elect leaders");
                    }
                    Map<TopicPartition, Calls.Outcome<Void>> out = new HashMap<>();
                    for (ElectLeadersResponse.ReplicaElectionResult t : r.replicaElectionResults()) {
                        for (ElectLeadersResponse.PartitionResult p : t.partitionResult()) {
                            TopicPartition tp = new TopicPartition(t.topic(), p.partitionId());
                            ErrorCode code = ErrorCode.forCode(p.errorCode());
                            out.put(tp, code == ErrorCode.ELECTION_NOT_NEEDED ? Calls.Outcome.ok(null)
                                    : TopicCalls.outcome(p.errorCode(), type.name().toLowerCase() + " election for " + tp,
                                            p.errorMessage()));
                        }
                    }
                    return out;
                }));
    }

    @Override
    public Results<TopicPartition, Void> reassign(Map<TopicPartition, List<Integer>> targets) {
        return alter(targets.keySet(), targets, "reassign");
    }

    @Override
    public Results<TopicPartition, Void> cancelReassignments(Collection<TopicPartition> partitions) {
        return alter(partitions, Map.of(), "cancel the reassignment of");
    }

    /** Replicas null (absent from {@code targets}) cancels. */
    private Results<TopicPartition, Void> alter(Collection<TopicPartition> partitions, Map<TopicPartition, List<Integer>> targets,
                                                String what) {
        return calls.perItem(what + " partitions", partitions, pending -> calls.<AlterPartitionReassignmentsResponse>toController(
                ApiKey.ALTER_PARTITION_REASSIGNMENTS, v -> {
                    Map<String, AlterPartitionReassignmentsRequest.ReassignableTopic> topics = new LinkedHashMap<>();
                    for (TopicPartition tp : pending) {
                        List<Integer> replicas = targets.get(tp);
                        topics.computeIfAbsent(tp.topic(), t -> new AlterPartitionReassignmentsRequest.ReassignableTopic()
                                .setName(t).setPartitions(new ArrayList<>())).partitions().add(
                                        new AlterPartitionReassignmentsRequest.ReassignablePartition()
                                                .setPartitionIndex(tp.partition())
                                                .setReplicas(replicas == null ? null : new ArrayList<>(replicas)));
                    }
                    return new AlterPartitionReassignmentsRequest().setTimeoutMs(calls.brokerTimeoutMs())
                            .setTopics(new ArrayList<>(topics.values()));
                }).thenApply(r -> {
                    ErrorCode top = ErrorCode.forCode(r.errorCode());
                    if (top != ErrorCode.NONE) {
                        throw top.exception(what + " partitions", r.errorMessage());
                    }
                    Map<TopicPartition, Calls.Outcome<Void>> out = new HashMap<>();
                    for (AlterPartitionReassignmentsResponse.ReassignableTopicResponse t : r.responses()) {
                        for (AlterPartitionReassignmentsResponse.ReassignablePartitionResponse p : t.partitions()) {
                            TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                            out.put(tp, TopicCalls.outcome(p.errorCode(), what + " " + tp, p.errorMessage()));
                        }
                    }
                    return out;
                }));
    }

    @Override
    public CompletableFuture<Map<TopicPartition, Reassignment>> listReassignments() {
        return calls.retrying("list reassignments", () -> calls.<ListPartitionReassignmentsResponse>toController(
                ApiKey.LIST_PARTITION_REASSIGNMENTS, v -> new ListPartitionReassignmentsRequest()
                        .setTimeoutMs(calls.brokerTimeoutMs()).setTopics(null)).thenApply(r -> {
                            ErrorCode top = ErrorCode.forCode(r.errorCode());
                            if (top != ErrorCode.NONE) {
                                throw top.exception("list reassignments", r.errorMessage());
                            }
                            Map<TopicPartition, Reassignment> out = new LinkedHashMap<>();
                            r.topics().forEach(t -> t.partitions().forEach(p -> out.put(new TopicPartition(t.name(),
                                    p.partitionIndex()), new Reassignment(List.copyOf(p.replicas()),
                                    List.copyOf(p.addingReplicas()), List.copyOf(p.removingReplicas())))));
                            return out;
                        }));
    }
}
