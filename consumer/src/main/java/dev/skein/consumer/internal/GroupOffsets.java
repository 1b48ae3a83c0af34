package dev.skein.consumer.internal;

import dev.skein.consumer.CommitFailedException;
import dev.skein.consumer.ConsumerOptions;
import dev.skein.core.ErrorCode;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.CoordinatorException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.OutcomeUnknownException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.Coordinators;
import dev.skein.core.internal.Retry;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.OffsetCommitRequest;
import dev.skein.core.message.OffsetCommitResponse;
import dev.skein.core.message.OffsetFetchRequest;
import dev.skein.core.message.OffsetFetchResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Committed offsets of a group: finds the group coordinator (FindCoordinator), commits (OffsetCommit)
 * and reads them (OffsetFetch), retrying coordinator moves and loads. Asynchronous: futures complete on
 * event loops. The generation is -1 (no group membership) until membership lands.
 */
final class GroupOffsets {
    private static final Logger log = LoggerFactory.getLogger(GroupOffsets.class);

    private final ClusterClient client;
    private final ConsumerOptions settings;
    private final Coordinators coordinators;
    /** Commits started so far, and per partition the latest that named it (see {@link #commit}). */
    private final AtomicLong commitsStarted = new AtomicLong();
    private final Map<TopicPartition, Long> latestCommit = new ConcurrentHashMap<>();
    private volatile Supplier<MemberIdentity> member = () -> MemberIdentity.NONE;
    /** The topic ids the consumer's positions of some partitions belong to (read when a commit starts). */
    private volatile Function<Collection<TopicPartition>, Map<String, UUID>> incarnations = tps -> Map.of();

    GroupOffsets(ClusterClient client, ConsumerOptions settings) {
        this.client = client;
        this.settings = settings;
        // The group's requests go over a connection of their own: a JoinGroup the coordinator holds for
        // seconds must not hold back this member's fetches from the same broker.
        this.coordinators = new Coordinators(client, true, null);
    }

    void memberSupplier(Supplier<MemberIdentity> supplier) {
        this.member = supplier;
    }

    /**
     * Where commits learn, when they start (on the polling thread), which topic id each partition's
     * position belongs to (see {@link #sameIncarnation}).
     */
    void incarnations(Function<Collection<TopicPartition>, Map<String, UUID>> ids) {
        this.incarnations = ids;
    }

    CompletableFuture<Integer> coordinator() {
        return coordinators.of(Coordinators.Kind.GROUP, settings.groupId());
    }

    void forgetCoordinator() {
        coordinators.moved(Coordinators.Kind.GROUP, settings.groupId());
    }

