package dev.skein.admin.internal;

import dev.skein.admin.AclOperation;
import dev.skein.admin.ClusterAdmin;
import dev.skein.admin.ClusterDescription;
import dev.skein.admin.FeatureMetadata;
import dev.skein.admin.FeatureUpdate;
import dev.skein.admin.LogDirDescription;
import dev.skein.admin.QuorumInfo;
import dev.skein.admin.ReplicaLogDir;
import dev.skein.admin.Results;
import dev.skein.admin.TopicPartitionReplica;
import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.AlterReplicaLogDirsRequest;
import dev.skein.core.message.AlterReplicaLogDirsResponse;
import dev.skein.core.message.ApiVersionsRequest;
import dev.skein.core.message.ApiVersionsResponse;
import dev.skein.core.message.DescribeClusterRequest;
import dev.skein.core.message.DescribeClusterResponse;
import dev.skein.core.message.DescribeLogDirsRequest;
import dev.skein.core.message.DescribeLogDirsResponse;
import dev.skein.core.message.DescribeQuorumRequest;
import dev.skein.core.message.DescribeQuorumResponse;
import dev.skein.core.message.UpdateFeaturesRequest;
import dev.skein.core.message.UpdateFeaturesResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@link ClusterAdmin} on DescribeCluster and ApiVersions (any broker), UpdateFeatures (the controller),
 * DescribeLogDirs and AlterReplicaLogDirs (each broker asked about) and DescribeQuorum (any broker, which forwards it).
 */
final class ClusterCalls implements ClusterAdmin {
    /** The KRaft metadata log: the one partition DescribeQuorum describes. */
    private static final String METADATA_TOPIC = "__cluster_metadata";

    private final Calls calls;

    ClusterCalls(Calls calls) {
        this.calls = calls;
    }

    @Override
    public CompletableFuture<ClusterDescription> describe() {
        return calls.retrying("describe cluster", () -> calls.<DescribeClusterResponse>toAny(ApiKey.DESCRIBE_CLUSTER,
                v -> new DescribeClusterRequest().setIncludeClusterAuthorizedOperations(true)).thenApply(r -> {
                    ErrorCode code = ErrorCode.forCode(r.errorCode());
                    if (code != ErrorCode.NONE) {
                        throw code.exception("describe cluster", r.errorMessage());
                    }
                    List<Node> brokers = new ArrayList<>();
                    Node controller = null;
                    for (DescribeClusterResponse.DescribeClusterBroker b : r.brokers()) {
                        Node n = new Node(b.brokerId(), b.host(), b.port(), b.rack());
                        brokers.add(n);
                        if (b.brokerId() == r.controllerId()) {
                            controller = n;
                        }
                    }
                    brokers.sort((a, b) -> Integer.compare(a.id(), b.id()));
                    return new ClusterDescription(r.clusterId(), controller, List.copyOf(brokers),
                            AclOperation.fromBits(r.clusterAuthorizedOperations()));
                }));
    }

    @Override
    public CompletableFuture<FeatureMetadata> features() {
        return calls.retrying("describe features", () -> calls.<ApiVersionsResponse>toAny(ApiKey.API_VERSIONS,
                v -> new ApiVersionsRequest().setClientSoftwareName("skein").setClientSoftwareVersion("0.1.0"))
                .thenApply(r -> {
                    ErrorCode code = ErrorCode.forCode(r.errorCode());
                    if (code != ErrorCode.NONE) {
                        throw code.exception("describe features");
                    }
                    Map<String, FeatureMetadata.Range> finalized = new LinkedHashMap<>();
                    if (r.finalizedFeatures() != null) {
                        r.finalizedFeatures().forEach(f -> finalized.put(f.name(),
                                new FeatureMetadata.Range(f.minVersionLevel(), f.maxVersionLevel())));
                    }
                    Map<String, FeatureMetadata.Range> supported = new LinkedHashMap<>();
                    if (r.supportedFeatures() != null) {
                        r.supportedFeatures().forEach(f -> supported.put(f.name(),
                                new FeatureMetadata.Range(f.minVersion(), f.maxVersion())));
                    }
                    return new FeatureMetadata(Map.copyOf(finalized), r.finalizedFeaturesEpoch(), Map.copyOf(supported));
                }));
    }

    @Override
    public Results<String, Void> updateFeatures(Map<String, FeatureUpdate> updates) {
        return updateFeatures(updates, false);
    }

    @Override
    public Results<String, Void> validateFeatureUpdates(Map<String, FeatureUpdate> updates) {
        return updateFeatures(updates, true);
    }

