package dev.skein.consumer.internal;

import dev.skein.consumer.ConsumerOptions;
import dev.skein.core.ErrorCode;
import dev.skein.core.errors.AuthorizationException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Predicate;

/**
 * The driver of a membership state machine: the machine ({@link ClassicGroupState},
 * {@link ConsumerProtocolState}) holds the group state and does no I/O; this class owns it on one event
 * loop, sends what it asks to send, feeds it the answers and the time, and wakes it when it asked to
 * be woken.
 *
 * <p>The polling thread reaches the machine through one queue each way: commands go in as tasks on
 * the loop ({@link #command}); events come out through {@link #toPoller}, drained by the polling thread
 * ({@link #drain}) before it reads what they set. The only state both threads read is published:
 * {@link #identity} (commits read it from any thread) and {@link #lastPollNanos}.
 */
abstract class AbstractMembership implements Membership {
    final ClusterClient client;
    final ConsumerOptions settings;
    final GroupConfig config;
    final GroupOffsets offsets;
    final EventLoop loop;
    final Runnable onChange;
    private final ConcurrentLinkedQueue<GroupEvent> toPoller = new ConcurrentLinkedQueue<>();
    /** When {@code poll()} was last called; written by the polling thread, read by the machine's steps. */
    volatile long lastPollNanos = System.nanoTime();
    /** The machine's identity after its last step. */
    volatile MemberIdentity identity;

    // The polling thread's side.
    Set<String> topics = Set.of();
    boolean lost;
    RuntimeException fatal;

    // The loop's side.
    private ScheduledFuture<?> wake;
    private long wakeAtNanos = MembershipState.NEVER;

    AbstractMembership(ClusterClient client, ConsumerOptions settings, GroupOffsets offsets, Runnable onChange) {
        this.client = client;
        this.settings = settings;
        this.config = GroupConfig.of(settings);
        this.offsets = offsets;
        this.onChange = onChange;
        this.loop = client.resources().eventLoops().next();
    }

    // ---- the polling thread ----

    @Override
    public Set<String> topics() {
        return topics;
    }

    @Override
    public void onPoll() {
        lastPollNanos = System.nanoTime();
    }

    @Override
    public MemberIdentity identity() {
        return identity;
    }

    @Override
    public boolean isStale() {
        return identity.generation() <= 0;
    }

    /** True once when the partitions were lost (fenced, session or poll interval expired) rather than revoked. */
    @Override
    public boolean takeLost() {
        drain();
        boolean l = lost;
        lost = false;
        return l;
    }

    /** Takes in what the machine said since the last drain, oldest first. */
    final void drain() {
        for (GroupEvent e; (e = toPoller.poll()) != null; ) {
            if (e instanceof GroupEvent.Lost) {
                lost = true;
            } else if (e instanceof GroupEvent.Failed f) {
                fatal = f.error();
            }
            received(e);
        }
    }

    /** Hands an event to the polling thread (the driver's own, or one it passes on in order). */
    final void tell(GroupEvent e) {
        toPoller.add(e);
    }

    /** The protocol's own handling of an event for the polling thread (after the common part). */
    abstract void received(GroupEvent e);

    /** Throws, once, a fatal error the machine reported. */
    final void raiseFatal() {
        drain();
        if (fatal != null) {
            RuntimeException f = fatal;
            fatal = null;
            throw f;
        }
    }

    /** Runs {@code c} on the loop, then lets the machine act on what it changed. */
    final void command(Runnable c) {
        loop.execute(() -> {
            c.run();
            step();
        });
    }

    // ---- the loop ----

    /** Sends what the machine wants sent now (each through {@link #send}). */
    abstract void sendDue(long now);

    /** The machine this driver owns (touched on {@link #loop} only). */
    abstract MembershipState state();

    /** Handles an event meant for the driver; returns false to hand it to the polling thread. */
    abstract boolean handle(GroupEvent e);

