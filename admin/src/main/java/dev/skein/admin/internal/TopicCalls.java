package dev.skein.admin.internal;

import dev.skein.admin.AclOperation;
import dev.skein.admin.CreatedTopic;
import dev.skein.admin.NewTopic;
import dev.skein.admin.Results;
import dev.skein.admin.TopicAdmin;
import dev.skein.admin.TopicDescription;
import dev.skein.admin.TopicListing;
import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.CreatePartitionsRequest;
import dev.skein.core.message.CreatePartitionsResponse;
import dev.skein.core.message.CreateTopicsRequest;
import dev.skein.core.message.CreateTopicsResponse;
import dev.skein.core.message.DeleteTopicsRequest;
import dev.skein.core.message.DeleteTopicsResponse;
import dev.skein.core.message.MetadataRequest;
import dev.skein.core.message.MetadataResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** {@link TopicAdmin} on CreateTopics, DeleteTopics, Metadata and CreatePartitions. */
final class TopicCalls implements TopicAdmin {
    private static final UUID ZERO = new UUID(0, 0);

    private final Calls calls;

    TopicCalls(Calls calls) {
        this.calls = calls;
    }

    @Override
    public Results<String, CreatedTopic> create(Collection<NewTopic> topics) {
        return create(topics, false);
    }

    @Override
    public Results<String, CreatedTopic> validate(Collection<NewTopic> topics) {
        return create(topics, true);
    }

    private Results<String, CreatedTopic> create(Collection<NewTopic> topics, boolean validateOnly) {
        Map<String, NewTopic> byName = new LinkedHashMap<>();
        topics.forEach(t -> byName.put(t.name(), t));
        return calls.perItem("create topics", byName.keySet(), pending -> calls.<CreateTopicsResponse>toController(
                ApiKey.CREATE_TOPICS, v -> {
                    List<CreateTopicsRequest.CreatableTopic> list = new ArrayList<>();
                    for (String name : pending) {
                        list.add(creatable(byName.get(name)));
                    }
                    return new CreateTopicsRequest().setTopics(list).setTimeoutMs(calls.brokerTimeoutMs())
                            .setValidateOnly(validateOnly);
                }).thenApply(r -> {
                    Map<String, Calls.Outcome<CreatedTopic>> out = new HashMap<>();
                    for (CreateTopicsResponse.CreatableTopicResult t : r.topics()) {
                        ErrorCode code = ErrorCode.forCode(t.errorCode());
                        if (code != ErrorCode.NONE) {
                            String detail = code == ErrorCode.TOPIC_ALREADY_EXISTS ? "topic " + t.name() + " already exists"
                                    : "create topic " + t.name();
                            out.put(t.name(), Calls.Outcome.failed(code.exception(detail, t.errorMessage())));
                            continue;
                        }
                        Map<String, String> configs = new LinkedHashMap<>();
                        if (t.configs() != null) {
                            t.configs().forEach(c -> configs.put(c.name(), c.value()));
                        }
                        out.put(t.name(), Calls.Outcome.ok(new CreatedTopic(t.name(),
                                ZERO.equals(t.topicId()) ? null : t.topicId(), t.numPartitions(), t.replicationFactor(),
                                configs)));
                    }
                    return out;
                }));
    }

