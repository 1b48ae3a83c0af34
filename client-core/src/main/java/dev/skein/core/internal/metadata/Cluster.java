package dev.skein.core.internal.metadata;

import dev.skein.core.ErrorCode;
import dev.skein.core.Node;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * An immutable snapshot of cluster metadata: brokers, controller, and the topics this client asked
 * about, with their partitions' leaders and leader epochs.
 */
public final class Cluster {
    /** One partition: leader -1 when it has none right now. */
    public record PartitionInfo(String topic, int partition, int leader, int leaderEpoch, List<Integer> replicas,
                                List<Integer> isr, List<Integer> offline) {}

    /** One topic; {@code error} is NONE or why the broker could not describe it. */
    public record TopicInfo(String name, UUID id, boolean internal, ErrorCode error, List<PartitionInfo> partitions) {
        public int partitionCount() {
            return partitions.size();
        }

        /**
         * Why the broker will not describe this topic however often it is asked (the principal may not
         * see it, its name is invalid), or null: waiting for its leader cannot help.
         */
        public ErrorCode refusal() {
            return error != ErrorCode.NONE && !error.isRetriable() ? error : null;
        }
    }

    static final Cluster EMPTY = new Cluster(null, -1, Map.of(), Map.of(), 0);

    private final String clusterId;
    private final int controllerId;
    private final Map<Integer, Node> brokers;
    private final Map<String, TopicInfo> topics;
    private final long updateCount;

    Cluster(String clusterId, int controllerId, Map<Integer, Node> brokers, Map<String, TopicInfo> topics,
            long updateCount) {
        this.clusterId = clusterId;
        this.controllerId = controllerId;
        this.brokers = Collections.unmodifiableMap(brokers);
        this.topics = Collections.unmodifiableMap(topics);
        this.updateCount = updateCount;
    }

    public String clusterId() { return clusterId; }

    public int controllerId() { return controllerId; }

    public Map<Integer, Node> brokers() { return brokers; }

    public Node broker(int id) { return brokers.get(id); }

    public Map<String, TopicInfo> topics() { return topics; }

    /** The topic, or null when metadata has not described it (yet). */
    public TopicInfo topic(String name) { return topics.get(name); }

    /** The name of the topic with this id (newer APIs name topics by id), or null when unknown. */
    public String topicName(UUID id) {
        for (TopicInfo t : topics.values()) {
            if (t.id().equals(id)) {
                return t.name();
            }
        }
        return null;
    }

    /** How many metadata responses built this snapshot's lineage; grows with every update. */
    public long updateCount() { return updateCount; }

    /** The partition, or null when unknown. */
    public PartitionInfo partition(String topic, int partition) {
        TopicInfo t = topics.get(topic);
        if (t == null || partition < 0 || partition >= t.partitions().size()) {
            return null;
        }
        return t.partitions().get(partition);
    }

    /** The leader broker of a partition, or null when it has none or is unknown. */
    public Node leader(String topic, int partition) {
        PartitionInfo p = partition(topic, partition);
        return p == null || p.leader() < 0 ? null : brokers.get(p.leader());
    }

    @Override
    public String toString() {
        return "Cluster(" + clusterId + ", controller " + controllerId + ", brokers " + brokers.keySet() + ", topics "
                + topics.keySet() + ")";
    }
}
