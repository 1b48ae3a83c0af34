package dev.skein.consumer.internal;

import dev.skein.consumer.ConsumerOptions;
import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.OffsetAndTimestamp;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.Retry;
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
import java.util.concurrent.ConcurrentHashMap;

/**
 * ListOffsets to each partition's leader: earliest (-2), latest (-1) or by timestamp. A {@link Lookup}
 * runs without blocking a thread: each leader's answer settles its partitions as it arrives, so one
 * leader that cannot be reached holds up only its own partitions. What did not settle (a leader that
 * moved, metadata behind, a connection that failed or timed out) is asked again, after a metadata
 * refresh and the backoff, until the lookup's deadline; then it fails with a retriable
 * {@link TimeoutException}. A non-retriable answer fails it at once.
 */
final class OffsetLookup {
    static final long EARLIEST = -2L;
    static final long LATEST = -1L;

    private final ClusterClient client;
    private final ConsumerOptions settings;

    OffsetLookup(ClusterClient client, ConsumerOptions settings) {
        this.client = client;
        this.settings = settings;
    }

    /** Offsets (with record timestamps) for each partition's query, absent when none matches; blocks until {@code timeout}. */
    Map<TopicPartition, OffsetAndTimestamp> lookup(Map<TopicPartition, Long> queries, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        return Blocking.await(start(queries, false, deadline).done(), deadline, "the offsets of " + queries.keySet());
    }

    /**
     * Starts a lookup. With {@code latestWhenNone}, a timestamp no record reaches is asked again as
     * latest (a reset by duration lands at the end when nothing is that recent).
     */
    Lookup start(Map<TopicPartition, Long> queries, boolean latestWhenNone, long deadlineNanos) {
        Lookup l = new Lookup(queries, latestWhenNone);
        Set<String> topics = new HashSet<>();
        queries.keySet().forEach(tp -> topics.add(tp.topic()));
        boolean[] first = {true};
        // The topics are held while the lookup runs (offsetsForTimes may name topics the consumer does not read).
        Object hold = l;
        Retry.of(() -> {
                    CompletableFuture<Cluster> metadata = first[0] ? client.setTopics(hold, topics) : client.refreshMetadata();
                    first[0] = false;
                    return metadata.thenCompose(cluster -> attempt(l, cluster));
                })
                .backoff(settings.client().retryBackoff(), settings.client().retryBackoffMax())
                .until(deadlineNanos, last -> new TimeoutException("the offsets of " + l.unsettled() + " were not found in time: "
                        + last.getMessage(), last, true))
                .whenComplete((v, e) -> {
                    client.setTopics(hold, Set.of());
                    if (e != null) {
                        l.done.completeExceptionally(Retry.cause(e));
                    } else {
                        l.done.complete(Map.copyOf(l.found));
                    }
                });
        return l;
    }

    /** One round: ListOffsets to the leader of each unsettled partition; fails (retriable) while any stays unsettled. */
    private CompletableFuture<Void> attempt(Lookup l, Cluster cluster) {
        Map<Integer, Map<TopicPartition, Long>> byLeader = new HashMap<>();
        List<TopicPartition> leaderless = new ArrayList<>();
        for (Map.Entry<TopicPartition, Long> e : l.pending.entrySet()) {
            TopicPartition tp = e.getKey();
            Node leader = cluster.leader(tp.topic(), tp.partition());
            Cluster.TopicInfo topic = cluster.topic(tp.topic());
            if (leader == null && topic != null && topic.refusal() != null) {
                return CompletableFuture.failedFuture(topic.refusal().exception("metadata for topic " + topic.name()));
            }
            if (leader == null) {
                leaderless.add(tp);
            } else {
                byLeader.computeIfAbsent(leader.id(), k -> new LinkedHashMap<>()).put(tp, e.getValue());
            }
        }
        List<CompletableFuture<Void>> calls = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (Map.Entry<Integer, Map<TopicPartition, Long>> e : byLeader.entrySet()) {
            Map<TopicPartition, Long> asked = e.getValue();
            calls.add(client.<ListOffsetsResponse>send(e.getKey(), ApiKey.LIST_OFFSETS, v -> request(asked, (short) v))
                    .thenAccept(r -> l.settle(asked, r))
                    .exceptionally(failure -> {
                        synchronized (failures) {
                            failures.add(Retry.cause(failure));
                        }
                        return null;
                    }));
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenCompose(x -> {
            for (Throwable f : failures) {
                if (!Retry.retriable(f)) {
                    return CompletableFuture.failedFuture(f);
                }
            }
            if (l.pending.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            String why = !failures.isEmpty() ? failures.get(0).getMessage()
                    : !leaderless.isEmpty() ? "no leader known for " + leaderless : "a leader answered with a retriable error";
            return CompletableFuture.failedFuture(new SkeinException("offsets of " + l.unsettled() + " not found yet: " + why,
                    null, true));
        });
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

    /**
     * A lookup in progress. {@link #found()} may be read while it runs (the partitions settled so far
     * with an offset); {@link #done()} completes with all of them, or fails.
     */
    static final class Lookup {
        private final Map<TopicPartition, Long> queries;
        private final boolean latestWhenNone;
        /** Unsettled partitions and what to ask for each (a timestamp may turn into latest). */
        private final Map<TopicPartition, Long> pending;
        private final Map<TopicPartition, OffsetAndTimestamp> found = new ConcurrentHashMap<>();
        private final CompletableFuture<Map<TopicPartition, OffsetAndTimestamp>> done = new CompletableFuture<>();

        private Lookup(Map<TopicPartition, Long> queries, boolean latestWhenNone) {
            this.queries = Map.copyOf(queries);
            this.latestWhenNone = latestWhenNone;
            this.pending = new ConcurrentHashMap<>(queries);
        }

        /** What was asked, partition to query. */
        Map<TopicPartition, Long> queries() {
            return queries;
        }

        /** The partitions settled so far with an offset (a live view). */
        Map<TopicPartition, OffsetAndTimestamp> found() {
            return found;
        }

        CompletableFuture<Map<TopicPartition, OffsetAndTimestamp>> done() {
            return done;
        }

        private Set<TopicPartition> unsettled() {
            return new HashSet<>(pending.keySet());
        }

        /** Takes one leader's answer for the partitions {@code asked}; a non-retriable error code throws. */
        private void settle(Map<TopicPartition, Long> asked, ListOffsetsResponse r) {
            for (ListOffsetsResponse.ListOffsetsTopicResponse t : r.topics()) {
                for (ListOffsetsResponse.ListOffsetsPartitionResponse p : t.partitions()) {
                    TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
                    Long query = asked.get(tp);
                    if (query == null || !pending.containsKey(tp)) {
                        continue;
                    }
                    ErrorCode code = ErrorCode.forCode(p.errorCode());
                    if (code == ErrorCode.NONE) {
                        if (p.offset() >= 0) {
                            found.put(tp, new OffsetAndTimestamp(p.offset(), p.timestamp(), p.leaderEpoch()));
                            pending.remove(tp);
                        } else if (latestWhenNone && query >= 0) {
                            pending.put(tp, LATEST); // no record that recent: the end
                        } else {
                            pending.remove(tp);
                        }
                    } else if (!code.isRetriable()) {
                        throw code.exception("ListOffsets for " + tp);
                    }
                }
            }
        }
    }
}
