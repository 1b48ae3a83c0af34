package dev.skein.producer.internal;

import dev.skein.core.Node;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.metadata.MetadataManager;
import dev.skein.core.message.ProduceResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * One Produce response read for the sender: each partition's answer by partition, and the new leaders
 * the response names (KIP-951). No state and no I/O. Since Produce v13 topics are named by id, read
 * with the names the request used them for (not the metadata of when the answer comes, in which a
 * topic deleted or created again has no or another id: KAFKA-19397); an id the request did not use
 * leaves its partitions without an answer.
 */
final class ProduceResponses {
    private final Map<TopicPartition, ProduceResponse.PartitionProduceResponse> byPartition = new HashMap<>();
    private final List<MetadataManager.LeaderHint> hints = new ArrayList<>();
    private final List<Node> endpoints;

    /** {@code topicName}: the name of a topic id as the request used it, or null when it did not. */
    ProduceResponses(ProduceResponse response, Function<UUID, String> topicName) {
        for (ProduceResponse.TopicProduceResponse t : response.responses()) {
            String name = t.name() == null || t.name().isEmpty() ? topicName.apply(t.topicId()) : t.name();
            if (name == null) {
                continue;
            }
            for (ProduceResponse.PartitionProduceResponse p : t.partitionResponses()) {
                byPartition.put(new TopicPartition(name, p.index()), p);
                if (p.currentLeader() != null && p.currentLeader().leaderId() >= 0) {
                    hints.add(new MetadataManager.LeaderHint(name, p.index(), p.currentLeader().leaderId(),
                            p.currentLeader().leaderEpoch()));
                }
            }
        }
        this.endpoints = response.nodeEndpoints().stream().map(n -> new Node(n.nodeId(), n.host(), n.port(), n.rack()))
                .toList();
    }

    /** The partition's answer, or null when the response has none for it. */
    ProduceResponse.PartitionProduceResponse answer(TopicPartition tp) {
        return byPartition.get(tp);
    }

    /** The new leaders the response names, with {@link #endpoints()} for brokers metadata may not know yet. */
    List<MetadataManager.LeaderHint> leaderHints() {
        return hints;
    }

    List<Node> endpoints() {
        return endpoints;
    }

    /** True when the response named a new leader for {@code tp}. */
    boolean namesLeaderOf(TopicPartition tp) {
        for (MetadataManager.LeaderHint h : hints) {
            if (h.partition() == tp.partition() && h.topic().equals(tp.topic())) {
                return true;
            }
        }
        return false;
    }
}
