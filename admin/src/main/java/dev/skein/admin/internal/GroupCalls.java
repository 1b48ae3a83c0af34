package dev.skein.admin.internal;

import dev.skein.admin.AclOperation;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.admin.GroupAdmin;
import dev.skein.admin.GroupDescription;
import dev.skein.admin.GroupListing;
import dev.skein.admin.GroupType;
import dev.skein.core.OffsetAndTimestamp;
import dev.skein.admin.OffsetSpec;
import dev.skein.admin.RecordAdmin;
import dev.skein.admin.Results;
import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.internal.ConsumerProtocol;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ConsumerGroupDescribeRequest;
import dev.skein.core.message.ConsumerGroupDescribeResponse;
import dev.skein.core.message.DeleteGroupsRequest;
import dev.skein.core.message.DeleteGroupsResponse;
import dev.skein.core.message.DescribeGroupsRequest;
import dev.skein.core.message.DescribeGroupsResponse;
import dev.skein.core.message.LeaveGroupRequest;
import dev.skein.core.message.LeaveGroupResponse;
import dev.skein.core.message.ListGroupsRequest;
import dev.skein.core.message.ListGroupsResponse;
import dev.skein.core.message.MetadataRequest;
import dev.skein.core.message.MetadataResponse;
import dev.skein.core.message.OffsetCommitRequest;
import dev.skein.core.message.OffsetCommitResponse;
import dev.skein.core.message.OffsetDeleteRequest;
import dev.skein.core.message.OffsetDeleteResponse;
import dev.skein.core.message.OffsetFetchRequest;
import dev.skein.core.message.OffsetFetchResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * {@link GroupAdmin}: ListGroups on every broker; ConsumerGroupDescribe where the cluster runs the
 * consumer group protocol (DescribeGroups elsewhere, and for classic groups), DeleteGroups, OffsetFetch,
 * OffsetCommit, OffsetDelete and LeaveGroup at the group's coordinator.
 */
final class GroupCalls implements GroupAdmin {
    private static final byte GROUP = 0;
    private static final UUID ZERO = new UUID(0, 0);

    private final Calls calls;
    private final RecordAdmin records;

    GroupCalls(Calls calls, RecordAdmin records) {
        this.calls = calls;
        this.records = records;
    }

    @Override
    public CompletableFuture<List<GroupListing>> list() {
        return list(Set.of());
    }

    /**
     * ListGroups on every broker. The types filter goes on the wire from v5 (Kafka 3.8); older brokers
     * list every group, without a type (all classic), and the filter applies here.
     */
    @Override
    public CompletableFuture<List<GroupListing>> list(Set<GroupType> types) {
        List<String> wireTypes = new ArrayList<>();
        for (GroupType t : types) {
            if (t == GroupType.UNKNOWN) {
                throw new IllegalArgumentException("UNKNOWN is no group type to list by");
            }
            wireTypes.add(t.name().toLowerCase(Locale.ROOT));
        }
        return calls.retrying("list groups", () -> calls.client().awaitReady(calls.client().options().requestTimeout())
                .thenCompose(cluster -> {
                    List<CompletableFuture<ListGroupsResponse>> perBroker = new ArrayList<>();
                    for (Node n : cluster.brokers().values()) { // each broker lists the groups it coordinates
                        perBroker.add(calls.toBroker(n.id(), ApiKey.LIST_GROUPS, v -> new ListGroupsRequest()
                                .setStatesFilter(new ArrayList<>()).setTypesFilter(new ArrayList<>(v >= 5 ? wireTypes : List.of()))));
                    }
                    return CompletableFuture.allOf(perBroker.toArray(CompletableFuture[]::new)).thenApply(v -> {
                        Map<String, GroupListing> out = new TreeMap<>();
                        for (CompletableFuture<ListGroupsResponse> f : perBroker) {
                            ListGroupsResponse r = f.join();
                            ErrorCode code = ErrorCode.forCode(r.errorCode());
                            if (code != ErrorCode.NONE) {
                                throw code.exception("list groups");
                            }
                            for (ListGroupsResponse.ListedGroup g : r.groups()) {
                                GroupListing l = new GroupListing(g.groupId(), g.groupType() == null || g.groupType().isEmpty()
                                        ? GroupType.CLASSIC : GroupType.parse(g.groupType()),
                                        g.protocolType(), g.groupState() == null ? "" : g.groupState());
                                if (types.isEmpty() || types.contains(l.type())) {
                                    out.put(l.groupId(), l);
                                }
                            }
                        }
                        return List.copyOf(out.values());
                    });
                }));
    }

