package dev.skein.admin.internal;

import dev.skein.admin.AclOperation;
import dev.skein.admin.GroupListing;
import dev.skein.admin.GroupType;
import dev.skein.admin.OffsetSpec;
import dev.skein.admin.RecordAdmin;
import dev.skein.admin.Results;
import dev.skein.admin.ShareGroupAdmin;
import dev.skein.admin.ShareGroupDescription;
import dev.skein.admin.ShareGroupOffset;
import dev.skein.core.ErrorCode;
import dev.skein.core.OffsetAndTimestamp;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.message.AlterShareGroupOffsetsRequest;
import dev.skein.core.message.AlterShareGroupOffsetsResponse;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.DeleteGroupsRequest;
import dev.skein.core.message.DeleteGroupsResponse;
import dev.skein.core.message.DeleteShareGroupOffsetsRequest;
import dev.skein.core.message.DeleteShareGroupOffsetsResponse;
import dev.skein.core.message.DescribeShareGroupOffsetsRequest;
import dev.skein.core.message.DescribeShareGroupOffsetsResponse;
import dev.skein.core.message.ShareGroupDescribeRequest;
import dev.skein.core.message.ShareGroupDescribeResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;

/**
 * {@link ShareGroupAdmin}: ListGroups with the "share" type filter on every broker (through
 * {@link GroupCalls}); ShareGroupDescribe, DescribeShareGroupOffsets, AlterShareGroupOffsets,
 * DeleteShareGroupOffsets and DeleteGroups at the group's coordinator. A reset is ListOffsets at the
 * partition leaders, then an alter.
 */
final class ShareGroupCalls implements ShareGroupAdmin {
    private static final byte GROUP = 0;

    private final Calls calls;
    private final GroupCalls groups;
    private final RecordAdmin records;

    ShareGroupCalls(Calls calls, GroupCalls groups, RecordAdmin records) {
        this.calls = calls;
        this.groups = groups;
        this.records = records;
    }

    @Override
    public CompletableFuture<List<GroupListing>> list() {
        return groups.list(Set.of(GroupType.SHARE));
    }

    /**
     * Sends to the coordinator {@code node} when it serves {@code api}: the share-group APIs came with
     * Kafka 4.1 (4.0's early-access ShareGroupDescribe v0 was withdrawn, and this client does not speak it).
     */
    private <R extends ApiMessage> CompletableFuture<R> send(int node, ApiKey api, IntFunction<ApiMessage> build) {
        return calls.client().versions(node).thenCompose(versions -> versions.supports(api)
                ? calls.<R>toBroker(node, api, build)
                : CompletableFuture.failedFuture(new UnsupportedVersionException(api.displayName() + " is not served by"
                        + " broker " + node + ": share groups (KIP-932) need Apache Kafka 4.1 or newer")));
    }

    private <T> Calls.Outcome<T> failure(ErrorCode code, String group, String what, String brokerMessage) {
        if (code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE) {
            calls.forgetCoordinator(GROUP, group);
        }
        String detail = switch (code) {
            // Also what a consumer group's id gets: groups of all types share one namespace.
            case GROUP_ID_NOT_FOUND -> "no share group " + group;
            case NON_EMPTY_GROUP -> what + " of share group " + group + " needs a group without active members"
                    + " (stop its consumers first)";
            case UNSUPPORTED_VERSION -> what + " of share group " + group + ": share groups are not enabled on this"
                    + " cluster (feature share.version)";
            default -> what + " of share group " + group;
        };
        return Calls.Outcome.failed(code.exception(detail, brokerMessage));
    }

    // ---- describe ----

    @Override
    public Results<String, ShareGroupDescription> describe(Collection<String> groupIds) {
        return calls.perItem("describe share groups", groupIds, pending -> GroupCalls.eachGroup(pending, g ->
                calls.coordinator(GROUP, g).thenCompose(node -> describeAt(node, g))));
    }

