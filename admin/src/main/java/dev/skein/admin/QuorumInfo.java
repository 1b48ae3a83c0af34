package dev.skein.admin;

import java.util.List;
import java.util.OptionalLong;

/**
 * The KRaft metadata quorum (DescribeQuorum, KIP-595 and KIP-836), as its leader sees it.
 *
 * @param leaderId the active controller, or -1 when the quorum has no leader
 * @param leaderEpoch the leader's epoch
 * @param highWatermark the metadata log's high watermark
 * @param voters the controllers that vote
 * @param observers the replicas that only follow: the brokers, and controllers not voting
 */
public record QuorumInfo(int leaderId, int leaderEpoch, long highWatermark, List<ReplicaState> voters,
                         List<ReplicaState> observers) {
    /**
     * One replica of the metadata log.
     *
     * @param replicaId its node id
     * @param logEndOffset its last known log end offset, -1 when unknown
     * @param lastFetchTimestamp when it last fetched from the leader (leader's clock); empty for the leader
     *     itself, when unknown, or from a broker older than Kafka 3.3 (DescribeQuorum v1)
     * @param lastCaughtUpTimestamp the leader's append time of the offset it last fetched up to (the current
     *     time for the leader); empty when unknown or from a broker older than 3.3
     */
    public record ReplicaState(int replicaId, long logEndOffset, OptionalLong lastFetchTimestamp,
                               OptionalLong lastCaughtUpTimestamp) {}
}
