package dev.skein.admin;

import dev.skein.core.Node;
import dev.skein.core.TopicPartition;

import java.util.List;
import java.util.Set;

/**
 * A group: its protocol and state, the assignor in use, its coordinator, and each member with what it
 * is assigned. {@code groupEpoch} is the consumer protocol's epoch (-1 for classic groups).
 */
public record GroupDescription(String groupId, GroupType type, String protocolType, String state, String assignor,
                               int groupEpoch, Node coordinator, List<Member> members,
                               Set<AclOperation> authorizedOperations) {
    /**
     * One member. {@code subscribedTopics} is what it asked for (consumer groups; empty when unknown),
     * {@code assignment} what it owns now.
     */
    public record Member(String memberId, String groupInstanceId, String clientId, String clientHost,
                         Set<String> subscribedTopics, List<TopicPartition> assignment) {}
}