    /**
     * One UpdateFeatures request for every feature still pending, to the controller (a KRaft broker
     * forwards it). The features go together, never one request each: the controller checks a level
     * against the others of the request (KIP-1022 dependencies), and the KRaft controller applies them as
     * one record batch.
     */
    private Results<String, Void> updateFeatures(Map<String, FeatureUpdate> updates, boolean validateOnly) {
        if (updates.isEmpty()) {
            throw new IllegalArgumentException("no feature updates");
        }
        Map<String, FeatureUpdate> byName = new LinkedHashMap<>(updates);
        String what = validateOnly ? "validate feature updates" : "update features";
        return calls.perItem(what, byName.keySet(), pending -> calls.<UpdateFeaturesResponse>toController(
                ApiKey.UPDATE_FEATURES, v -> {
                    if (v < 1 && validateOnly) {
                        throw new UnsupportedVersionException("validating feature updates needs UpdateFeatures v1"
                                + " (Apache Kafka 3.3 or newer); the controller offers v" + v);
                    }
                    List<UpdateFeaturesRequest.FeatureUpdateKey> keys = new ArrayList<>();
                    for (String name : pending) {
                        FeatureUpdate u = byName.get(name);
                        UpdateFeaturesRequest.FeatureUpdateKey key = new UpdateFeaturesRequest.FeatureUpdateKey()
                                .setFeature(name).setMaxVersionLevel(u.maxVersionLevel());
                        if (v >= 1) {
                            key.setUpgradeType(u.type().code());
                        } else if (u.type() == FeatureUpdate.Type.UNSAFE_DOWNGRADE) {
                            throw new UnsupportedVersionException("an unsafe downgrade of " + name + " needs UpdateFeatures"
                                    + " v1 (Apache Kafka 3.3 or newer); the controller offers v0, which knows only downgrades");
                        } else {
                            key.setAllowDowngrade(u.type() != FeatureUpdate.Type.UPGRADE);
                        }
                        keys.add(key);
                    }
                    return new UpdateFeaturesRequest().setTimeoutMs(calls.brokerTimeoutMs()).setFeatureUpdates(keys)
                            .setValidateOnly(validateOnly);
                }).thenApply(r -> {
                    ErrorCode top = ErrorCode.forCode(r.errorCode());
                    if (top != ErrorCode.NONE && top.isRetriable()) {
                        throw top.exception(what, r.errorMessage()); // NOT_CONTROLLER, say: the whole request again
                    }
                    Map<String, Calls.Outcome<Void>> out = new HashMap<>();
                    if (top != ErrorCode.NONE) {
                        // The KRaft controller's answer: one error for the request, naming the feature it refused
                        // (per-feature results, where v0/v1 has them, all say NONE then).
                        SkeinException refused = top.exception(what + " " + pending, r.errorMessage());
                        pending.forEach(name -> out.put(name, Calls.Outcome.failed(refused)));
                        return out;
                    }
                    // v2 answers no per-feature results: NONE means every update was applied (or validated).
                    pending.forEach(name -> out.put(name, Calls.Outcome.ok(null)));
                    if (r.results() != null) {
                        for (UpdateFeaturesResponse.UpdatableFeatureResult f : r.results()) {
                            if (pending.contains(f.feature())) {
                                out.put(f.feature(), TopicCalls.outcome(f.errorCode(), what + ": " + f.feature(),
                                        f.errorMessage()));
                            }
                        }
                    }
                    return out;
                }));
    }

    @Override
    public Results<Integer, Map<String, LogDirDescription>> describeLogDirs(Collection<Integer> brokerIds) {
        return calls.perItem("describe log dirs", brokerIds, pending -> {
            Map<Integer, List<Integer>> byBroker = new LinkedHashMap<>();
            pending.forEach(id -> byBroker.put(id, List.of(id)));
            return Calls.fanOut(byBroker, new HashMap<>(), (broker, ids) -> calls.<DescribeLogDirsResponse>toBroker(broker,
                    ApiKey.DESCRIBE_LOG_DIRS, v -> new DescribeLogDirsRequest().setTopics(null)).thenApply(r -> {
                        ErrorCode top = ErrorCode.forCode(r.errorCode());
                        if (top != ErrorCode.NONE) {
                            return Map.of(broker, Calls.Outcome.failed(top.exception("describe log dirs of broker " + broker)));
                        }
                        Map<String, LogDirDescription> dirs = new LinkedHashMap<>();
                        for (DescribeLogDirsResponse.DescribeLogDirsResult d : r.results()) {
                            ErrorCode code = ErrorCode.forCode(d.errorCode());
                            Map<TopicPartition, LogDirDescription.Replica> replicas = new LinkedHashMap<>();
                            d.topics().forEach(t -> t.partitions().forEach(p -> replicas.put(
                                    new TopicPartition(t.name(), p.partitionIndex()),
                                    new LogDirDescription.Replica(p.partitionSize(), p.offsetLag(), p.isFutureKey()))));
                            dirs.put(d.logDir(), new LogDirDescription(d.logDir(), code == ErrorCode.NONE ? null
                                    : code.exception("log dir " + d.logDir() + " of broker " + broker),
                                    known(d.totalBytes()), known(d.usableBytes()), Map.copyOf(replicas)));
                        }
                        return Map.of(broker, Calls.Outcome.ok(Map.copyOf(dirs)));
                    }));
        });
    }