    /** One step: send what is due, hand the events on, publish the identity, sleep until the next wake. */
    final void step() {
        long now = System.nanoTime();
        sendDue(now);
        boolean forPoller = false;
        for (GroupEvent e : state().takeEvents()) {
            if (e instanceof GroupEvent.CoordinatorLost) {
                offsets.forgetCoordinator();
            } else if (e instanceof GroupEvent.NeedMetadata m) {
                if (!m.topics().isEmpty()) {
                    client.withTopics(m.topics(), CompletableFuture::completedFuture); // held for this refresh only
                }
                client.refreshMetadata();
            } else if (!handle(e)) {
                toPoller.add(e);
                forPoller = true;
            }
        }
        identity = state().identity();
        sleepUntil(state().nextWakeNanos(), now);
        if (forPoller) {
            onChange.run();
        }
    }

    private void sleepUntil(long at, long now) {
        if (at == MembershipState.NEVER) {
            cancelWake();
            return;
        }
        if (wake != null && !wake.isDone() && wakeAtNanos == at) {
            return;
        }
        cancelWake();
        wakeAtNanos = at;
        wake = loop.schedule(this::step, Math.max(0, at - now), TimeUnit.NANOSECONDS);
    }

    final void cancelWake() {
        if (wake != null) {
            wake.cancel(false);
            wake = null;
        }
    }

    /**
     * Sends a request to the coordinator; the answer (or the failure) reaches {@code answered} on the
     * loop, followed by a step.
     */
    final <R extends ApiMessage> CompletableFuture<R> send(ApiKey api, IntFunction<ApiMessage> build, Duration timeout,
                                                           Answer<R> answered) {
        CompletableFuture<R> sent = offsets.coordinator().thenCompose(node -> client.<R>send(node, api, build, timeout));
        sent.whenComplete((r, e) -> loop.execute(() -> {
            answered.accept(r, e, System.nanoTime());
            step();
        }));
        return sent;
    }

    /** Completes {@code answered} with the outcome of {@code sent} (a leave: close waits for the coordinator's answer). */
    static void completeWhenAnswered(CompletableFuture<?> sent, CompletableFuture<Void> answered) {
        sent.whenComplete((x, err) -> {
            if (err == null) {
                answered.complete(null);
            } else {
                answered.completeExceptionally(err);
            }
        });
    }

    @FunctionalInterface
    interface Answer<R> {
        void accept(R response, Throwable error, long now);
    }

    // ---- shared ----

    /**
     * The error for subscribed topics the principal may not describe or read, naming those metadata
     * reports as denied; when it reports none, names all of {@code topics} if {@code evenIfNoneKnown}
     * (a heartbeat's {@code TOPIC_AUTHORIZATION_FAILED} names no topic), else returns null.
     */
    static AuthorizationException deniedTopics(Cluster cluster, Set<String> topics, boolean evenIfNoneKnown) {
        return deniedTopics(topics, t -> {
            Cluster.TopicInfo info = cluster.topic(t);
            return info != null && info.error() == ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        }, evenIfNoneKnown);
    }

    static AuthorizationException deniedTopics(Set<String> topics, Predicate<String> denied, boolean evenIfNoneKnown) {
        Set<String> which = null; // made only when needed: every poll() asks
        for (String t : topics) {
            if (denied.test(t)) {
                if (which == null) {
                    which = new TreeSet<>();
                }
                which.add(t);
            }
        }
        if (which == null && !evenIfNoneKnown) {
            return null;
        }
        String named = which == null ? "one of the subscribed topics " + new TreeSet<>(topics)
                : which.size() == 1 ? "subscribed topic " + which.iterator().next() : "subscribed topics " + which;
        return new AuthorizationException("not authorized to read " + named + ": TOPIC_AUTHORIZATION_FAILED",
                ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    }

    /** The topic ids and denials that metadata knows now. */
    static ConsumerProtocolState.TopicIds topicIds(ClusterClient client) {
        return new ConsumerProtocolState.TopicIds() {
            @Override
            public String name(UUID id) {
                return client.cluster().topicName(id);
            }

            @Override
            public UUID id(String topic) {
                Cluster.TopicInfo info = client.cluster().topic(topic);
                return info == null ? null : info.id();
            }

            @Override
            public boolean denied(String topic) {
                Cluster.TopicInfo info = client.cluster().topic(topic);
                return info != null && info.error() == ErrorCode.TOPIC_AUTHORIZATION_FAILED;
            }
        };
    }
}
