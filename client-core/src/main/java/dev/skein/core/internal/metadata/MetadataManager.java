package dev.skein.core.internal.metadata;

import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.TopicPartition;
import dev.skein.core.internal.Backoff;
import dev.skein.core.internal.protocol.Wire;
import dev.skein.core.message.MetadataRequest;
import dev.skein.core.message.MetadataResponse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * The metadata state machine. It does no I/O: the driver asks {@link #nextRequest(long)} whether a
 * refresh is due, sends it, and feeds back {@link #onResponse} or {@link #onFailure}.
 *
 * <p>A refresh is due when the snapshot is older than {@code metadata.max.age.ms}, when someone
 * asked for one (a leader error, a new topic of interest), and never sooner than the retry backoff
 * after the previous attempt: {@code retry.backoff.ms}, growing to {@code retry.backoff.max.ms} over
 * consecutive failures, and over consecutive answers that bring no news (KIP-580): a partition still
 * without a leader, a topic still being created, is asked about less and less often. Partition
 * entries carrying an older leader epoch than the newest seen for the same topic id are stale (a
 * broker that has not caught up) and are ignored, even after a topic-level error emptied the topic in
 * between. A response with a top-level error or no broker is not applied: it counts as a failed refresh.
 *
 * <p>Thread-safe: every method synchronizes on this object, which no method holds while running
 * user or network code, except {@link #cluster()}: the snapshot is immutable and replaced whole under
 * the lock, so reading it is one volatile read (a producer reads it per record).
 */
public final class MetadataManager {
    private final long maxAgeMs;
    private final long backoffMs;
    private final long backoffMaxMs;
    private final DoubleSupplier random;
    /** Refreshes failed since the last answer. */
    private int failures;
    /** The wait after the last attempt before the next: {@link #backoffMs}, grown per failure (KIP-580). */
    private long retryBackoffMs;
    /** Answers in a row that brought no news ({@link #bringsNews}): Apache Kafka's {@code equivalentResponseCount}. */
    private int equivalentAnswers;
    /** The wait after an answer that brought no news, grown per such answer in a row (KIP-580); 0 after news. */
    private long equivalentBackoffMs;
    /** Topics added ({@link #addTopics}) and not removed: they stay of interest until {@link #removeTopics}. */
    private final Set<String> topics = new LinkedHashSet<>();
    /**
     * Topics stated whole by an owner ({@link #setTopics}): a consumer's subscription and assignment, an
     * operation that needs some topics while it runs. Requests cover the union with {@link #topics}
     * ({@link #wanted}), so an owner's old topics leave the requests when it states a new set.
     */
    private final Map<Object, Set<String>> owned = new HashMap<>();
    /** {@link #topics} and every owner's set: what a refresh for named topics asks for. */
    private Set<String> wanted = Set.of();
    private boolean allTopics;
    /** Whether refreshes for named topics let the broker create a missing one ({@link #allowAutoTopicCreation}). */
    private boolean autoCreate;
    private volatile Cluster cluster = Cluster.EMPTY;
    private long lastSuccessMs = Long.MIN_VALUE / 2;
    private long lastAttemptMs = Long.MIN_VALUE / 2;
    private boolean updateRequested = true;
    private boolean inFlight;
    private static final long NONE = Long.MIN_VALUE;
    /** When the first refresh since the last answer was sent, or {@link #NONE}. */
    private long firstUnansweredMs = NONE;
    /** Waiters for a refresh not yet sent; they move to {@link #inFlightWaiters} when it is. */
    private CompletableFuture<Cluster> nextUpdate = new CompletableFuture<>();
    /** Waiters answered by the refresh in flight: registered before it was built, so it covers their topics. */
    private CompletableFuture<Cluster> inFlightWaiters = new CompletableFuture<>();
    /** The topics the refresh in flight asked for (all when {@link #inFlightAllTopics}); empty when none is. */
    private Set<String> inFlightTopics = Set.of();
    private boolean inFlightAllTopics;
    private boolean rebootstrapRequired;
    /**
     * The newest leader epoch seen per partition, with its topic's id, kept apart from the snapshot (as
     * Apache Kafka's {@code Metadata.lastSeenLeaderEpochs}): neither a topic-level error that empties a
     * topic in the snapshot nor a response that leaves the topic out makes an older epoch acceptable
     * afterwards. Kept while the topic is retained ({@link #retained}), so it cannot grow without bound.
     */
    private final Map<TopicPartition, SeenEpoch> lastSeenEpochs = new HashMap<>();
    /** When a response last named each topic; for {@link #retained}. */
    private final Map<String, Long> namedAtMs = new HashMap<>();

    private record SeenEpoch(UUID topicId, int epoch) {}

    /**
     * @param maxAge     {@code metadata.max.age.ms}
     * @param backoff    {@code retry.backoff.ms}: the wait between refreshes, and after the first failure
     * @param backoffMax {@code retry.backoff.max.ms}: what the wait grows to over consecutive failures
     */
    public MetadataManager(Duration maxAge, Duration backoff, Duration backoffMax) {
        this(maxAge, backoff, backoffMax, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** With {@code random} in [0, 1) for the backoff's jitter (a test holds it still). */
    MetadataManager(Duration maxAge, Duration backoff, Duration backoffMax, DoubleSupplier random) {
        this.maxAgeMs = maxAge.toMillis();
        this.backoffMs = backoff.toMillis();
        this.backoffMaxMs = backoffMax.toMillis();
        this.random = random;
        this.retryBackoffMs = backoffMs;
    }

    public Cluster cluster() {
        return cluster;
    }

    /** Asks for a refresh as soon as the backoff allows; the future completes with the next snapshot. */
    public synchronized CompletableFuture<Cluster> requestUpdate() {
        updateRequested = true;
        return nextUpdate;
    }

    /**
     * The next snapshot, whatever it describes: the refresh in flight if there is one (no backoff to
     * wait), else one requested now. For a caller that needs brokers, not fresh topic data.
     */
    public synchronized CompletableFuture<Cluster> nextSnapshot() {
        if (inFlight) {
            return inFlightWaiters;
        }
        updateRequested = true;
        return nextUpdate;
    }

    /**
     * Adds topics to describe. When the current snapshot already describes all of them, the future
     * is complete at once; otherwise a refresh is requested and the future completes with it.
     */
    public synchronized CompletableFuture<Cluster> addTopics(Collection<String> names) {
        topics.addAll(names);
        return describe(names, updateWanted());
    }

    /**
     * States the whole set of topics {@code owner} needs described, replacing what it stated before (an
     * empty set removes the owner): as Apache Kafka's consumer sets its metadata topics on each change of
     * subscription, topics no owner (nor {@link #addTopics}) still wants leave the next request, and the
     * snapshot after it. Completes as {@link #addTopics} does. {@code owner} is a key (compared with
     * {@code equals}): one object per owner; an operation that holds topics while it runs uses a new one.
     */
    public synchronized CompletableFuture<Cluster> setTopics(Object owner, Collection<String> names) {
        if (names.isEmpty()) {
            owned.remove(owner);
        } else {
            owned.put(owner, Set.copyOf(names));
        }
        return describe(names, updateWanted());
    }

    /** Recomputes {@link #wanted}; true when it gained a topic. */
    private boolean updateWanted() {
        Set<String> next = new LinkedHashSet<>(topics);
        owned.values().forEach(next::addAll);
        boolean added = !wanted.containsAll(next);
        wanted = Collections.unmodifiableSet(next);
        return added;
    }

    /** The future of {@link #addTopics}: now when described, else the refresh that will describe {@code names}. */
    private CompletableFuture<Cluster> describe(Collection<String> names, boolean added) {
        if (!added && cluster.topics().keySet().containsAll(names)) {
            return CompletableFuture.completedFuture(cluster);
        }
        if (inFlight && (inFlightAllTopics || inFlightTopics.containsAll(names))) {
            // Asked for already by the refresh in flight (assign(), then the offset lookup for the same
            // topics): its answer is the news; a refresh of its own would wait out the backoff.
            return inFlightWaiters;
        }
        updateRequested = true;
        if (added) {
            lastAttemptMs = Long.MIN_VALUE / 2; // a topic never asked for waits for no backoff (as Apache Kafka's clients)
            startEquivalentAnswersOver();
        }
        return nextUpdate;
    }

    public synchronized void removeTopics(Collection<String> names) {
        topics.removeAll(names);
        updateWanted();
    }

    /**
     * Whether a refresh for named topics lets a broker with {@code auto.create.topics.enable} create one
     * that does not exist (the Metadata request's {@code allow_auto_topic_creation}). Off by default, as the
     * admin client needs; Apache Kafka's producer asks with it on, its consumer as
     * {@code allow.auto.create.topics} says (KIP-361).
     */
    public synchronized void allowAutoTopicCreation(boolean allow) {
        this.autoCreate = allow;
    }

    /** Describe every topic in the cluster (admin listings, pattern subscriptions). */
    public synchronized void allTopics(boolean all) {
        if (all && !allTopics) {
            updateRequested = true;
            startEquivalentAnswersOver();
        }
        this.allTopics = all;
    }

    /** The topics a refresh for named topics asks for now: those added and every owner's ({@link #setTopics}). */
    public synchronized Set<String> topics() {
        return wanted;
    }

    /**
     * Milliseconds since the first refresh not answered yet was sent (0 when the last one was answered):
     * how long this client has been without the metadata it asked for.
     */
    public synchronized long unansweredFor(long nowMs) {
        return firstUnansweredMs == NONE ? 0 : nowMs - firstUnansweredMs;
    }

    /**
     * True when the last response carried {@code REBOOTSTRAP_REQUIRED} (Metadata v13, KIP-1102) and no
     * answer came since: the driver sends the next refresh to the bootstrap servers when
     * {@code metadata.recovery.strategy=rebootstrap}.
     */
    public synchronized boolean rebootstrapRequired() {
        return rebootstrapRequired;
    }

    /**
     * A broker answered a connection's ApiVersions with {@code REBOOTSTRAP_REQUIRED} (KIP-1242): the
     * metadata names an address that now belongs to another broker or cluster. As after a Metadata
     * answer with that error, the next refresh goes to the bootstrap servers.
     */
    public synchronized void requireRebootstrap() {
        rebootstrapRequired = true;
    }

    /** Milliseconds until a refresh is due (0 when due now); large when one is in flight. */
    public synchronized long timeToNextUpdate(long nowMs) {
        if (inFlight) {
            return maxAgeMs;
        }
        long dueByAge = lastSuccessMs + maxAgeMs;
        long due = updateRequested ? nowMs : dueByAge;
        // Answers without news never hold back the refresh that the age calls for (as Apache Kafka's
        // Metadata.timeToAllowUpdate); nextRequest then starts their count over.
        long backoff = dueByAge <= nowMs ? retryBackoffMs : Math.max(retryBackoffMs, equivalentBackoffMs);
        return Math.max(0, Math.max(due, lastAttemptMs + backoff) - nowMs);
    }

    /** The request to send now, or null when no refresh is due. Marks a refresh in flight. */
    public synchronized MetadataRequest nextRequest(long nowMs) {
        if (timeToNextUpdate(nowMs) > 0 || inFlight) {
            return null;
        }
        if (lastSuccessMs + maxAgeMs <= nowMs) {
            startEquivalentAnswersOver();
        }
        inFlight = true;
        lastAttemptMs = nowMs;
        if (firstUnansweredMs == NONE) {
            firstUnansweredMs = nowMs;
        }
        updateRequested = false;
        inFlightWaiters = nextUpdate;
        nextUpdate = new CompletableFuture<>();
        inFlightTopics = allTopics ? Set.of() : wanted;
        inFlightAllTopics = allTopics;
        MetadataRequest req = new MetadataRequest().setAllowAutoTopicCreation(autoCreate && !allTopics);
        if (allTopics) {
            req.setTopics(null);
        } else {
            List<MetadataRequest.MetadataRequestTopic> list = new ArrayList<>();
            for (String t : wanted) {
                list.add(new MetadataRequest.MetadataRequestTopic().setName(t));
            }
            req.setTopics(list);
        }
        return req;
    }

    /**
     * Fails every waiter of now with {@code error} (an authentication failure: waiting on would only
     * wait out their timeouts); later waiters wait for later refreshes, which go on as before.
     */
    public void failWaiters(RuntimeException error) {
        CompletableFuture<Cluster> a;
        CompletableFuture<Cluster> b;
        synchronized (this) {
            a = nextUpdate;
            b = inFlightWaiters;
            nextUpdate = new CompletableFuture<>();
            inFlightWaiters = new CompletableFuture<>();
        }
        a.completeExceptionally(error);
        b.completeExceptionally(error);
    }

    /**
     * The refresh in flight failed: the next is due after a backoff that grows with each consecutive
     * failure (KIP-580, as Apache Kafka's {@code Metadata.timeToAllowUpdate}): {@code retry.backoff.ms}
     * doubled per failure after the first up to {@code retry.backoff.max.ms}, +/-20%. Through an outage a
     * client then asks about once a second, not ten times.
     */
    public synchronized void onFailure(long nowMs) {
        inFlight = false;
        updateRequested = true;
        startEquivalentAnswersOver(); // the failures' backoff governs now
        failures++;
        retryBackoffMs = backoffAfter(failures);
        // Those waiting on the failed refresh wait for the next one, and share its outcome: a snapshot, or
        // the failure that failWaiters() gives it (never a null snapshot).
        CompletableFuture<Cluster> failed = inFlightWaiters;
        nextUpdate.whenComplete((c, e) -> {
            if (e != null) {
                failed.completeExceptionally(e);
            } else {
                failed.complete(c);
            }
        });
        inFlightWaiters = new CompletableFuture<>();
    }

    /**
     * Merges a response into a new snapshot and completes the waiters of {@link #requestUpdate()}. A
     * response with a top-level error (Metadata v13) or without a single broker is no answer, as in
     * Apache Kafka's NetworkClient ("Ignoring empty metadata response"): a broker still starting or a
     * proxy. It is not applied and counts as a failed refresh ({@link #onFailure}): the snapshot keeps
     * its brokers, the refresh is retried after the backoff, and KIP-1102's unanswered time runs on.
     *
     * @return false when the response was not applied for that reason
     */
    public boolean onResponse(MetadataResponse response, long nowMs) {
        ErrorCode error = ErrorCode.forCode(response.errorCode());
        if (error != ErrorCode.NONE || response.brokers().isEmpty()) {
            synchronized (this) {
                rebootstrapRequired = error == ErrorCode.REBOOTSTRAP_REQUIRED;
                onFailure(nowMs);
            }
            return false;
        }
        CompletableFuture<Cluster> done;
        Cluster next;
        synchronized (this) {
            inFlight = false;
            rebootstrapRequired = false;
            failures = 0;
            retryBackoffMs = backoffMs;
            lastSuccessMs = nowMs;
            firstUnansweredMs = NONE;
            if (bringsNews(cluster, response)) {
                startEquivalentAnswersOver();
            } else {
                equivalentAnswers++;
                equivalentBackoffMs = backoffAfter(equivalentAnswers);
            }
            next = merge(cluster, response, nowMs);
            cluster = next;
            done = inFlightWaiters;
            inFlightWaiters = new CompletableFuture<>();
        }
        done.complete(next);
        return true;
    }

    /** {@code retry.backoff.ms} doubled per time in a row after the first, up to {@code retry.backoff.max.ms}, +/-20%. */
    private long backoffAfter(int times) {
        return Backoff.nanos(times, TimeUnit.MILLISECONDS.toNanos(backoffMs),
                TimeUnit.MILLISECONDS.toNanos(Math.max(backoffMs, backoffMaxMs)), random.getAsDouble()) / 1_000_000;
    }

    private void startEquivalentAnswersOver() {
        equivalentAnswers = 0;
        equivalentBackoffMs = 0;
    }

    /**
     * Whether a response tells something the client did not know, as judged by Apache Kafka's
     * {@code Metadata.updateLatestMetadata}, which starts {@code equivalentResponseCount} over: a partition
     * not seen before (or of a new topic id), a newer leader epoch, or a partition without an epoch (an old
     * broker, whose answers then never back off). A topic-level error (a topic being created) and a
     * partition still without a leader at the epoch already seen are no news. Read before {@link #merge}.
     */
    private boolean bringsNews(Cluster old, MetadataResponse r) {
        for (MetadataResponse.MetadataResponseTopic t : r.topics()) {
            if (t.name() == null) {
                continue;
            }
            Cluster.TopicInfo previous = old.topic(t.name());
            boolean sameTopic = previous != null && Objects.equals(previous.id(), t.topicId());
            for (MetadataResponse.MetadataResponsePartition p : t.partitions()) {
                Cluster.PartitionInfo known = sameTopic ? old.partition(t.name(), p.partitionIndex()) : null;
                int newest = newestEpoch(t.name(), t.topicId(), p.partitionIndex(), known);
                if (p.leaderEpoch() < 0 || newest < 0 || p.leaderEpoch() > newest) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A partition's new leader as a Produce or Fetch response named it (KIP-951). */
    public record LeaderHint(String topic, int partition, int leaderId, int leaderEpoch) {}

    /**
     * Applies new leaders that responses named (KIP-951), with the endpoints of brokers metadata may
     * not list yet, so a client can turn to the new leader without waiting for a metadata refresh.
     * A hint whose leader epoch is not newer than the one known, or names an unknown broker, is ignored.
     *
     * @return true when some partition's leader changed
     */
    public boolean applyLeaderHints(List<LeaderHint> hints, List<Node> endpoints) {
        synchronized (this) {
            Map<Integer, Node> brokers = new HashMap<>(cluster.brokers());
            for (Node n : endpoints) {
                brokers.putIfAbsent(n.id(), n);
            }
            Map<String, Cluster.TopicInfo> topics = new HashMap<>(cluster.topics());
            boolean changed = false;
            for (LeaderHint h : hints) {
                Cluster.TopicInfo t = topics.get(h.topic());
                if (t == null || h.partition() < 0 || h.partition() >= t.partitionCount() || h.leaderId() < 0
                        || !brokers.containsKey(h.leaderId())) {
                    continue;
                }
                Cluster.PartitionInfo known = t.partitions().get(h.partition());
                if (h.leaderEpoch() <= known.leaderEpoch()) {
                    continue;
                }
                List<Cluster.PartitionInfo> parts = new ArrayList<>(t.partitions());
                parts.set(h.partition(), new Cluster.PartitionInfo(t.name(), h.partition(), h.leaderId(), h.leaderEpoch(),
                        known.replicas(), known.isr(), known.offline()));
                topics.put(t.name(), new Cluster.TopicInfo(t.name(), t.id(), t.internal(), t.error(), List.copyOf(parts)));
                see(t.name(), t.id(), h.partition(), h.leaderEpoch());
                changed = true;
            }
            if (!changed) {
                return false;
            }
            cluster = new Cluster(cluster.clusterId(), cluster.controllerId(), brokers, topics, cluster.updateCount() + 1);
            return true;
        }
    }

    /**
     * Follows the leaders that broker {@code answeredBy}'s fetch answer (Fetch or ShareFetch, KIP-951) named for
     * partitions it refused for want of leadership ({@link #applyLeaderHints}), and returns the hints not
     * followed, whose partitions the caller holds for fresh metadata as without a hint. A hint is followed when
     * metadata now names its leader at its epoch or newer, unless it names the refusing broker itself at an
     * epoch metadata already had: that is no news, and fetching there at once would send the same request to
     * the same broker, in a loop.
     */
    public List<LeaderHint> followLeaderHints(int answeredBy, List<LeaderHint> hints, List<Node> endpoints) {
        synchronized (this) {
            Cluster before = cluster;
            applyLeaderHints(hints, endpoints);
            Cluster after = cluster;
            List<LeaderHint> notFollowed = new ArrayList<>();
            for (LeaderHint h : hints) {
                Cluster.PartitionInfo was = before.partition(h.topic(), h.partition());
                Cluster.PartitionInfo now = after.partition(h.topic(), h.partition());
                boolean news = h.leaderId() != answeredBy || was == null || was.leaderEpoch() < h.leaderEpoch();
                if (now == null || now.leader() != h.leaderId() || now.leaderEpoch() < h.leaderEpoch() || !news) {
                    notFollowed.add(h);
                }
            }
            return notFollowed;
        }
    }

    private Cluster merge(Cluster old, MetadataResponse r, long nowMs) {
        Map<Integer, Node> brokers = new HashMap<>();
        for (MetadataResponse.MetadataResponseBroker b : r.brokers()) {
            brokers.put(b.nodeId(), new Node(b.nodeId(), b.host(), b.port(), b.rack()));
        }
        Map<String, Cluster.TopicInfo> topics = new HashMap<>();
        if (!allTopics) {
            // Keep what we knew of topics this response did not cover (they stay of interest).
            for (Cluster.TopicInfo t : old.topics().values()) {
                if (wanted.contains(t.name())) {
                    topics.put(t.name(), t);
                }
            }
        }
        for (MetadataResponse.MetadataResponseTopic t : r.topics()) {
            ErrorCode error = ErrorCode.forCode(t.errorCode());
            if (t.name() == null) {
                continue;
            }
            namedAtMs.put(t.name(), nowMs);
            Cluster.TopicInfo previous = old.topic(t.name());
            List<Cluster.PartitionInfo> parts = new ArrayList<>(t.partitions().size());
            for (int i = 0; i < t.partitions().size(); i++) {
                parts.add(null);
            }
            for (MetadataResponse.MetadataResponsePartition p : t.partitions()) {
                if (p.partitionIndex() < 0 || p.partitionIndex() >= parts.size()) {
                    continue;
                }
                Cluster.PartitionInfo fresh = new Cluster.PartitionInfo(t.name(), p.partitionIndex(), p.leaderId(),
                        p.leaderEpoch(), List.copyOf(p.replicaNodes()), List.copyOf(p.isrNodes()),
                        List.copyOf(p.offlineReplicas()));
                Cluster.PartitionInfo known = previous == null || !Objects.equals(previous.id(), t.topicId()) ? null
                        : old.partition(t.name(), p.partitionIndex());
                boolean stale = fresh.leaderEpoch() >= 0
                        && newestEpoch(t.name(), t.topicId(), p.partitionIndex(), known) > fresh.leaderEpoch();
                // A stale entry keeps the one known; with none known (after a topic-level error) the topic is
                // incomplete, and keeps its old view below.
                parts.set(p.partitionIndex(), stale ? known : fresh);
            }
            if (parts.contains(null)) {
                // A response that skips partitions is incomplete: keep the old view of this topic.
                if (previous != null) {
                    topics.put(t.name(), previous);
                }
                continue;
            }
            topics.put(t.name(), new Cluster.TopicInfo(t.name(), t.topicId(), t.isInternal(), error, List.copyOf(parts)));
            for (Cluster.PartitionInfo p : parts) {
                see(t.name(), t.topicId(), p.partition(), p.leaderEpoch());
            }
        }
        lastSeenEpochs.keySet().removeIf(tp -> !retained(tp.topic(), nowMs));
        namedAtMs.keySet().removeIf(t -> !retained(t, nowMs));
        return new Cluster(r.clusterId(), r.controllerId(), brokers, topics, old.updateCount() + 1);
    }

    /**
     * Whether the leader epochs seen for {@code topic} are kept (Apache Kafka's {@code Metadata.retainTopic}):
     * while it is asked for by name, or, with {@link #allTopics}, for {@code metadata.max.age.ms} after a
     * response last named it. A lagging broker's answer that leaves a topic out does not make the client
     * forget it; a topic deleted from the cluster is forgotten after that time (one created again under
     * its name has a new topic id, and starts its epochs over whenever it comes).
     */
    private boolean retained(String topic, long nowMs) {
        if (wanted.contains(topic)) {
            return true;
        }
        Long named = namedAtMs.get(topic);
        return allTopics && named != null && nowMs - named < maxAgeMs;
    }

    /** The newest epoch seen for a partition of this incarnation of the topic ({@code topicId}), or -1. */
    private int newestEpoch(String topic, UUID topicId, int partition, Cluster.PartitionInfo known) {
        SeenEpoch seen = lastSeenEpochs.get(new TopicPartition(topic, partition));
        // Without a topic id (a broker before KIP-516) a topic deleted and created again under the same name
        // cannot be told apart, and its new epochs start low: trust only the snapshot then, as before.
        boolean identified = topicId != null && !Wire.ZERO_UUID.equals(topicId);
        int fromSeen = identified && seen != null && Objects.equals(seen.topicId(), topicId) ? seen.epoch() : -1;
        return Math.max(fromSeen, known == null ? -1 : known.leaderEpoch());
    }

    /** Records a partition's epoch as seen, unless a newer one of the same topic id was; a new topic id starts over. */
    private void see(String topic, UUID topicId, int partition, int epoch) {
        lastSeenEpochs.merge(new TopicPartition(topic, partition), new SeenEpoch(topicId, epoch),
                (was, now) -> Objects.equals(was.topicId(), now.topicId()) && was.epoch() >= now.epoch() ? was : now);
    }
}