    /**
     * Commits, trying up to {@code attempts} times in all while the coordinator moves or loads, or (consumer
     * protocol) a heartbeat moved this member's epoch while the commit was in flight. For commits nothing
     * waits on (commitAsync, the commit of positions in poll): a later commit of one of the same
     * partitions carries newer offsets, and retrying this one past it could move the group's offset back.
     * So a retry goes only while no later commit of any of its partitions has started, checked when it
     * would be sent (after the coordinator lookup); Apache Kafka's consumer likewise sends asynchronous
     * commits in call order, done before a later commitSync returns. Its failure then goes to its
     * callback, and the positions it carried stay uncommitted for the delivery mode's next commit.
     */
    CompletableFuture<Void> commit(Map<TopicPartition, OffsetAndMetadata> offsets, int attempts) {
        long started = startCommit(offsets.keySet());
        Map<String, UUID> ids = incarnations.apply(offsets.keySet());
        boolean[] tried = {false};
        Supplier<CompletableFuture<Void>> attempt = () -> {
            boolean retry = tried[0];
            tried[0] = true;
            return commitOnce(offsets, ids, () -> !retry || !supersededSince(offsets.keySet(), started));
        };
        return retrying(attempt, failure -> true).attempts(attempts).untilAttemptsRunOut(last -> last)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(commitFailure(offsets, Retry.cause(e))));
    }

    /** Numbers a commit of {@code partitions}: each partition remembers the latest commit started for it. */
    private long startCommit(Set<TopicPartition> partitions) {
        long n = commitsStarted.incrementAndGet();
        for (TopicPartition tp : partitions) {
            latestCommit.merge(tp, n, Math::max);
        }
        return n;
    }

    private boolean supersededSince(Set<TopicPartition> partitions, long started) {
        for (TopicPartition tp : partitions) {
            if (latestCommit.getOrDefault(tp, 0L) > started) {
                return true;
            }
        }
        return false;
    }

    /**
     * Commits as {@link #commit(Map, int)} does ({@code attempts} in all), except that while the
     * coordinator cannot be reached or has moved (a connection lost, no coordinator yet) it tries again
     * until {@code deadlineNanos}: a coordinator whose broker died moves only once the controller fences
     * that broker, seconds later, longer than a few attempts last. For commits a caller waits on
     * (commitSync, at-most-once's commit before records are returned, the commit before partitions are
     * revoked, the final one on close): one at a time, so a retry cannot overtake a newer commit, and the
     * same offsets committed twice are harmless. Other failures (a topic deleted meanwhile, say) keep the
     * few attempts: the commit is not worth stalling the poll loop for.
     */
    CompletableFuture<Void> commitUntil(Map<TopicPartition, OffsetAndMetadata> offsets, int attempts, long deadlineNanos) {
        startCommit(offsets.keySet());
        Map<String, UUID> ids = incarnations.apply(offsets.keySet());
        int[] others = {0};
        return retrying(() -> commitOnce(offsets, ids, () -> true), failure -> coordinatorUnreachable(failure) || ++others[0] < attempts)
                .until(deadlineNanos, last -> last)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(commitFailure(offsets, Retry.cause(e))));
    }

    private static boolean coordinatorUnreachable(Throwable failure) {
        return failure instanceof CoordinatorException || failure instanceof NetworkException
                || failure instanceof OutcomeUnknownException;
    }

    /** The commit's retry: what may be tried again at all, and of that what {@code andThen} lets through. */
    private Retry<Void> retrying(Supplier<CompletableFuture<Void>> attempt, Predicate<Throwable> andThen) {
        return Retry.of(attempt)
                .backoff(settings.client().retryBackoff(), settings.client().retryBackoffMax())
                .retryIf(failure -> (isCoordinatorError(failure)
                        // The member is still in the group: the commit goes again with the epoch it has now.
                        || (failure instanceof SkeinException s && s.errorCode() == ErrorCode.STALE_MEMBER_EPOCH
                                && member.get().generation() > 0)) && andThen.test(failure))
                .beforeRetry(failure -> {
                    if (isCoordinatorError(failure)) {
                        forgetCoordinator();
                    }
                });
    }

    /**
     * One OffsetCommit, sent only if {@code mayStillSend} says so once the coordinator is known. Newer
     * versions name topics by id: metadata describes them (held for this commit only) before the
     * request is built.
     */
    private CompletableFuture<Void> commitOnce(Map<TopicPartition, OffsetAndMetadata> offsets, Map<String, UUID> ids,
                                               BooleanSupplier mayStillSend) {
        return client.withTopics(TopicPartition.topicsOf(offsets.keySet()), c -> coordinator().thenCompose(node -> {
                    if (!mayStillSend.getAsBoolean()) {
                        return CompletableFuture.<OffsetCommitResponse>failedFuture(new CommitFailedException("commit of " + offsets.keySet()
                                + " for group " + settings.groupId() + " was not tried again: a later commit of the"
                                + " same partitions has started, whose offsets this one's retry could move back"));
                    }
                    Map<TopicPartition, OffsetAndMetadata> current = sameIncarnation(offsets, ids, client.cluster());
                    if (current.isEmpty()) {
                        return CompletableFuture.<OffsetCommitResponse>completedFuture(null);
                    }
                    return client.<OffsetCommitResponse>send(node, ApiKey.OFFSET_COMMIT,
                            v -> commitRequest(current, ids, (short) v));
                }))
                .thenApply(r -> {
                    if (r == null) {
                        return null; // nothing left to commit
                    }
                    RuntimeException failure = commitError(r);
                    if (failure != null) {
                        throw failure;
                    }
                    return null;
                });
    }

    /** What a commit that failed for good tells the user. */
    private CommitFailedException commitFailure(Map<TopicPartition, OffsetAndMetadata> offsets, Throwable failure) {
        if (failure instanceof CommitFailedException c) {
            return c;
        }
        if (failure instanceof SkeinException s && s.errorCode() != null && switch (s.errorCode()) {
            case ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID, STALE_MEMBER_EPOCH,
                 FENCED_MEMBER_EPOCH -> true;
            default -> false;
        }) {
            return new CommitFailedException("commit of " + offsets.keySet() + " failed: the group rebalanced and this"
                    + " member's generation is stale (" + s.errorCode() + "); those records may be processed again by"
                    + " the new owner", failure);
        }
        return new CommitFailedException("commit of " + offsets.keySet() + " for group " + settings.groupId() + " failed: "
                + failure.getMessage(), failure);
    }

    /**
     * The committed offsets (absent for partitions with none), asked for as stable (KIP-447: offsets a
     * transaction still holds are not answered). A failure that clears on its own is retried with
     * backoff until {@code deadlineNanos}: the coordinator moved or is loading, no answer, or
     * UNSTABLE_OFFSET_COMMIT, which lasts until that transaction ends (for a crashed producer, until the
     * broker aborts it after its transaction timeout). At the deadline it fails with a retriable
     * {@link TimeoutException} whose cause is the last failure.
     */
    CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> fetch(Set<TopicPartition> partitions, long deadlineNanos) {
        return Retry.of(() -> fetchOnce(partitions))
                .backoff(settings.client().retryBackoff(), settings.client().retryBackoffMax())
                .retryIf(failure -> coordinatorMoved(failure) || Retry.retriable(failure))
                .beforeRetry(failure -> {
                    if (coordinatorMoved(failure)) {
                        forgetCoordinator();
                    }
                    log.debug("OffsetFetch for group {}: {}; retrying", settings.groupId(), failure.getMessage());
                })
                .until(deadlineNanos, last -> new TimeoutException("the committed offsets of " + partitions + " for group "
                        + settings.groupId() + " were not available in time: " + last.getMessage(), last, true));
    }

    private CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> fetchOnce(Set<TopicPartition> partitions) {
        return client.withTopics(TopicPartition.topicsOf(partitions), c -> coordinator()
                        .thenCompose(node -> client.<OffsetFetchResponse>send(node, ApiKey.OFFSET_FETCH,
                                v -> fetchRequest(partitions, (short) v))))
                .thenApply(r -> {
                    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
                    parse(r, out);
                    return out;
                });
    }

    private static boolean coordinatorMoved(Throwable failure) {
        return isCoordinatorError(failure) || failure.getClass() == SkeinException.class;
    }

    /**
     * The offsets whose position was not read from another incarnation of the topic than metadata
     * describes now. A position belongs to the topic id the consumer noted for it ({@code ids}, read when
     * the commit started); once a topic is deleted and created again, a commit of such a position would
     * give the new topic an offset of the old log, so it is left out (the old topic's offsets went with
     * it). Partitions with no id noted (not assigned, a broker before KIP-516) are kept.
     */
    static Map<TopicPartition, OffsetAndMetadata> sameIncarnation(Map<TopicPartition, OffsetAndMetadata> offsets,
                                                                   Map<String, UUID> ids, Cluster cluster) {
        if (ids.isEmpty()) {
            return offsets;
        }
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        offsets.forEach((tp, om) -> {
            UUID was = ids.get(tp.topic());
            Cluster.TopicInfo now = cluster.topic(tp.topic());
            if (was == null || now == null || now.id() == null || was.equals(now.id())) {
                out.put(tp, om);
            } else {
                log.info("not committing {} at {}: the topic was deleted and created again since that position was read",
                        tp, om.offset());
            }
        });
        return out;
    }

    private OffsetCommitRequest commitRequest(Map<TopicPartition, OffsetAndMetadata> offsets, Map<String, UUID> ids,
                                              short v) {
        Cluster cluster = client.cluster();
        Map<String, OffsetCommitRequest.OffsetCommitRequestTopic> topics = new LinkedHashMap<>();
        // By id (v10+), the id the positions were read under: should the topic be created again between the
        // check above and this build, the broker refuses the old id rather than taking the offset.
        offsets.forEach((tp, om) -> topics.computeIfAbsent(tp.topic(), t -> new OffsetCommitRequest.OffsetCommitRequestTopic()
                .setName(v < 10 ? t : "").setTopicId(v >= 10 ? ids.getOrDefault(t, topicId(cluster, t)) : new UUID(0, 0))
                .setPartitions(new ArrayList<>())).partitions().add(new OffsetCommitRequest.OffsetCommitRequestPartition()
                .setPartitionIndex(tp.partition()).setCommittedOffset(om.offset())
                .setCommittedLeaderEpoch(om.leaderEpoch()).setCommittedMetadata(om.metadata())));
        MemberIdentity m = member.get();
        return new OffsetCommitRequest().setGroupId(settings.groupId()).setGenerationIdOrMemberEpoch(m.generation())
                .setMemberId(m.memberId()).setGroupInstanceId(v >= 7 ? settings.groupInstanceId() : null)
                .setTopics(new ArrayList<>(topics.values()));
    }

    private OffsetFetchRequest fetchRequest(Set<TopicPartition> partitions, short v) {
        Cluster cluster = client.cluster();
        Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        if (v < 8) {
            List<OffsetFetchRequest.OffsetFetchRequestTopic> ts = new ArrayList<>();
            byTopic.forEach((t, ps) -> ts.add(new OffsetFetchRequest.OffsetFetchRequestTopic().setName(t).setPartitionIndexes(ps)));
            return new OffsetFetchRequest().setGroupId(settings.groupId()).setTopics(ts).setRequireStable(v >= 7);
        }
        List<OffsetFetchRequest.OffsetFetchRequestTopics> ts = new ArrayList<>();
        byTopic.forEach((t, ps) -> ts.add(new OffsetFetchRequest.OffsetFetchRequestTopics().setName(v < 10 ? t : "")
                .setTopicId(v >= 10 ? topicId(cluster, t) : new UUID(0, 0)).setPartitionIndexes(ps)));
        OffsetFetchRequest.OffsetFetchRequestGroup g = new OffsetFetchRequest.OffsetFetchRequestGroup()
                .setGroupId(settings.groupId()).setTopics(ts);
        if (v >= 9) {
            g.setMemberEpoch(-1);
            g.setMemberId(null);
        }
        return new OffsetFetchRequest().setGroups(List.of(g)).setRequireStable(true);
    }

    private static UUID topicId(Cluster cluster, String topic) {
        Cluster.TopicInfo t = cluster.topic(topic);
        if (t == null) {
            throw new IllegalStateException("no metadata for topic " + topic);
        }
        return t.id();
    }

    private RuntimeException commitError(OffsetCommitResponse r) {
        Set<String> failed = new HashSet<>();
        ErrorCode first = null;
        for (OffsetCommitResponse.OffsetCommitResponseTopic t : r.topics()) {
            // v10+ (KIP-848) names topics by id only
            String name = t.name() != null && !t.name().isEmpty() ? t.name() : client.cluster().topicName(t.topicId());
            for (OffsetCommitResponse.OffsetCommitResponsePartition p : t.partitions()) {
                ErrorCode code = ErrorCode.forCode(p.errorCode());
                if (code != ErrorCode.NONE) {
                    failed.add(name != null ? name + "-" + p.partitionIndex()
                            : "partition " + p.partitionIndex() + " of topic id " + t.topicId());
                    first = first == null ? code : first;
                }
            }
        }
        return first == null ? null : first.exception("OffsetCommit of " + failed + " for group " + settings.groupId());
    }

    private void parse(OffsetFetchResponse r, Map<TopicPartition, OffsetAndMetadata> out) {
        Cluster cluster = client.cluster();
        if (!r.groups().isEmpty()) {
            OffsetFetchResponse.OffsetFetchResponseGroup g = r.groups().get(0);
            ErrorCode gc = ErrorCode.forCode(g.errorCode());
            if (gc != ErrorCode.NONE) {
                throw gc.exception("OffsetFetch for group " + settings.groupId());
            }
            for (OffsetFetchResponse.OffsetFetchResponseTopics t : g.topics()) {
                String name = t.name() != null && !t.name().isEmpty() ? t.name() : cluster.topicName(t.topicId());
                if (name == null) {
                    continue; // a topic deleted since: nothing to resume from
                }
                for (OffsetFetchResponse.OffsetFetchResponsePartitions p : t.partitions()) {
                    add(out, new TopicPartition(name, p.partitionIndex()), p.errorCode(), p.committedOffset(),
                            p.metadata(), p.committedLeaderEpoch());
                }
            }
            return;
        }
        ErrorCode top = ErrorCode.forCode(r.errorCode());
        if (top != ErrorCode.NONE) {
            throw top.exception("OffsetFetch for group " + settings.groupId());
        }
        for (OffsetFetchResponse.OffsetFetchResponseTopic t : r.topics()) {
            for (OffsetFetchResponse.OffsetFetchResponsePartition p : t.partitions()) {
                add(out, new TopicPartition(t.name(), p.partitionIndex()), p.errorCode(), p.committedOffset(),
                        p.metadata(), p.committedLeaderEpoch());
            }
        }
    }

    private void add(Map<TopicPartition, OffsetAndMetadata> out, TopicPartition tp, short error, long offset,
                     String metadata, int epoch) {
        ErrorCode code = ErrorCode.forCode(error);
        if (code != ErrorCode.NONE) {
            throw code.exception("OffsetFetch of " + tp + " for group " + settings.groupId());
        }
        if (offset >= 0) {
            out.put(tp, new OffsetAndMetadata(offset, metadata, epoch));
        }
    }

    private static boolean isCoordinatorError(Throwable e) {
        return e instanceof CoordinatorException || (e instanceof SkeinException s && s.errorCode() == null && s.isRetriable());
    }

}