    /**
     * One AlterReplicaLogDirs to each broker for its replicas still pending, grouped by directory; each
     * partition's error settles its replica.
     */
    @Override
    public Results<TopicPartitionReplica, Void> alterReplicaLogDirs(Map<TopicPartitionReplica, String> replicas) {
        Map<TopicPartitionReplica, String> paths = new LinkedHashMap<>(replicas);
        paths.forEach((replica, path) -> {
            if (path == null || path.isEmpty()) {
                throw new IllegalArgumentException("no log dir for " + replica);
            }
        });
        String what = "alter replica log dirs";
        return calls.perItem(what, paths.keySet(), pending -> Calls.fanOut(byBroker(pending), new HashMap<>(),
                (broker, items) -> calls.<AlterReplicaLogDirsResponse>toBroker(broker, ApiKey.ALTER_REPLICA_LOG_DIRS, v -> {
                    Map<String, Map<String, List<Integer>>> byDir = new LinkedHashMap<>();
                    items.forEach(r -> byDir.computeIfAbsent(paths.get(r), d -> new LinkedHashMap<>())
                            .computeIfAbsent(r.topic(), t -> new ArrayList<>()).add(r.partition()));
                    List<AlterReplicaLogDirsRequest.AlterReplicaLogDir> dirs = new ArrayList<>();
                    byDir.forEach((dir, topics) -> {
                        List<AlterReplicaLogDirsRequest.AlterReplicaLogDirTopic> ts = new ArrayList<>();
                        topics.forEach((t, ps) -> ts.add(new AlterReplicaLogDirsRequest.AlterReplicaLogDirTopic()
                                .setName(t).setPartitions(ps)));
                        dirs.add(new AlterReplicaLogDirsRequest.AlterReplicaLogDir().setPath(dir).setTopics(ts));
                    });
                    return new AlterReplicaLogDirsRequest().setDirs(dirs);
                }).thenApply(r -> {
                    Map<TopicPartitionReplica, Calls.Outcome<Void>> out = new HashMap<>();
                    for (AlterReplicaLogDirsResponse.AlterReplicaLogDirTopicResult t : r.results()) {
                        for (AlterReplicaLogDirsResponse.AlterReplicaLogDirPartitionResult p : t.partitions()) {
                            TopicPartitionReplica replica = new TopicPartitionReplica(t.topicName(), p.partitionIndex(), broker);
                            if (items.contains(replica)) {
                                out.put(replica, TopicCalls.outcome(p.errorCode(), what + ": " + t.topicName() + "-"
                                        + p.partitionIndex() + " to " + paths.get(replica) + " on broker " + broker, null));
                            }
                        }
                    }
                    return out;
                })));
    }

