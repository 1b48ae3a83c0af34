package dev.skein.consumer.internal;

import dev.skein.consumer.ConsumerOptions;
import dev.skein.consumer.LogTruncationException;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.consumer.OffsetReset;
import dev.skein.core.ErrorCode;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.internal.Retry;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.OffsetForLeaderEpochRequest;
import dev.skein.core.message.OffsetForLeaderEpochResponse;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Log truncation detection (KIP-320), on the fetcher's event loop. A position whose leader epoch the
 * current leader has not confirmed (a new leader, or a position set from a commit or a lookup) is
 * checked before it is fetched: OffsetsForLeaderEpoch asks the leader where that epoch ends in its log.
 * <ul>
 *   <li>At or past the position: nothing read was lost; fetching goes on under the new leader.</li>
 *   <li>Below it: the log diverged there (an unclean leader election dropped records this consumer
 *       read). The consumer moves to that offset and reads the leader's records from there, neither
 *       skipping them nor reading again what came before; with {@code auto.offset.reset=none} it stops
 *       the partition instead and {@code poll()} raises {@link LogTruncationException} naming it.</li>
 *   <li>An epoch the leader does not know (an undefined answer): the position resets by
 *       {@code auto.offset.reset}.</li>
 * </ul>
 * These are the rules of Apache Kafka's consumer (its documentation of KIP-320 and of
 * {@code LogTruncationException}). Leader errors refresh metadata and the check runs again; one request
 * per broker is in flight.
 */
final class PositionValidator {
    private static final Logger log = LoggerFactory.getLogger(PositionValidator.class);

    /** What a leader's answer means for a position. */
    enum Verdict { VALID, DIVERGED, UNKNOWN_EPOCH }

    /** One position to check, under the leader epoch of the metadata. */
    record Check(SubscriptionState.FetchPosition position, int leaderEpoch) {}

    private record Truncation(long position, OffsetAndMetadata divergent) {}

    private final ConsumerOptions settings;
    private final ClusterClient client;
    private final SubscriptionState subscriptions;
    private final EventLoop loop;
    private final Runnable wakeup;
    private final BiConsumer<TopicPartition, ErrorCode> onError;
    private final Set<Integer> inFlight = new HashSet<>(); // event-loop confined
    private final Map<TopicPartition, Truncation> truncations = new ConcurrentHashMap<>();

    PositionValidator(ConsumerOptions settings, ClusterClient client, SubscriptionState subscriptions, EventLoop loop,
                      Runnable wakeup, BiConsumer<TopicPartition, ErrorCode> onError) {
        this.settings = settings;
        this.client = client;
        this.subscriptions = subscriptions;
        this.loop = loop;
        this.wakeup = wakeup;
        this.onError = onError;
    }

    /** The leader's answer {@code endOffset} (the end of {@code endEpoch}) judged against {@code position}. */
    static Verdict judge(long position, int endEpoch, long endOffset) {
        if (endOffset < 0 || endEpoch < 0) {
            return Verdict.UNKNOWN_EPOCH;
        }
        return endOffset < position ? Verdict.DIVERGED : Verdict.VALID;
    }

    boolean busy(int node) {
        return inFlight.contains(node);
    }

