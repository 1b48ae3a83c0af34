package dev.skein.admin.internal;

import dev.skein.admin.AclOperation;
import dev.skein.admin.GroupListing;
import dev.skein.admin.GroupType;
import dev.skein.admin.Results;
import dev.skein.admin.StreamsGroupAdmin;
import dev.skein.admin.StreamsGroupDescription;
import dev.skein.core.ErrorCode;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.StreamsGroupDescribeRequest;
import dev.skein.core.message.StreamsGroupDescribeResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * {@link StreamsGroupAdmin}: ListGroups with the "streams" type filter on every broker (through
 * {@link GroupCalls}); StreamsGroupDescribe at the group's coordinator.
 */
final class StreamsGroupCalls implements StreamsGroupAdmin {
    private static final byte GROUP = 0;

    private final Calls calls;
    private final GroupCalls groups;

    StreamsGroupCalls(Calls calls, GroupCalls groups) {
        this.calls = calls;
        this.groups = groups;
    }

    @Override
    public CompletableFuture<List<GroupListing>> list() {
        return groups.list(Set.of(GroupType.STREAMS));
    }

    /** Sends to the coordinator {@code node} when it serves {@code api} (the streams-group APIs came with Kafka 4.1). */
    private <R extends ApiMessage> CompletableFuture<R> send(int node, ApiKey api, IntFunction<ApiMessage> build) {
        return calls.client().versions(node).thenCompose(versions -> versions.supports(api)
                ? calls.<R>toBroker(node, api, build)
                : CompletableFuture.failedFuture(new UnsupportedVersionException(api.displayName() + " is not served by"
                        + " broker " + node + ": streams groups (KIP-1071) need Apache Kafka 4.2 or newer")));
    }

    private <T> Calls.Outcome<T> failure(ErrorCode code, String group, String what, String brokerMessage) {
        if (code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE) {
            calls.forgetCoordinator(GROUP, group);
        }
        String detail = switch (code) {
            // Also what a consumer or share group's id gets: groups of all types share one namespace.
            case GROUP_ID_NOT_FOUND -> "no streams group " + group;
            case UNSUPPORTED_VERSION -> what + " of streams group " + group + ": streams groups are not enabled on"
                    + " this cluster (feature streams.version)";
            default -> what + " of streams group " + group;
        };
        return Calls.Outcome.failed(code.exception(detail, brokerMessage));
    }

    // ---- describe ----

    @Override
    public Results<String, StreamsGroupDescription> describe(Collection<String> groupIds) {
        return calls.perItem("describe streams groups", groupIds, pending -> GroupCalls.eachGroup(pending, g ->
                calls.coordinator(GROUP, g).thenCompose(node -> describeAt(node, g))));
    }

    private CompletableFuture<Calls.Outcome<StreamsGroupDescription>> describeAt(int node, String g) {
        // The full topology description (v1, KIP-1331) is left out: the subtopologies say what an admin needs.
        return this.<StreamsGroupDescribeResponse>send(node, ApiKey.STREAMS_GROUP_DESCRIBE, v -> new StreamsGroupDescribeRequest()
                .setGroupIds(List.of(g)).setIncludeAuthorizedOperations(true)).thenApply(r -> {
                    StreamsGroupDescribeResponse.DescribedGroup d = r.groups().get(0);
                    ErrorCode code = ErrorCode.forCode(d.errorCode());
                    if (code != ErrorCode.NONE) {
                        return failure(code, g, "describe", d.errorMessage());
                    }
                    List<StreamsGroupDescription.Subtopology> subtopologies = new ArrayList<>();
                    int topologyEpoch = -1;
                    if (d.topology() != null) {
                        topologyEpoch = d.topology().epoch();
                        if (d.topology().subtopologies() != null) { // null: not initialized yet
                            for (StreamsGroupDescribeResponse.Subtopology s : d.topology().subtopologies()) {
                                subtopologies.add(new StreamsGroupDescription.Subtopology(s.subtopologyId(),
                                        List.copyOf(s.sourceTopics()), List.copyOf(s.repartitionSinkTopics()),
                                        internalTopics(s.stateChangelogTopics()), internalTopics(s.repartitionSourceTopics())));
                            }
                        }
                    }
                    List<StreamsGroupDescription.Member> members = new ArrayList<>();
                    for (StreamsGroupDescribeResponse.Member m : d.members()) {
                        members.add(new StreamsGroupDescription.Member(m.memberId(), m.memberEpoch(), m.instanceId(),
                                m.rackId(), m.clientId(), m.clientHost(), m.topologyEpoch(), m.processId(),
                                assignment(m.assignment()), assignment(m.targetAssignment()), m.isClassic()));
                    }
                    return Calls.Outcome.ok(new StreamsGroupDescription(g, d.groupState(), d.groupEpoch(),
                            d.assignmentEpoch(), topologyEpoch, List.copyOf(subtopologies),
                            calls.client().cluster().broker(node), List.copyOf(members),
                            AclOperation.fromBits(d.authorizedOperations())));
                });
    }

