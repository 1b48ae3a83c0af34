package dev.skein.consumer.internal;

import dev.skein.core.OffsetAndTimestamp;
import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.Backoff;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ListOffsetsRequest;
import dev.skein.core.message.ListOffsetsResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * ListOffsets to each partition's leader: earliest (-2), latest (-1) or by timestamp. Retriable
 * errors (leader moved, metadata behind) refresh metadata and retry until the deadline. Blocking:
 * called from the polling thread.
 */
final class OffsetLookup {
    static final long EARLIEST = -2L;
    static final long LATEST = -1L;

    private final ClusterClient client;
    private final ConsumerSettings settings;

    OffsetLookup(ClusterClient client, ConsumerSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /** Offsets (with record timestamps) for each partition's query; absent when none matches. */
    Map<TopicPartition, OffsetAndTimestamp> lookup(Map<TopicPartition, Long> queries, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, OffsetAndTimestamp> result = new HashMap<>();
        Map<TopicPartition, Long> remaining = new LinkedHashMap<>(queries);
        Set<String> topics = new HashSet<>();
        queries.keySet().forEach(tp -> topics.add(tp.topic()));
        Blocking.await(client.addTopics(topics), deadline, "metadata for " + topics);
        for (int failures = 1; !remaining.isEmpty(); ) {
            Cluster cluster = client.cluster();
            Map<Integer, Map<TopicPartition, Long>> byLeader = new HashMap<>();
            boolean missing = false;
            for (Map.Entry<TopicPartition, Long> e : remaining.entrySet()) {
                Node leader = cluster.leader(e.getKey().topic(), e.getKey().partition());
                Cluster.TopicInfo topic = cluster.topic(e.getKey().topic());
                if (leader == null && topic != null && topic.refusal() != null) {
                    throw topic.refusal().exception("metadata for topic " + topic.name());
                }
                if (leader == null) {
                    missing = true;
                } else {
                    byLeader.computeIfAbsent(leader.id(), k -> new LinkedHashMap<>()).put(e.getKey(), e.getValue());
                }
            }
            List<CompletableFuture<ListOffsetsResponse>> calls = new ArrayList<>();
            for (Map.Entry<Integer, Map<TopicPartition, Long>> e : byLeader.entrySet()) {
                calls.add(client.send(e.getKey(), ApiKey.LIST_OFFSETS, v -> request(e.getValue(), (short) v)));
            }
            boolean retry = missing;
            for (CompletableFuture<ListOffsetsResponse> call : calls) {
                ListOffsetsResponse r;
                try {
                    r = Blocking.await(call, deadline, "offsets of " + remaining.keySet());
                } catch (TimeoutException t) {
                    throw t;
                } catch (RuntimeException e) {
                    retry = true;
                    continue;
                }
                for (ListOffsetsResponse.ListOffsetsTopicResponse t : r.topics()) {
                    for (ListOffsetsResponse.ListOffsetsPartitionResponse p : t.partitions()) {
                        TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                        ErrorCode code = ErrorCode.forCode(p.errorCode());
                        if (code == ErrorCode.NONE) {
                            remaining.remove(tp);
                            if (p.offset() >= 0) {
                                result.put(tp, new OffsetAndTimestamp(p.offset(), p.timestamp(), p.leaderEpoch()));
                            }
                        } else if (code.isRetriable()) {
                            retry = true;
                        } else {
                            throw code.exception("ListOffsets for " + tp);
                        }
                    }
                }
            }
            if (!remaining.isEmpty() && retry) {
                Blocking.await(client.refreshMetadata(), deadline, "metadata for " + topics);
                Blocking.sleep(TimeUnit.NANOSECONDS.toMillis(Backoff.nanos(failures++, settings.client().retryBackoff(),
                        settings.client().retryBackoffMax())), deadline);
            }
        }
        return result;
    }

    private ListOffsetsRequest request(Map<TopicPartition, Long> queries, short version) {
        Map<String, ListOffsetsRequest.ListOffsetsTopic> topics = new LinkedHashMap<>();
        queries.forEach((tp, ts) -> topics.computeIfAbsent(tp.topic(), t -> new ListOffsetsRequest.ListOffsetsTopic()
                .setName(t).setPartitions(new ArrayList<>())).partitions()
                .add(new ListOffsetsRequest.ListOffsetsPartition().setPartitionIndex(tp.partition()).setTimestamp(ts)));
        ListOffsetsRequest r = new ListOffsetsRequest().setReplicaId(-1).setTopics(new ArrayList<>(topics.values()));
        if (version >= 2) {
            r.setIsolationLevel(settings.isolation().wire());
        }
        return r;
    }
}
