package dev.skein.admin;

import dev.skein.core.Node;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A streams group (KIP-1071): its state ({@code Empty}, {@code NotReady}, {@code Assigning},
 * {@code Reconciling}, {@code Stable}, {@code Dead}), its epoch and the epoch of the assignment the
 * members reconcile towards, the epoch of its topology and the topology's subtopologies, its coordinator,
 * and each member. {@code subtopologies} is empty while the group has no initialized topology (no member
 * yet, or source topics missing or partitioned inconsistently).
 */
public record StreamsGroupDescription(String groupId, String state, int groupEpoch, int assignmentEpoch,
                                      int topologyEpoch, List<Subtopology> subtopologies, Node coordinator,
                                      List<Member> members, Set<AclOperation> authorizedOperations) {

    /**
     * One subtopology: the topics it reads ({@code sourceTopics}, user topics and repartition topics), the
     * repartition topics it writes ({@code repartitionSinkTopics}), and the internal topics the group
     * creates for it: its state changelogs and the repartition topics it reads.
     */
    public record Subtopology(String id, List<String> sourceTopics, List<String> repartitionSinkTopics,
                              List<InternalTopic> stateChangelogTopics, List<InternalTopic> repartitionSourceTopics) {}

    /**
     * An internal topic of a subtopology: {@code partitions} 0 where no count is enforced (always so for
     * changelogs), {@code replicationFactor} 0 for the broker's default.
     */
    public record InternalTopic(String name, int partitions, short replicationFactor, Map<String, String> configs) {}

    /**
     * One member (one Kafka Streams client): {@code processId} names the Streams instance it belongs to,
     * {@code topologyEpoch} the topology it runs; {@code assignment} is what it owns now and
     * {@code targetAssignment} what it is to own once reconciled. {@code instanceId} and {@code rackId}
     * may be null; {@code classic} is true for a member still on the classic protocol.
     */
    public record Member(String memberId, int memberEpoch, String instanceId, String rackId, String clientId,
                         String clientHost, int topologyEpoch, String processId, Assignment assignment,
                         Assignment targetAssignment, boolean classic) {}

    /**
     * Tasks by kind: each maps a subtopology id to the partitions (task ids) of it. Active tasks process
     * records; standby tasks keep a copy of state; warm-up tasks build state before taking over.
     */
    public record Assignment(Map<String, Set<Integer>> activeTasks, Map<String, Set<Integer>> standbyTasks,
                             Map<String, Set<Integer>> warmupTasks) {}
}