    private CompletableFuture<Calls.Outcome<ShareGroupDescription>> describeAt(int node, String g) {
        return this.<ShareGroupDescribeResponse>send(node, ApiKey.SHARE_GROUP_DESCRIBE, v -> new ShareGroupDescribeRequest()
                .setGroupIds(List.of(g)).setIncludeAuthorizedOperations(true)).thenApply(r -> {
                    ShareGroupDescribeResponse.DescribedGroup d = r.groups().get(0);
                    ErrorCode code = ErrorCode.forCode(d.errorCode());
                    if (code != ErrorCode.NONE) {
                        return failure(code, g, "describe", d.errorMessage());
                    }
                    List<ShareGroupDescription.Member> members = new ArrayList<>();
                    for (ShareGroupDescribeResponse.Member m : d.members()) {
                        List<TopicPartition> assigned = new ArrayList<>();
                        if (m.assignment() != null) {
                            m.assignment().topicPartitions().forEach(tp -> tp.partitions().forEach(p ->
                                    assigned.add(new TopicPartition(tp.topicName(), p))));
                        }
                        members.add(new ShareGroupDescription.Member(m.memberId(), m.rackId(), m.memberEpoch(),
                                m.clientId(), m.clientHost(), m.subscribedTopicNames() == null ? Set.of()
                                        : Set.copyOf(m.subscribedTopicNames()), List.copyOf(assigned)));
                    }
                    return Calls.Outcome.ok(new ShareGroupDescription(g, d.groupState(), d.groupEpoch(),
                            d.assignmentEpoch(), d.assignorName(), calls.client().cluster().broker(node),
                            List.copyOf(members), AclOperation.fromBits(d.authorizedOperations())));
                });
    }

    // ---- start offsets ----

    @Override
    public CompletableFuture<Map<TopicPartition, ShareGroupOffset>> offsets(String groupId) {
        return calls.retrying("start offsets of share group " + groupId, () -> calls.coordinator(GROUP, groupId)
                .thenCompose(node -> this.<DescribeShareGroupOffsetsResponse>send(node, ApiKey.DESCRIBE_SHARE_GROUP_OFFSETS,
                        v -> new DescribeShareGroupOffsetsRequest().setGroups(List.of(
                                new DescribeShareGroupOffsetsRequest.DescribeShareGroupOffsetsRequestGroup()
                                        .setGroupId(groupId).setTopics(null))))) // null: every partition it has
                .thenApply(r -> {
                    DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponseGroup g = r.groups().get(0);
                    ErrorCode code = ErrorCode.forCode(g.errorCode());
                    if (code != ErrorCode.NONE) {
                        throw failure(code, groupId, "describe start offsets", g.errorMessage()).error();
                    }
                    Map<TopicPartition, ShareGroupOffset> out = new LinkedHashMap<>();
                    for (DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponseTopic t : g.topics()) {
                        for (DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponsePartition p : t.partitions()) {
                            TopicPartition tp = new TopicPartition(t.topicName(), p.partitionIndex());
                            ErrorCode pc = ErrorCode.forCode(p.errorCode());
                            if (pc != ErrorCode.NONE) {
                                throw pc.exception("start offset of " + tp + " for share group " + groupId, p.errorMessage());
                            }
                            if (p.startOffset() >= 0) { // -1: the group has not started the partition
                                out.put(tp, new ShareGroupOffset(p.startOffset(), p.leaderEpoch(), p.lag()));
                            }
                        }
                    }
                    return out;
                }));
    }