    /** One call per pending group, each at its own coordinator. */
    static <V> CompletableFuture<Map<String, Calls.Outcome<V>>> eachGroup(Set<String> pending,
            Function<String, CompletableFuture<Calls.Outcome<V>>> one) {
        Map<String, CompletableFuture<Calls.Outcome<V>>> parts = new LinkedHashMap<>();
        for (String g : pending) {
            parts.put(g, one.apply(g).exceptionally(t -> Calls.Outcome.failed(asSkein(Calls.unwrap(t)))));
        }
        return CompletableFuture.allOf(parts.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
            Map<String, Calls.Outcome<V>> out = new HashMap<>();
            parts.forEach((g, f) -> out.put(g, f.join()));
            return out;
        });
    }

    private static SkeinException asSkein(Throwable t) {
        return t instanceof SkeinException s ? s : new SkeinException(t.toString(), t);
    }

    private <T> Calls.Outcome<T> failure(ErrorCode code, String group, String what, String brokerMessage) {
        if (code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE) {
            calls.forgetCoordinator(GROUP, group);
        }
        String detail = code == ErrorCode.GROUP_ID_NOT_FOUND ? "group " + group + " does not exist" : what + " of group " + group;
        return Calls.Outcome.failed(code.exception(detail, brokerMessage));
    }

    // ---- describe ----

    @Override
    public Results<String, GroupDescription> describe(Collection<String> groupIds) {
        return calls.perItem("describe groups", groupIds, pending -> eachGroup(pending, g ->
                calls.coordinator(GROUP, g).thenCompose(node -> describeConsumerGroup(node, g))));
    }

    /**
     * ConsumerGroupDescribe where the cluster runs the consumer group protocol, DescribeGroups elsewhere
     * and for classic groups. Kafka 3.7-3.9 brokers list ConsumerGroupDescribe while the protocol is off
     * and answer it with UNSUPPORTED_VERSION, so the finalized {@code group.version} decides, as for the
     * consumer's {@code group.protocol=auto}; an UNSUPPORTED_VERSION answer still falls back.
     */
    private CompletableFuture<Calls.Outcome<GroupDescription>> describeConsumerGroup(int node, String g) {
        return calls.client().versions(node).thenCompose(versions -> {
            if (!versions.supports(ApiKey.CONSUMER_GROUP_DESCRIBE) || versions.finalizedFeature("group.version") < 1) {
                return describeClassicGroup(node, g);
            }
            return describeConsumerGroupAt(node, g);
        });
    }

    private CompletableFuture<Calls.Outcome<GroupDescription>> describeConsumerGroupAt(int node, String g) {
        CompletableFuture<ConsumerGroupDescribeResponse> sent = calls.toBroker(node, ApiKey.CONSUMER_GROUP_DESCRIBE,
                v -> new ConsumerGroupDescribeRequest().setGroupIds(List.of(g)).setIncludeAuthorizedOperations(true));
        return sent.handle((r, e) -> {
            if (e != null) {
                if (Calls.unwrap(e) instanceof UnsupportedVersionException) {
                    return describeClassicGroup(node, g); // a broker without KIP-848
                }
                return CompletableFuture.<Calls.Outcome<GroupDescription>>failedFuture(Calls.unwrap(e));
            }
            ConsumerGroupDescribeResponse.DescribedGroup d = r.groups().get(0);
            ErrorCode code = ErrorCode.forCode(d.errorCode());
            if (code == ErrorCode.GROUP_ID_NOT_FOUND || code == ErrorCode.UNSUPPORTED_VERSION) {
                return describeClassicGroup(node, g); // not a consumer-protocol group (or protocol): maybe classic
            }
            if (code != ErrorCode.NONE) {
                return CompletableFuture.completedFuture(this.<GroupDescription>failure(code, g, "describe", d.errorMessage()));
            }
            List<GroupDescription.Member> members = new ArrayList<>();
            for (ConsumerGroupDescribeResponse.Member m : d.members()) {
                List<TopicPartition> owned = new ArrayList<>();
                if (m.assignment() != null) {
                    m.assignment().topicPartitions().forEach(tp -> tp.partitions().forEach(p ->
                            owned.add(new TopicPartition(tp.topicName(), p))));
                }
                members.add(new GroupDescription.Member(m.memberId(), m.instanceId(), m.clientId(), m.clientHost(),
                        m.subscribedTopicNames() == null ? Set.of() : Set.copyOf(m.subscribedTopicNames()), owned));
            }
            return CompletableFuture.completedFuture(Calls.Outcome.ok(new GroupDescription(g, GroupType.CONSUMER, "consumer",
                    d.groupState(), d.assignorName(), d.groupEpoch(), calls.client().cluster().broker(node), members,
                    AclOperation.fromBits(d.authorizedOperations()))));
        }).thenCompose(f -> f);
    }

    private CompletableFuture<Calls.Outcome<GroupDescription>> describeClassicGroup(int node, String g) {
        return calls.<DescribeGroupsResponse>toBroker(node, ApiKey.DESCRIBE_GROUPS, v -> new DescribeGroupsRequest()
                .setGroups(List.of(g)).setIncludeAuthorizedOperations(true)).thenApply(r -> {
                    DescribeGroupsResponse.DescribedGroup d = r.groups().get(0);
                    ErrorCode code = ErrorCode.forCode(d.errorCode());
                    if (code == ErrorCode.NONE && "Dead".equals(d.groupState())) {
                        code = ErrorCode.GROUP_ID_NOT_FOUND; // how a classic coordinator says it has no such group
                    }
                    if (code != ErrorCode.NONE) {
                        return this.<GroupDescription>failure(code, g, "describe", d.errorMessage());
                    }
                    boolean consumer = "consumer".equals(d.protocolType());
                    List<GroupDescription.Member> members = new ArrayList<>();
                    for (DescribeGroupsResponse.DescribedGroupMember m : d.members()) {
                        members.add(new GroupDescription.Member(m.memberId(), m.groupInstanceId(), m.clientId(),
                                m.clientHost(), consumer ? subscribedTopics(m.memberMetadata()) : Set.of(),
                                consumer ? assignment(m.memberAssignment()) : List.of()));
                    }
                    return Calls.Outcome.ok(new GroupDescription(g, GroupType.CLASSIC, d.protocolType(), d.groupState(),
                            d.protocolData(), -1, calls.client().cluster().broker(node), members,
                            AclOperation.fromBits(d.authorizedOperations())));
                });
    }

    /** The topics in a classic consumer member's subscription (empty when it does not decode). */
    static Set<String> subscribedTopics(byte[] metadata) {
        try {
            return metadata == null || metadata.length < 2 ? Set.of() : ConsumerProtocol.subscribedTopics(metadata);
        } catch (RuntimeException e) {
            return Set.of();
        }
    }

    /** A classic consumer member's assigned partitions (empty when it does not decode). */
    static List<TopicPartition> assignment(byte[] bytes) {
        try {
            return bytes == null || bytes.length < 2 ? List.of() : ConsumerProtocol.decodeAssignment(bytes);
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    // ---- delete ----

    @Override
    public Results<String, Void> delete(Collection<String> groupIds) {
        return calls.perItem("delete groups", groupIds, pending -> eachGroup(pending, g ->
                calls.coordinator(GROUP, g).thenCompose(node -> calls.<DeleteGroupsResponse>toBroker(node, ApiKey.DELETE_GROUPS,
                        v -> new DeleteGroupsRequest().setGroupsNames(List.of(g)))).thenApply(r -> {
                            // v3 (Kafka 4.4) gives each group's failure a message, GROUP_DELETION_FAILED's cause
                            DeleteGroupsResponse.DeletableGroupResult result = r.results().get(0);
                            ErrorCode code = ErrorCode.forCode(result.errorCode());
                            return code == ErrorCode.NONE ? Calls.Outcome.<Void>ok(null)
                                    : failure(code, g, "delete", result.errorMessage());
                        })));
    }

    // ---- offsets ----

    @Override
    public CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> offsets(String groupId) {
        return calls.retrying("committed offsets of group " + groupId, () -> calls.coordinator(GROUP, groupId)
                .thenCompose(node -> calls.<OffsetFetchResponse>toBroker(node, ApiKey.OFFSET_FETCH, v -> v < 8
                        ? new OffsetFetchRequest().setGroupId(groupId).setTopics(null).setRequireStable(false)
                        : new OffsetFetchRequest().setRequireStable(false).setGroups(List.of(new OffsetFetchRequest.OffsetFetchRequestGroup()
                                .setGroupId(groupId).setMemberId(null).setMemberEpoch(-1).setTopics(null)))))
                .thenCompose(r -> parseOffsets(groupId, r)));
    }

    private CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> parseOffsets(String groupId, OffsetFetchResponse r) {
        Map<UUID, List<OffsetFetchResponse.OffsetFetchResponsePartitions>> byId = new LinkedHashMap<>();
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        if (!r.groups().isEmpty()) {
            OffsetFetchResponse.OffsetFetchResponseGroup g = r.groups().get(0);
            ErrorCode code = ErrorCode.forCode(g.errorCode());
            if (code != ErrorCode.NONE) {
                throw failure(code, groupId, "fetch offsets", null).error();
            }
            for (OffsetFetchResponse.OffsetFetchResponseTopics t : g.topics()) {
                if (t.name() != null && !t.name().isEmpty()) {
                    t.partitions().forEach(p -> add(out, new TopicPartition(t.name(), p.partitionIndex()), p.errorCode(),
                            p.committedOffset(), p.metadata(), p.committedLeaderEpoch(), groupId));
                } else {
                    byId.put(t.topicId(), t.partitions());
                }
            }
        } else {
            ErrorCode code = ErrorCode.forCode(r.errorCode());
            if (code != ErrorCode.NONE) {
                throw failure(code, groupId, "fetch offsets", null).error();
            }
            r.topics().forEach(t -> t.partitions().forEach(p -> add(out, new TopicPartition(t.name(), p.partitionIndex()),
                    p.errorCode(), p.committedOffset(), p.metadata(), p.committedLeaderEpoch(), groupId)));
        }
        if (byId.isEmpty()) {
            return CompletableFuture.completedFuture(out);
        }
        return topicNames(byId.keySet()).thenApply(names -> {
            byId.forEach((id, partitions) -> {
                String name = names.get(id);
                if (name != null) { // a topic deleted since has nothing to resume from
                    partitions.forEach(p -> add(out, new TopicPartition(name, p.partitionIndex()), p.errorCode(),
                            p.committedOffset(), p.metadata(), p.committedLeaderEpoch(), groupId));
                }
            });
            return out;
        });
    }

    private static void add(Map<TopicPartition, OffsetAndMetadata> out, TopicPartition tp, short error, long offset,
                            String metadata, int epoch, String group) {
        ErrorCode code = ErrorCode.forCode(error);
        if (code != ErrorCode.NONE) {
            throw code.exception("committed offset of " + tp + " for group " + group);
        }
        if (offset >= 0) {
            out.put(tp, new OffsetAndMetadata(offset, metadata == null ? "" : metadata, epoch));
        }
    }

    /** Topic names for ids: from cached metadata, else from a metadata request for every topic. */
    private CompletableFuture<Map<UUID, String>> topicNames(Set<UUID> ids) {
        Map<UUID, String> known = new HashMap<>();
        Cluster cluster = calls.client().cluster();
        for (UUID id : ids) {
            String name = cluster.topicName(id);
            if (name != null) {
                known.put(id, name);
            }
        }
        if (known.size() == ids.size()) {
            return CompletableFuture.completedFuture(known);
        }
        return calls.<MetadataResponse>toAny(ApiKey.METADATA, v -> new MetadataRequest().setTopics(null)
                .setAllowAutoTopicCreation(false)).thenApply(r -> {
                    r.topics().forEach(t -> {
                        if (ids.contains(t.topicId())) {
                            known.put(t.topicId(), t.name());
                        }
                    });
                    return known;
                });
    }

    @Override
    public Results<TopicPartition, Void> alterOffsets(String groupId, Map<TopicPartition, OffsetAndMetadata> offsets) {
        return calls.perItem("alter offsets of group " + groupId, offsets.keySet(), pending ->
                calls.describing(TopicPartition.topicsOf(pending)).thenCompose(cluster -> {
                    // A topic metadata says does not exist fails its own partitions; the others are committed.
                    Map<TopicPartition, Calls.Outcome<Void>> out = new HashMap<>();
                    Set<TopicPartition> known = new LinkedHashSet<>();
                    for (TopicPartition tp : pending) {
                        Cluster.TopicInfo info = cluster.topic(tp.topic());
                        if (info != null && info.error() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                            out.put(tp, Calls.Outcome.failed(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.exception("topic "
                                    + tp.topic() + " does not exist")));
                        } else {
                            known.add(tp);
                        }
                    }
                    if (known.isEmpty()) {
                        return CompletableFuture.completedFuture(out);
                    }
                    return calls.coordinator(GROUP, groupId).thenCompose(node -> calls.<OffsetCommitResponse>toBroker(node,
                            ApiKey.OFFSET_COMMIT, v -> commitRequest(groupId, known, offsets, cluster, (short) v)))
                            .thenApply(r -> {
                                Cluster now = calls.client().cluster();
                                for (OffsetCommitResponse.OffsetCommitResponseTopic t : r.topics()) {
                                    String name = t.name() != null && !t.name().isEmpty() ? t.name() : now.topicName(t.topicId());
                                    for (OffsetCommitResponse.OffsetCommitResponsePartition p : t.partitions()) {
                                        TopicPartition tp = new TopicPartition(name, p.partitionIndex());
                                        ErrorCode code = ErrorCode.forCode(p.errorCode());
                                        out.put(tp, code == ErrorCode.NONE ? Calls.Outcome.ok(null)
                                                : failure(code, groupId, "commit offset of " + tp, null));
                                    }
                                }
                                return out;
                            });
                }));
    }

    private static OffsetCommitRequest commitRequest(String groupId, Set<TopicPartition> pending,
                                                     Map<TopicPartition, OffsetAndMetadata> offsets, Cluster cluster, short v) {
        Map<String, OffsetCommitRequest.OffsetCommitRequestTopic> topics = new LinkedHashMap<>();
        for (TopicPartition tp : pending) {
            OffsetAndMetadata o = offsets.get(tp);
            Cluster.TopicInfo info = cluster.topic(tp.topic());
            UUID id = info == null || info.id() == null ? ZERO : info.id();
            if (v >= 10 && ZERO.equals(id)) {
                throw ErrorCode.UNKNOWN_TOPIC_OR_PARTITION.exception("topic " + tp.topic() + " does not exist");
            }
            topics.computeIfAbsent(tp.topic(), t -> new OffsetCommitRequest.OffsetCommitRequestTopic()
                    .setName(v < 10 ? t : "").setTopicId(v >= 10 ? id : ZERO).setPartitions(new ArrayList<>()))
                    .partitions().add(new OffsetCommitRequest.OffsetCommitRequestPartition().setPartitionIndex(tp.partition())
                            .setCommittedOffset(o.offset()).setCommittedLeaderEpoch(o.leaderEpoch())
                            .setCommittedMetadata(o.metadata()));
        }
        // Generation -1 and no member: an administrative commit, accepted while the group has no members.
        return new OffsetCommitRequest().setGroupId(groupId).setGenerationIdOrMemberEpoch(-1).setMemberId("")
                .setGroupInstanceId(null).setTopics(new ArrayList<>(topics.values()));
    }

    @Override
    public Results<TopicPartition, Void> deleteOffsets(String groupId, Collection<TopicPartition> partitions) {
        return calls.perItem("delete offsets of group " + groupId, partitions, pending -> calls.coordinator(GROUP, groupId)
                .thenCompose(node -> calls.<OffsetDeleteResponse>toBroker(node, ApiKey.OFFSET_DELETE, v -> {
                    Map<String, OffsetDeleteRequest.OffsetDeleteRequestTopic> topics = new LinkedHashMap<>();
                    pending.forEach(tp -> topics.computeIfAbsent(tp.topic(), t -> new OffsetDeleteRequest.OffsetDeleteRequestTopic()
                            .setName(t).setPartitions(new ArrayList<>())).partitions()
                            .add(new OffsetDeleteRequest.OffsetDeleteRequestPartition().setPartitionIndex(tp.partition())));
                    return new OffsetDeleteRequest().setGroupId(groupId).setTopics(new ArrayList<>(topics.values()));
                })).thenApply(r -> {
                    Map<TopicPartition, Calls.Outcome<Void>> out = new HashMap<>();
                    ErrorCode top = ErrorCode.forCode(r.errorCode());
                    for (TopicPartition tp : pending) {
                        out.put(tp, failure(top == ErrorCode.NONE ? ErrorCode.UNKNOWN_SERVER_ERROR : top, groupId,
                                "delete offset of " + tp, top == ErrorCode.NONE ? "no result for the partition" : null));
                    }
                    if (top == ErrorCode.NONE) {
                        for (OffsetDeleteResponse.OffsetDeleteResponseTopic t : r.topics()) {
                            for (OffsetDeleteResponse.OffsetDeleteResponsePartition p : t.partitions()) {
                                TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                                ErrorCode code = ErrorCode.forCode(p.errorCode());
                                out.put(tp, code == ErrorCode.NONE ? Calls.Outcome.ok(null)
                                        : failure(code, groupId, "delete offset of " + tp, null));
                            }
                        }
                    }
                    return out;
                }));
    }

    @Override
    public Results<String, Void> removeStaticMembers(String groupId, Collection<String> groupInstanceIds) {
        return calls.perItem("remove members of group " + groupId, groupInstanceIds, pending -> calls.coordinator(GROUP, groupId)
                .thenCompose(node -> calls.<LeaveGroupResponse>toBroker(node, ApiKey.LEAVE_GROUP, v -> {
                    if (v < 3) {
                        throw new UnsupportedVersionException("removing static members needs LeaveGroup v3 (Kafka 2.4+)");
                    }
                    List<LeaveGroupRequest.MemberIdentity> members = new ArrayList<>();
                    pending.forEach(id -> members.add(new LeaveGroupRequest.MemberIdentity().setMemberId("")
                            .setGroupInstanceId(id).setReason(v >= 5 ? "removed by an administrator" : null)));
                    return new LeaveGroupRequest().setGroupId(groupId).setMembers(members);
                })).thenApply(r -> {
                    Map<String, Calls.Outcome<Void>> out = new HashMap<>();
                    ErrorCode top = ErrorCode.forCode(r.errorCode());
                    if (top != ErrorCode.NONE) {
                        pending.forEach(id -> out.put(id, failure(top, groupId, "remove member " + id, null)));
                        return out;
                    }
                    for (LeaveGroupResponse.MemberResponse m : r.members()) {
                        ErrorCode code = ErrorCode.forCode(m.errorCode());
                        out.put(m.groupInstanceId(), code == ErrorCode.NONE ? Calls.Outcome.ok(null)
                                : failure(code, groupId, "remove member " + m.groupInstanceId(), null));
                    }
                    return out;
                }));
    }

    @Override
    public CompletableFuture<Map<TopicPartition, Long>> lag(String groupId) {
        return offsets(groupId).thenCompose(committed -> {
            Map<TopicPartition, OffsetSpec> specs = new LinkedHashMap<>();
            committed.keySet().forEach(tp -> specs.put(tp, OffsetSpec.latest()));
            return records.listOffsets(specs).all().thenApply(ends -> {
                Map<TopicPartition, Long> out = new LinkedHashMap<>();
                committed.forEach((tp, c) -> {
                    OffsetAndTimestamp end = ends.get(tp);
                    out.put(tp, Math.max(0, end.offset() - c.offset()));
                });
                return out;
            });
        });
    }
}