    private static List<StreamsGroupDescription.InternalTopic> internalTopics(List<StreamsGroupDescribeResponse.TopicInfo> topics) {
        List<StreamsGroupDescription.InternalTopic> out = new ArrayList<>();
        for (StreamsGroupDescribeResponse.TopicInfo t : topics) {
            Map<String, String> configs = new LinkedHashMap<>();
            t.topicConfigs().forEach(kv -> configs.put(kv.key(), kv.value()));
            out.add(new StreamsGroupDescription.InternalTopic(t.name(), t.partitions(), t.replicationFactor(),
                    Map.copyOf(configs)));
        }
        return List.copyOf(out);
    }

    private static StreamsGroupDescription.Assignment assignment(StreamsGroupDescribeResponse.Assignment a) {
        if (a == null) {
            return new StreamsGroupDescription.Assignment(Map.of(), Map.of(), Map.of());
        }
        return new StreamsGroupDescription.Assignment(tasks(a.activeTasks()), tasks(a.standbyTasks()), tasks(a.warmupTasks()));
    }

    /** Subtopology id to its partitions; a subtopology with no partitions listed is left out. */
    private static Map<String, Set<Integer>> tasks(List<StreamsGroupDescribeResponse.TaskIds> ids) {
        Map<String, Set<Integer>> out = new LinkedHashMap<>();
        if (ids != null) {
            for (StreamsGroupDescribeResponse.TaskIds t : ids) {
                if (!t.partitions().isEmpty()) {
                    out.computeIfAbsent(t.subtopologyId(), k -> new TreeSet<>()).addAll(t.partitions());
                }
            }
        }
        Map<String, Set<Integer>> frozen = new LinkedHashMap<>();
        out.forEach((k, v) -> frozen.put(k, Set.copyOf(v)));
        return Map.copyOf(frozen);
    }

    // ---- offsets and delete: GroupAdmin's calls, once the group is found to be a streams group ----

    /**
     * Completes when {@code groupId} is described as a streams group, else fails as describe does
     * ({@code GROUP_ID_NOT_FOUND} for a group of another type): OffsetCommit and DeleteGroups act on a
     * group of any type, and an OffsetCommit to an id no group has would make a classic group of it.
     */
    private CompletableFuture<Void> streamsGroup(String groupId) {
        return describe(List.of(groupId)).get(groupId).thenApply(d -> null);
    }

    /** {@code call}'s results once {@code groupId} is a streams group; each item fails as the check does otherwise. */
    private <K, V> Results<K, V> whenStreamsGroup(String groupId, Collection<K> items, Supplier<Results<K, V>> call) {
        Map<K, CompletableFuture<V>> out = new LinkedHashMap<>();
        items.forEach(k -> out.put(k, new CompletableFuture<>()));
        streamsGroup(groupId).thenApply(v -> call.get()).whenComplete((results, e) -> {
            if (e != null) {
                out.values().forEach(f -> f.completeExceptionally(Calls.unwrap(e)));
                return;
            }
            results.byItem().forEach((k, f) -> f.whenComplete((value, failed) -> {
                if (failed != null) {
                    out.get(k).completeExceptionally(Calls.unwrap(failed));
                } else {
                    out.get(k).complete(value);
                }
            }));
        });
        return new Results<>(out);
    }

    @Override
    public CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> offsets(String groupId) {
        return streamsGroup(groupId).thenCompose(v -> groups.offsets(groupId));
    }

    @Override
    public Results<TopicPartition, Void> alterOffsets(String groupId, Map<TopicPartition, OffsetAndMetadata> offsets) {
        Map<TopicPartition, OffsetAndMetadata> copy = Map.copyOf(offsets);
        return whenStreamsGroup(groupId, copy.keySet(), () -> groups.alterOffsets(groupId, copy));
    }

    @Override
    public Results<TopicPartition, Void> deleteOffsets(String groupId, Collection<TopicPartition> partitions) {
        List<TopicPartition> copy = List.copyOf(partitions);
        return whenStreamsGroup(groupId, copy, () -> groups.deleteOffsets(groupId, copy));
    }

    /** Each group is described first, so a consumer or share group of that name is never deleted here. */
    @Override
    public Results<String, Void> delete(Collection<String> groupIds) {
        Map<String, CompletableFuture<Void>> out = new LinkedHashMap<>();
        for (String g : groupIds) {
            out.computeIfAbsent(g, id -> whenStreamsGroup(id, List.of(id), () -> groups.delete(List.of(id))).get(id));
        }
        return new Results<>(out);
    }
}