    private static CreateTopicsRequest.CreatableTopic creatable(NewTopic t) {
        List<CreateTopicsRequest.CreatableReplicaAssignment> assignment = new ArrayList<>();
        t.assignment().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> assignment.add(
                new CreateTopicsRequest.CreatableReplicaAssignment().setPartitionIndex(e.getKey())
                        .setBrokerIds(new ArrayList<>(e.getValue()))));
        List<CreateTopicsRequest.CreatableTopicConfig> configs = new ArrayList<>();
        t.configs().forEach((k, val) -> configs.add(new CreateTopicsRequest.CreatableTopicConfig().setName(k).setValue(val)));
        return new CreateTopicsRequest.CreatableTopic().setName(t.name()).setNumPartitions(t.partitions())
                .setReplicationFactor(t.replicationFactor()).setAssignments(assignment).setConfigs(configs);
    }

    @Override
    public Results<String, Void> delete(Collection<String> names) {
        return calls.perItem("delete topics", names, pending -> calls.<DeleteTopicsResponse>toController(
                ApiKey.DELETE_TOPICS, v -> {
                    DeleteTopicsRequest r = new DeleteTopicsRequest().setTimeoutMs(calls.brokerTimeoutMs());
                    if (v >= 6) {
                        List<DeleteTopicsRequest.DeleteTopicState> states = new ArrayList<>();
                        pending.forEach(n -> states.add(new DeleteTopicsRequest.DeleteTopicState().setName(n).setTopicId(ZERO)));
                        return r.setTopics(states);
                    }
                    return r.setTopicNames(new ArrayList<>(pending));
                }).thenApply(r -> {
                    Map<String, Calls.Outcome<Void>> out = new HashMap<>();
                    for (DeleteTopicsResponse.DeletableTopicResult t : r.responses()) {
                        out.put(t.name(), outcome(t.errorCode(), "delete topic " + t.name(), t.errorMessage()));
                    }
                    return out;
                }));
    }

    @Override
    public Results<UUID, Void> deleteByIds(Collection<UUID> topicIds) {
        return calls.perItem("delete topics by id", topicIds, pending -> calls.<DeleteTopicsResponse>toController(
                ApiKey.DELETE_TOPICS, v -> {
                    if (v < 6) {
                        throw new UnsupportedVersionException("deleting topics by id needs DeleteTopics v6 (Kafka 2.8+);"
                                + " the broker offers v" + v);
                    }
                    List<DeleteTopicsRequest.DeleteTopicState> states = new ArrayList<>();
                    pending.forEach(id -> states.add(new DeleteTopicsRequest.DeleteTopicState().setName(null).setTopicId(id)));
                    return new DeleteTopicsRequest().setTopics(states).setTimeoutMs(calls.brokerTimeoutMs());
                }).thenApply(r -> {
                    Map<UUID, Calls.Outcome<Void>> out = new HashMap<>();
                    for (DeleteTopicsResponse.DeletableTopicResult t : r.responses()) {
                        out.put(t.topicId(), outcome(t.errorCode(), "delete topic id " + t.topicId(), t.errorMessage()));
                    }
                    return out;
                }));
    }

    static <V> Calls.Outcome<V> outcome(short errorCode, String detail, String brokerMessage) {
        ErrorCode code = ErrorCode.forCode(errorCode);
        return code == ErrorCode.NONE ? Calls.Outcome.ok(null) : Calls.Outcome.failed(code.exception(detail, brokerMessage));
    }

    @Override
    public CompletableFuture<List<TopicListing>> list(boolean includeInternal) {
        return calls.retrying("list topics", () -> calls.<MetadataResponse>toAny(ApiKey.METADATA, v ->
                new MetadataRequest().setTopics(null).setAllowAutoTopicCreation(false)).thenApply(r -> {
                    List<TopicListing> out = new ArrayList<>();
                    for (MetadataResponse.MetadataResponseTopic t : r.topics()) {
                        if (ErrorCode.forCode(t.errorCode()) == ErrorCode.NONE && (includeInternal || !t.isInternal())) {
                            out.add(new TopicListing(t.name(), ZERO.equals(t.topicId()) ? null : t.topicId(), t.isInternal()));
                        }
                    }
                    out.sort((a, b) -> a.name().compareTo(b.name()));
                    return out;
                }));
    }

    @Override
    public Results<String, TopicDescription> describe(Collection<String> names) {
        return calls.perItem("describe topics", names, pending -> calls.<MetadataResponse>toAny(ApiKey.METADATA, v -> {
            List<MetadataRequest.MetadataRequestTopic> topics = new ArrayList<>();
            pending.forEach(n -> topics.add(new MetadataRequest.MetadataRequestTopic().setName(n).setTopicId(ZERO)));
            MetadataRequest r = new MetadataRequest().setTopics(topics).setAllowAutoTopicCreation(false);
            return v >= 8 ? r.setIncludeTopicAuthorizedOperations(true) : r;
        }).thenApply(r -> describeResult(r, pending)));
    }

    private static Map<String, Calls.Outcome<TopicDescription>> describeResult(MetadataResponse r, Set<String> pending) {
        Map<Integer, Node> brokers = new HashMap<>();
        r.brokers().forEach(b -> brokers.put(b.nodeId(), new Node(b.nodeId(), b.host(), b.port(), b.rack())));
        Map<String, Calls.Outcome<TopicDescription>> out = new HashMap<>();
        for (MetadataResponse.MetadataResponseTopic t : r.topics()) {
            if (!pending.contains(t.name())) {
                continue;
            }
            ErrorCode code = ErrorCode.forCode(t.errorCode());
            if (code != ErrorCode.NONE) {
                String detail = code == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? "topic " + t.name() + " does not exist"
                        : "describe topic " + t.name();
                out.put(t.name(), Calls.Outcome.failed(code.exception(detail)));
                continue;
            }
            List<TopicDescription.Partition> partitions = new ArrayList<>();
            for (MetadataResponse.MetadataResponsePartition p : t.partitions()) {
                partitions.add(new TopicDescription.Partition(p.partitionIndex(),
                        p.leaderId() < 0 ? null : node(brokers, p.leaderId()), p.leaderEpoch(), nodes(brokers, p.replicaNodes()),
                        nodes(brokers, p.isrNodes()), nodes(brokers, p.offlineReplicas())));
            }
            partitions.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            out.put(t.name(), Calls.Outcome.ok(new TopicDescription(t.name(), ZERO.equals(t.topicId()) ? null : t.topicId(),
                    t.isInternal(), partitions, AclOperation.fromBits(t.topicAuthorizedOperations()))));
        }
        return out;
    }

    /** A broker by id; one the response does not list (offline) keeps its id with no address. */
    private static Node node(Map<Integer, Node> brokers, int id) {
        Node n = brokers.get(id);
        return n != null ? n : new Node(id, "", -1, null);
    }

    private static List<Node> nodes(Map<Integer, Node> brokers, List<Integer> ids) {
        List<Node> out = new ArrayList<>();
        if (ids != null) {
            ids.forEach(id -> out.add(node(brokers, id)));
        }
        return out;
    }

    @Override
    public Results<String, Void> createPartitions(Map<String, Integer> newTotals) {
        return calls.perItem("create partitions", newTotals.keySet(), pending -> calls.<CreatePartitionsResponse>toController(
                ApiKey.CREATE_PARTITIONS, v -> {
                    List<CreatePartitionsRequest.CreatePartitionsTopic> topics = new ArrayList<>();
                    pending.forEach(n -> topics.add(new CreatePartitionsRequest.CreatePartitionsTopic().setName(n)
                            .setCount(newTotals.get(n)).setAssignments(null)));
                    return new CreatePartitionsRequest().setTopics(topics).setTimeoutMs(calls.brokerTimeoutMs());
                }).thenApply(r -> {
                    Map<String, Calls.Outcome<Void>> out = new HashMap<>();
                    for (CreatePartitionsResponse.CreatePartitionsTopicResult t : r.results()) {
                        out.put(t.name(), outcome(t.errorCode(), "create partitions of topic " + t.name(), t.errorMessage()));
                    }
                    return out;
                }));
    }
}
