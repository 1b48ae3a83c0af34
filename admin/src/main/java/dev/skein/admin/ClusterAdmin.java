package dev.skein.admin;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The cluster as a whole: its brokers, features, log directories and metadata quorum. */
public interface ClusterAdmin {
    /** Cluster id, controller, brokers and racks, and the caller's authorized operations. */
    CompletableFuture<ClusterDescription> describe();

    /** Finalized and supported feature levels. */
    CompletableFuture<FeatureMetadata> features();

    /**
     * Changes finalized feature levels (UpdateFeatures, KIP-584; Apache Kafka 2.7+, the upgrade types of
     * {@link FeatureUpdate.Type} from 3.3, UpdateFeatures v1): one future per feature. The controller
     * checks every update of a call against the others and against what each broker supports, and a
     * KRaft controller applies them together or not at all: one it refuses (an unknown feature, a level
     * out of range, a downgrade sent as an upgrade) fails every feature of the call with the broker's
     * error, whose message names the feature ({@code INVALID_UPDATE_VERSION}, an
     * {@link dev.skein.core.errors.InvalidRequestException}); a ZooKeeper-mode broker may answer per
     * feature, and then each feature gets its own outcome. Brokers learn new levels through the metadata
     * log: {@link #features()} may show the old level for a moment after the call completes. Send
     * features whose levels depend on each other (KIP-1022: {@code transaction.version} on
     * {@code metadata.version}) in one call. Needs the ALTER permission on the cluster.
     *
     * @throws IllegalArgumentException for no updates
     */
    Results<String, Void> updateFeatures(Map<String, FeatureUpdate> updates);

    /**
     * As {@link #updateFeatures(Map)}, but only checks what the controller would do ({@code validateOnly},
     * UpdateFeatures v1, Apache Kafka 3.3+; an older broker fails the call with
     * {@link dev.skein.core.errors.UnsupportedVersionException} rather than apply the updates).
     */
    Results<String, Void> validateFeatureUpdates(Map<String, FeatureUpdate> updates);

    /**
     * The log directories of each broker (DescribeLogDirs, KIP-113), by path, with every replica each
     * holds: one future per broker, failed when that broker cannot be reached within
     * {@code default.api.timeout.ms}, or when it refuses. It needs the DESCRIBE permission on the
     * cluster: without it a broker of Kafka 3.1 or newer (DescribeLogDirs v3, KIP-784) answers
     * {@code CLUSTER_AUTHORIZATION_FAILED}, and an older one an empty list of directories. An offline directory is
     * reported with its {@link LogDirDescription#error() error}, not as a failure of the broker.
     */
    Results<Integer, Map<String, LogDirDescription>> describeLogDirs(Collection<Integer> brokerIds);

    /**
     * Moves each replica to the log directory given for it (AlterReplicaLogDirs, KIP-113; Apache Kafka
     * 1.1+, JBOD in KRaft mode from 3.7): one request to each replica's broker, one future per replica. The
     * broker copies the replica into a future replica in the new directory and swaps them once the copy
     * has caught up: the future completes when the broker accepted the move, not when it is done;
     * {@link #describeReplicaLogDirs} shows the progress. A replica already in the directory succeeds
     * and stays. A directory the broker does not have fails the replica with {@code LOG_DIR_NOT_FOUND}
     * (an {@link dev.skein.core.errors.ApiException}); a partition the broker does not hold fails with
     * {@code UNKNOWN_TOPIC_OR_PARTITION} (an {@link dev.skein.core.errors.UnknownTopicException}) at once.
     * The retriable {@code KAFKA_STORAGE_ERROR} (an offline directory) and {@code REPLICA_NOT_AVAILABLE}
     * are retried until {@code default.api.timeout.ms}, as every retriable error is, then fail with a
     * {@link dev.skein.core.errors.TimeoutException} carrying the last one. Needs the ALTER permission on
     * the cluster.
     *
     * @param replicas each replica and the absolute path of its new directory on its broker
     */
    Results<TopicPartitionReplica, Void> alterReplicaLogDirs(Map<TopicPartitionReplica, String> replicas);

    /**
     * The log directory of each replica, and of its future replica while it moves (KIP-113), read from
     * DescribeLogDirs sent to each replica's broker for the partitions asked about: one future per
     * replica, failed as {@link #describeLogDirs} fails for its broker. A broker that holds no replica of
     * the partition answers both placements empty, as Apache Kafka's admin client does.
     */
    Results<TopicPartitionReplica, ReplicaLogDir> describeReplicaLogDirs(Collection<TopicPartitionReplica> replicas);

    /**
     * The KRaft metadata quorum: its leader, epoch, high watermark, voters and observers (DescribeQuorum,
     * KIP-836). Sent to any broker, which forwards it to the active controller (Apache Kafka 3.3+ in KRaft
     * mode). A ZooKeeper-mode cluster has no such quorum: the call fails with
     * {@link dev.skein.core.errors.UnsupportedVersionException} saying so.
     */
    CompletableFuture<QuorumInfo> describeQuorum();
}
