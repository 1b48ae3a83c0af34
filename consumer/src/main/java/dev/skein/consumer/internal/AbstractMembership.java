package dev.skein.consumer.internal;

import dev.skein.core.AuthorizationException;
import dev.skein.core.ErrorCode;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.metadata.Cluster;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.TreeSet;

/**
 * What both group protocols keep the same way: the subscribed topics, when {@code poll()} was last
 * called, whether the partitions were lost, and a fatal error waiting for the polling thread. The wire
 * work runs on {@link #loop}; fields are guarded by {@code this}.
 */
abstract class AbstractMembership implements Membership {
    private static final Logger log = LoggerFactory.getLogger(AbstractMembership.class);

    final ClusterClient client;
    final ConsumerSettings settings;
    final GroupOffsets offsets;
    final EventLoop loop;
    final Runnable onChange;
    Set<String> topics = Set.of();
    String memberId;
    boolean lost;
    long lastPollNanos = System.nanoTime();
    RuntimeException fatal;

    AbstractMembership(ClusterClient client, ConsumerSettings settings, GroupOffsets offsets, Runnable onChange,
                       String memberId) {
        this.client = client;
        this.settings = settings;
        this.offsets = offsets;
        this.onChange = onChange;
        this.memberId = memberId;
        this.loop = client.resources().eventLoops().next();
    }

    @Override
    public synchronized Set<String> topics() {
        return topics;
    }

    @Override
    public synchronized void onPoll() {
        lastPollNanos = System.nanoTime();
    }

    /** True once when the partitions were lost (fenced, session or poll interval expired) rather than revoked. */
    @Override
    public synchronized boolean takeLost() {
        boolean l = lost;
        lost = false;
        return l;
    }

    /**
     * The error for subscribed topics the principal may not describe or read, naming those metadata
     * reports as denied; when it reports none, names all of {@code topics} if {@code evenIfNoneKnown}
     * (a heartbeat's {@code TOPIC_AUTHORIZATION_FAILED} names no topic), else returns null.
     */
    static AuthorizationException deniedTopics(Cluster cluster, Set<String> topics, boolean evenIfNoneKnown) {
        Set<String> denied = null; // made only when needed: every poll() asks
        for (String t : topics) {
            Cluster.TopicInfo info = cluster.topic(t);
            if (info != null && info.error() == ErrorCode.TOPIC_AUTHORIZATION_FAILED) {
                if (denied == null) {
                    denied = new TreeSet<>();
                }
                denied.add(t);
            }
        }
        if (denied == null && !evenIfNoneKnown) {
            return null;
        }
        String which = denied == null ? "one of the subscribed topics " + new TreeSet<>(topics)
                : denied.size() == 1 ? "subscribed topic " + denied.iterator().next() : "subscribed topics " + denied;
        return new AuthorizationException("not authorized to read " + which + ": TOPIC_AUTHORIZATION_FAILED",
                ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    }

    /** Throws, once, a fatal error the wire side recorded; called by the polling thread holding the lock. */
    final void raiseFatal() {
        if (fatal != null) {
            RuntimeException f = fatal;
            fatal = null;
            throw f;
        }
    }

    /**
     * True (and logged) when {@code poll()} was not called within {@code max.poll.interval.ms}: the
     * member must leave the group, and its partitions count as lost. Called holding the lock.
     */
    final boolean pollIntervalExpired() {
        if (System.nanoTime() - lastPollNanos <= settings.maxPollInterval().toNanos()) {
            return false;
        }
        log.warn("poll() was not called within max.poll.interval.ms ({}); leaving group {}: the next poll()"
                + " rejoins and the partitions count as lost", settings.maxPollInterval(), settings.groupId());
        lost = true;
        return true;
    }
}
