package dev.skein.admin;

import dev.skein.core.Node;
import dev.skein.core.TopicPartition;

import java.util.List;
import java.util.Set;

/**
 * A share group: its state ({@code Empty}, {@code Stable}, {@code Dead}), its epoch and the epoch of the
 * assignment the members have, the server-side assignor, its coordinator, and each member.
 */
public record ShareGroupDescription(String groupId, String state, int groupEpoch, int assignmentEpoch,
                                    String assignor, Node coordinator, List<Member> members,
                                    Set<AclOperation> authorizedOperations) {
    /**
     * One member: {@code subscribedTopics} is what it asked for, {@code assignment} the partitions it
     * reads now (members of a share group may be assigned the same partitions). {@code rackId} may be null.
     */
    public record Member(String memberId, String rackId, int memberEpoch, String clientId, String clientHost,
                         Set<String> subscribedTopics, List<TopicPartition> assignment) {}
}