    /**
     * DescribeLogDirs to each broker for the partitions of its replicas still pending: the directory
     * holding a partition's current replica, and the one holding its future replica, if any.
     */
    @Override
    public Results<TopicPartitionReplica, ReplicaLogDir> describeReplicaLogDirs(Collection<TopicPartitionReplica> replicas) {
        String what = "describe replica log dirs";
        return calls.perItem(what, replicas, pending -> Calls.fanOut(byBroker(pending), new HashMap<>(),
                (broker, items) -> calls.<DescribeLogDirsResponse>toBroker(broker, ApiKey.DESCRIBE_LOG_DIRS, v -> {
                    Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
                    items.forEach(r -> byTopic.computeIfAbsent(r.topic(), t -> new ArrayList<>()).add(r.partition()));
                    List<DescribeLogDirsRequest.DescribableLogDirTopic> topics = new ArrayList<>();
                    byTopic.forEach((t, ps) -> topics.add(new DescribeLogDirsRequest.DescribableLogDirTopic()
                            .setTopic(t).setPartitions(ps)));
                    return new DescribeLogDirsRequest().setTopics(topics);
                }).thenApply(r -> {
                    ErrorCode top = ErrorCode.forCode(r.errorCode());
                    Map<TopicPartitionReplica, Calls.Outcome<ReplicaLogDir>> out = new HashMap<>();
                    if (top != ErrorCode.NONE) {
                        SkeinException e = top.exception(what + " of broker " + broker);
                        items.forEach(i -> out.put(i, Calls.Outcome.failed(e)));
                        return out;
                    }
                    Map<TopicPartitionReplica, ReplicaLogDir.Placement> current = new HashMap<>();
                    Map<TopicPartitionReplica, ReplicaLogDir.Placement> future = new HashMap<>();
                    for (DescribeLogDirsResponse.DescribeLogDirsResult d : r.results()) {
                        if (ErrorCode.forCode(d.errorCode()) != ErrorCode.NONE) {
                            continue; // an offline directory lists nothing
                        }
                        d.topics().forEach(t -> t.partitions().forEach(p -> (p.isFutureKey() ? future : current).put(
                                new TopicPartitionReplica(t.name(), p.partitionIndex(), broker),
                                new ReplicaLogDir.Placement(d.logDir(), p.partitionSize(), p.offsetLag()))));
                    }
                    items.forEach(i -> out.put(i, Calls.Outcome.ok(new ReplicaLogDir(
                            Optional.ofNullable(current.get(i)), Optional.ofNullable(future.get(i))))));
                    return out;
                })));
    }

    private static Map<Integer, List<TopicPartitionReplica>> byBroker(Collection<TopicPartitionReplica> replicas) {
        Map<Integer, List<TopicPartitionReplica>> byBroker = new LinkedHashMap<>();
        replicas.forEach(r -> byBroker.computeIfAbsent(r.brokerId(), b -> new ArrayList<>()).add(r));
        return byBroker;
    }

    /** -1 (a field the broker's version does not have, or a value it does not know) as empty. */
    private static OptionalLong known(long value) {
        return value < 0 ? OptionalLong.empty() : OptionalLong.of(value);
    }

    @Override
    public CompletableFuture<QuorumInfo> describeQuorum() {
        return calls.retrying("describe the metadata quorum", () -> calls.<DescribeQuorumResponse>toAny(ApiKey.DESCRIBE_QUORUM,
                v -> new DescribeQuorumRequest().setTopics(List.of(new DescribeQuorumRequest.TopicData()
                        .setTopicName(METADATA_TOPIC).setPartitions(List.of(new DescribeQuorumRequest.PartitionData()
                                .setPartitionIndex(0)))))).thenApply(ClusterCalls::quorum))
                .handle((q, e) -> {
                    if (e == null) {
                        return q;
                    }
                    Throwable cause = Calls.unwrap(e);
                    if (cause instanceof UnsupportedVersionException) {
                        // A ZooKeeper-mode broker does not list DescribeQuorum at all: it has no quorum to describe.
                        throw new UnsupportedVersionException("describe the metadata quorum: only a KRaft cluster has one"
                                + " (DescribeQuorum, Apache Kafka 3.3 or newer in KRaft mode); " + cause.getMessage());
                    }
                    throw e instanceof CompletionException ce ? ce : new CompletionException(cause);
                });
    }

    private static QuorumInfo quorum(DescribeQuorumResponse r) {
        ErrorCode top = ErrorCode.forCode(r.errorCode());
        if (top != ErrorCode.NONE) {
            throw top.exception("describe the metadata quorum", r.errorMessage());
        }
        for (DescribeQuorumResponse.TopicData t : r.topics()) {
            for (DescribeQuorumResponse.PartitionData p : t.partitions()) {
                ErrorCode code = ErrorCode.forCode(p.errorCode());
                if (code != ErrorCode.NONE) {
                    throw code.exception("describe the metadata quorum", p.errorMessage());
                }
                return new QuorumInfo(p.leaderId(), p.leaderEpoch(), p.highWatermark(), replicas(p.currentVoters()),
                        replicas(p.observers()));
            }
        }
        throw new SkeinException("describe the metadata quorum: the answer has no partition of " + METADATA_TOPIC);
    }

    private static List<QuorumInfo.ReplicaState> replicas(List<DescribeQuorumResponse.ReplicaState> states) {
        List<QuorumInfo.ReplicaState> out = new ArrayList<>(states.size());
        states.forEach(s -> out.add(new QuorumInfo.ReplicaState(s.replicaId(), s.logEndOffset(),
                known(s.lastFetchTimestamp()), known(s.lastCaughtUpTimestamp()))));
        return List.copyOf(out);
    }
}