    @Override
    public Results<TopicPartition, Void> alterOffsets(String groupId, Map<TopicPartition, Long> startOffsets) {
        startOffsets.forEach((tp, o) -> {
            if (o == null || o < 0) {
                throw new IllegalArgumentException("a start offset is >= 0; " + tp + " was given " + o);
            }
        });
        String what = "alter start offsets";
        return calls.perItem(what + " of share group " + groupId, startOffsets.keySet(), pending ->
                calls.coordinator(GROUP, groupId).thenCompose(node -> this.<AlterShareGroupOffsetsResponse>send(node,
                        ApiKey.ALTER_SHARE_GROUP_OFFSETS, v -> alterRequest(groupId, pending, startOffsets))).thenApply(r -> {
                            Map<TopicPartition, Calls.Outcome<Void>> out = new HashMap<>();
                            ErrorCode top = ErrorCode.forCode(r.errorCode());
                            if (top != ErrorCode.NONE) {
                                pending.forEach(tp -> out.put(tp, failure(top, groupId, what, r.errorMessage())));
                                return out;
                            }
                            for (AlterShareGroupOffsetsResponse.AlterShareGroupOffsetsResponseTopic t : r.responses()) {
                                for (AlterShareGroupOffsetsResponse.AlterShareGroupOffsetsResponsePartition p : t.partitions()) {
                                    TopicPartition tp = new TopicPartition(t.topicName(), p.partitionIndex());
                                    ErrorCode code = ErrorCode.forCode(p.errorCode());
                                    out.put(tp, code == ErrorCode.NONE ? Calls.Outcome.ok(null)
                                            : failure(code, groupId, "alter the start offset of " + tp, p.errorMessage()));
                                }
                            }
                            return out;
                        }));
    }

    private static AlterShareGroupOffsetsRequest alterRequest(String groupId, Set<TopicPartition> pending,
                                                              Map<TopicPartition, Long> startOffsets) {
        Map<String, AlterShareGroupOffsetsRequest.AlterShareGroupOffsetsRequestTopic> topics = new LinkedHashMap<>();
        for (TopicPartition tp : pending) {
            topics.computeIfAbsent(tp.topic(), t -> new AlterShareGroupOffsetsRequest.AlterShareGroupOffsetsRequestTopic()
                    .setTopicName(t).setPartitions(new ArrayList<>())).partitions()
                    .add(new AlterShareGroupOffsetsRequest.AlterShareGroupOffsetsRequestPartition()
                            .setPartitionIndex(tp.partition()).setStartOffset(startOffsets.get(tp)));
        }
        return new AlterShareGroupOffsetsRequest().setGroupId(groupId).setTopics(new ArrayList<>(topics.values()));
    }

    @Override
    public Results<TopicPartition, Long> resetOffsets(String groupId, Map<TopicPartition, OffsetSpec> targets) {
        Map<TopicPartition, CompletableFuture<Long>> out = new LinkedHashMap<>();
        targets.keySet().forEach(tp -> out.put(tp, new CompletableFuture<>()));
        find(targets, out).thenCompose(found -> {
            Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
            Map<TopicPartition, OffsetSpec> ends = new LinkedHashMap<>();
            found.forEach((tp, o) -> {
                if (o >= 0) {
                    offsets.put(tp, o);
                } else {
                    ends.put(tp, OffsetSpec.latest()); // no record that late: the end
                }
            });
            return find(ends, out).thenApply(end -> {
                offsets.putAll(end);
                return offsets;
            });
        }).thenAccept(offsets -> {
            if (!offsets.isEmpty()) {
                alterOffsets(groupId, offsets).byItem().forEach((tp, f) -> f.whenComplete((v, e) -> {
                    if (e != null) {
                        out.get(tp).completeExceptionally(Calls.unwrap(e));
                    } else {
                        out.get(tp).complete(offsets.get(tp));
                    }
                }));
            }
        }).whenComplete((v, e) -> {
            if (e != null) { // whatever is not settled by now fails with the cause
                out.values().forEach(f -> f.completeExceptionally(Calls.unwrap(e)));
            }
        });
        return new Results<>(out);
    }