    /** Polling thread: raises the truncations found under {@code auto.offset.reset=none}, once. */
    void raiseTruncations() {
        if (truncations.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> positions = new LinkedHashMap<>();
        Map<TopicPartition, OffsetAndMetadata> divergent = new LinkedHashMap<>();
        for (TopicPartition tp : Set.copyOf(truncations.keySet())) {
            Truncation t = truncations.remove(tp);
            if (t != null) {
                positions.put(tp, t.position());
                divergent.put(tp, t.divergent());
            }
        }
        if (!positions.isEmpty()) {
            throw new LogTruncationException("the log was truncated below the position (an unclean leader election"
                    + " lost records already read) and auto.offset.reset is none: positions " + positions
                    + ", the leader's log diverges from what was read at " + divergent
                    + "; seek(partition, offset) to go on", positions, divergent);
        }
    }

    /** Sends one OffsetsForLeaderEpoch to {@code node} for {@code checks} (their positions marked validating). */
    void send(int node, List<Check> checks) {
        inFlight.add(node);
        Map<TopicPartition, Check> byTp = new LinkedHashMap<>();
        checks.forEach(c -> byTp.put(c.position().tp(), c));
        log.debug("validating positions with broker {}: {}", node, checks);
        client.<OffsetForLeaderEpochResponse>send(node, ApiKey.OFFSET_FOR_LEADER_EPOCH, v -> request(byTp, v))
                .whenComplete((resp, err) -> loop.execute(() -> {
                    inFlight.remove(node);
                    if (err != null) {
                        Throwable c = Retry.cause(err);
                        if (c instanceof UnsupportedVersionException) { // before v3: the consumer cannot ask
                            byTp.values().forEach(ch -> accept(ch, ch.position().offset(), ch.position().epoch()));
                        } else {
                            log.debug("OffsetsForLeaderEpoch to broker {} failed: {}", node, c.toString());
                            retryLater(byTp.values());
                        }
                        wakeup.run();
                        return;
                    }
                    handle(byTp, resp);
                    wakeup.run();
                }));
    }

    private static OffsetForLeaderEpochRequest request(Map<TopicPartition, Check> checks, int version) {
        if (version < 3) {
            throw new UnsupportedVersionException("OffsetsForLeaderEpoch v" + version + " has no consumer form (v3+)");
        }
        Map<String, OffsetForLeaderEpochRequest.OffsetForLeaderTopic> topics = new LinkedHashMap<>();
        checks.forEach((tp, c) -> topics.computeIfAbsent(tp.topic(), t -> new OffsetForLeaderEpochRequest.OffsetForLeaderTopic()
                .setTopic(t).setPartitions(new ArrayList<>())).partitions().add(
                new OffsetForLeaderEpochRequest.OffsetForLeaderPartition().setPartition(tp.partition())
                        .setCurrentLeaderEpoch(c.leaderEpoch()).setLeaderEpoch(c.position().epoch())));
        return new OffsetForLeaderEpochRequest().setReplicaId(-1).setTopics(new ArrayList<>(topics.values()));
    }

    private void handle(Map<TopicPartition, Check> checks, OffsetForLeaderEpochResponse resp) {
        Map<TopicPartition, Check> unanswered = new LinkedHashMap<>(checks);
        boolean retry = false;
        for (OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult t : resp.topics()) {
            for (OffsetForLeaderEpochResponse.EpochEndOffset p : t.partitions()) {
                TopicPartition tp = new TopicPartition(t.topic(), p.partition());
                Check c = unanswered.remove(tp);
                if (c == null) {
                    continue;
                }
                ErrorCode code = ErrorCode.forCode(p.errorCode());
                log.debug("{}: epoch {} ends at {} on the leader ({}); position {}", tp, p.leaderEpoch(), p.endOffset(), code,
                        c.position());
                if (recreated(tp)) {
                    // OffsetsForLeaderEpoch names topics, not ids: this answer may be about a topic deleted and
                    // created again under the same name, whose epoch 0 "ends" below our position. That is no
                    // truncation: the polling thread resets such positions by auto.offset.reset.
                    log.debug("{} belongs to a topic created again (new topic id): not validated against it", tp);
                    subscriptions.validationFailed(tp, c.position().offset());
                } else if (code == ErrorCode.NONE) {
                    apply(c, p.leaderEpoch(), p.endOffset());
                } else if (code.isRetriable()) { // FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, NOT_LEADER_OR_FOLLOWER...
                    log.debug("OffsetsForLeaderEpoch for {}: {}; checking again with fresh metadata", tp, code);
                    retry = true;
                    subscriptions.validationFailed(tp, c.position().offset());
                } else {
                    subscriptions.validationFailed(tp, c.position().offset());
                    onError.accept(tp, code);
                }
            }
        }
        if (!unanswered.isEmpty() || retry) {
            retryLater(unanswered.values());
        }
    }

    /** The metadata names another topic id for {@code tp}'s topic than the one its position was read from. */
    private boolean recreated(TopicPartition tp) {
        UUID known = subscriptions.topicId(tp);
        Cluster.TopicInfo now = client.cluster().topic(tp.topic());
        return known != null && now != null && now.error() == ErrorCode.NONE && !known.equals(now.id());
    }

    private void apply(Check c, int endEpoch, long endOffset) {
        SubscriptionState.FetchPosition at = c.position();
        switch (judge(at.offset(), endEpoch, endOffset)) {
            case VALID -> accept(c, at.offset(), at.epoch());
            case DIVERGED -> {
                if (settings.offsetReset() != OffsetReset.NONE) {
                    log.warn("log truncation detected for {}: position {} (epoch {}) is past the end {} of epoch {} on the"
                            + " leader; going on from {}", at.tp(), at.offset(), at.epoch(), endOffset, endEpoch, endOffset);
                    accept(c, endOffset, endEpoch);
                } else {
                    log.warn("log truncation detected for {}: position {} (epoch {}) is past the end {} of epoch {} on the"
                            + " leader; auto.offset.reset is none", at.tp(), at.offset(), at.epoch(), endOffset, endEpoch);
                    subscriptions.truncated(at.tp(), at.offset());
                    truncations.put(at.tp(), new Truncation(at.offset(), new OffsetAndMetadata(endOffset, "", endEpoch)));
                    onError.accept(at.tp(), null);
                }
            }
            case UNKNOWN_EPOCH -> {
                log.warn("the leader of {} does not know epoch {} of position {}: resetting by auto.offset.reset ({})",
                        at.tp(), at.epoch(), at.offset(), settings.offsetReset());
                subscriptions.validationFailed(at.tp(), at.offset());
                subscriptions.requestReset(at.tp(), at.offset(), settings.offsetReset());
            }
        }
    }

    private void accept(Check c, long offset, int epoch) {
        subscriptions.validated(c.position().tp(), c.position().offset(), c.leaderEpoch(), offset, epoch);
    }

    private void retryLater(Collection<Check> checks) {
        checks.forEach(c -> subscriptions.validationFailed(c.position().tp(), c.position().offset()));
        client.refreshMetadata();
        loop.schedule(wakeup, settings.client().retryBackoff().toMillis(), TimeUnit.MILLISECONDS);
    }
}