    /**
     * The offsets ListOffsets finds for {@code specs}, once every partition is answered; a partition it
     * fails for completes its future in {@code out} with that failure and is left out.
     */
    private CompletableFuture<Map<TopicPartition, Long>> find(Map<TopicPartition, OffsetSpec> specs,
                                                               Map<TopicPartition, CompletableFuture<Long>> out) {
        if (specs.isEmpty()) {
            return CompletableFuture.completedFuture(Map.of());
        }
        Results<TopicPartition, OffsetAndTimestamp> listed = records.listOffsets(specs);
        CompletableFuture<?>[] all = listed.byItem().values().toArray(CompletableFuture[]::new);
        return CompletableFuture.allOf(all).handle((v, ignored) -> {
            Map<TopicPartition, Long> found = new LinkedHashMap<>();
            listed.byItem().forEach((tp, f) -> {
                if (f.isCompletedExceptionally()) {
                    f.whenComplete((x, e) -> out.get(tp).completeExceptionally(Calls.unwrap(e)));
                } else {
                    found.put(tp, f.join().offset());
                }
            });
            return found;
        });
    }

    @Override
    public Results<String, Void> deleteOffsets(String groupId, Collection<String> topics) {
        String what = "delete start offsets";
        return calls.perItem(what + " of share group " + groupId, topics, pending -> calls.coordinator(GROUP, groupId)
                .thenCompose(node -> this.<DeleteShareGroupOffsetsResponse>send(node, ApiKey.DELETE_SHARE_GROUP_OFFSETS, v -> {
                    List<DeleteShareGroupOffsetsRequest.DeleteShareGroupOffsetsRequestTopic> ts = new ArrayList<>();
                    pending.forEach(t -> ts.add(new DeleteShareGroupOffsetsRequest.DeleteShareGroupOffsetsRequestTopic()
                            .setTopicName(t)));
                    return new DeleteShareGroupOffsetsRequest().setGroupId(groupId).setTopics(ts);
                })).thenApply(r -> {
                    Map<String, Calls.Outcome<Void>> out = new HashMap<>();
                    ErrorCode top = ErrorCode.forCode(r.errorCode());
                    if (top != ErrorCode.NONE) {
                        pending.forEach(t -> out.put(t, failure(top, groupId, what, r.errorMessage())));
                        return out;
                    }
                    for (DeleteShareGroupOffsetsResponse.DeleteShareGroupOffsetsResponseTopic t : r.responses()) {
                        ErrorCode code = ErrorCode.forCode(t.errorCode());
                        out.put(t.topicName(), code == ErrorCode.NONE ? Calls.Outcome.ok(null)
                                : failure(code, groupId, "delete the start offsets of topic " + t.topicName(), t.errorMessage()));
                    }
                    return out;
                }));
    }

    // ---- delete ----

    /**
     * DeleteGroups deletes a group of any type: describing it first as a share group keeps this call from
     * deleting a consumer group of that name.
     */
    @Override
    public Results<String, Void> delete(Collection<String> groupIds) {
        return calls.perItem("delete share groups", groupIds, pending -> GroupCalls.eachGroup(pending, g ->
                calls.coordinator(GROUP, g).thenCompose(node -> describeAt(node, g).thenCompose(d -> d.error() != null
                        ? CompletableFuture.completedFuture(Calls.Outcome.<Void>failed(d.error()))
                        : calls.<DeleteGroupsResponse>toBroker(node, ApiKey.DELETE_GROUPS,
                                v -> new DeleteGroupsRequest().setGroupsNames(List.of(g))).thenApply(r -> {
                                    // v3 (Kafka 4.4): the group's failure comes with the broker's ErrorMessage
                                    DeleteGroupsResponse.DeletableGroupResult result = r.results().get(0);
                                    ErrorCode code = ErrorCode.forCode(result.errorCode());
                                    return code == ErrorCode.NONE ? Calls.Outcome.<Void>ok(null)
                                            : failure(code, g, "delete", result.errorMessage());
                                })))));
    }
}
