package dev.skein.admin.internal;

import dev.skein.admin.Results;
import dev.skein.core.ErrorCode;
import dev.skein.core.errors.CoordinatorException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.Coordinators;
import dev.skein.core.internal.Retry;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import io.netty.channel.EventLoop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * How every admin call runs: routing (any broker, the controller, a broker by id, a coordinator),
 * retrying what is retriable until {@code default.api.timeout.ms}, and per-item outcomes for calls
 * that name several items. Futures complete on event loops; nothing here blocks.
 */
final class Calls {
    /** One item's outcome inside a response: a value, or the error the broker reported for it. */
    record Outcome<V>(V value, SkeinException error) {
        static <V> Outcome<V> ok(V value) {
            return new Outcome<>(value, null);
        }

        static <V> Outcome<V> failed(SkeinException error) {
            return new Outcome<>(null, error);
        }
    }

    private final ClusterClient client;
    private final Duration apiTimeout;
    private final EventLoop loop;
    private final Coordinators coordinators;
    /** The refresh a retriable failure asked for, which the next leader-routed attempt waits for. */
    private volatile CompletableFuture<Cluster> staleRoutes;
    /** The calls not ended yet: what close() waits for, and fails when its grace period ends. */
    private final Set<CompletableFuture<?>> running = ConcurrentHashMap.newKeySet();

    Calls(ClusterClient client, Duration apiTimeout) {
        this.client = client;
        this.apiTimeout = apiTimeout;
        this.loop = client.resources().eventLoops().next();
        this.coordinators = new Coordinators(client, false, apiTimeout);
    }

    ClusterClient client() {
        return client;
    }

    /** What the broker may wait for on our behalf (CreateTopics' timeoutMs, say). */
    int brokerTimeoutMs() {
        return (int) Math.min(Integer.MAX_VALUE, apiTimeout.toMillis());
    }

    // ---- routing ----

    <R extends ApiMessage> CompletableFuture<R> toAny(ApiKey api, IntFunction<ApiMessage> build) {
        return client.awaitReady(apiTimeout).thenCompose(c -> client.sendToAny(api, build));
    }

    <R extends ApiMessage> CompletableFuture<R> toBroker(int id, ApiKey api, IntFunction<ApiMessage> build) {
        return client.awaitReady(apiTimeout).thenCompose(c -> client.send(id, api, build));
    }

    /** To the broker that metadata names as controller (in KRaft a broker that forwards), else any. */
    <R extends ApiMessage> CompletableFuture<R> toController(ApiKey api, IntFunction<ApiMessage> build) {
        return client.awaitReady(apiTimeout).thenCompose(c -> c.controllerId() >= 0 && c.broker(c.controllerId()) != null
                ? client.send(c.controllerId(), api, build) : client.sendToAny(api, build));
    }

    /** The coordinator of a group ({@code keyType} 0) or a transactional id (1), cached until it fails. */
    CompletableFuture<Integer> coordinator(byte keyType, String key) {
        return coordinators.of(kind(keyType), key);
    }

    void forgetCoordinator(byte keyType, String key) {
        coordinators.moved(kind(keyType), key);
    }

    private static Coordinators.Kind kind(byte keyType) {
        return switch (keyType) {
            case 0 -> Coordinators.Kind.GROUP;
            case 1 -> Coordinators.Kind.TRANSACTION;
            default -> throw new IllegalArgumentException("no coordinator key type " + keyType + " (0: group, 1: transaction)");
        };
    }

    // ---- retrying ----

    /**
     * True for failures worth another attempt: retriable broker errors, lost connections, request
     * timeouts. An unknown topic is final for an admin call (it names a mistake, not a moment).
     */
    static boolean isTransient(Throwable t) {
        if (t instanceof SkeinException s) {
            if (s.errorCode() == ErrorCode.UNKNOWN_TOPIC_OR_PARTITION || s.errorCode() == ErrorCode.UNKNOWN_TOPIC_ID) {
                return false;
            }
            return s.isRetriable();
        }
        return false;
    }

    /**
     * What a retriable failure says about the routes the next attempt takes. A controller or leader
     * that is not one any more, or a broker that could not be reached or did not answer: metadata is
     * read again, and leader-routed calls wait for it ({@link #describing}). A coordinator that moved
     * or could not be reached is looked up again. Apache Kafka's admin client likewise looks a key up
     * again after NOT_LEADER_OR_FOLLOWER or a disconnect (its AdminApiDriver) instead of retrying the
     * broker it had. A coordinator still loading is asked again.
     */
    private void onTransient(Throwable t) {
        boolean unreachable = t instanceof NetworkException; // OutcomeUnknownException too
        if (unreachable || t instanceof SkeinException s && s.errorCode() != null && switch (s.errorCode()) {
            case NOT_CONTROLLER, NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, FENCED_LEADER_EPOCH,
                 UNKNOWN_LEADER_EPOCH -> true;
            default -> false;
        }) {
            staleRoutes = client.refreshMetadata();
        }
        // COORDINATOR_LOAD_IN_PROGRESS names the right broker, still reading the group's or transaction's
        // state: Kafka's clients ask it again after a backoff, with no new lookup. The call sites forget
        // their own key on NOT_COORDINATOR and COORDINATOR_NOT_AVAILABLE; forgetting the others too costs
        // a lookup each, never a wrong answer, and covers an error reported where no key is at hand.
        if (unreachable || t instanceof CoordinatorException c && c.errorCode() != ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
            coordinators.allMoved();
        }
    }

    /**
     * Metadata describing {@code topics} for routing to their leaders: the snapshot at hand, or a fresh
     * one when a retriable failure said a route went stale, or when the snapshot has an error for one of
     * them (a topic found missing may have been created since; Apache Kafka's admin client looks leaders
     * up afresh for every call).
     */
    CompletableFuture<Cluster> describing(Set<String> topics) {
        return client.addTopics(topics).thenCompose(c -> {
            CompletableFuture<Cluster> stale = staleRoutes;
            if (stale != null && !stale.isDone()) {
                return stale; // once done, the snapshot at hand is the one it brought
            }
            for (String t : topics) {
                Cluster.TopicInfo info = c.topic(t);
                if (info != null && info.error() != null && info.error() != ErrorCode.NONE) {
                    return client.refreshMetadata();
                }
            }
            return CompletableFuture.completedFuture(c);
        });
    }

    private static boolean sameKind(Throwable a, Throwable b) {
        return a.getClass() == b.getClass() && (!(a instanceof SkeinException sa) || sa.errorCode() == ((SkeinException) b).errorCode());
    }

    static Throwable unwrap(Throwable t) {
        return Retry.cause(t);
    }

    private long backoffMs() {
        return client.options().retryBackoff().toMillis();
    }

    private TimeoutException timedOut(String what, Throwable last) {
        return new TimeoutException(what + " did not succeed within default.api.timeout.ms (" + apiTimeout + ")"
                + (last == null ? "" : "; last error: " + last.getMessage()), last, true);
    }

    /** Runs {@code attempt} until it succeeds, fails for good, or the call's time is up. */
    <T> CompletableFuture<T> retrying(String what, Supplier<CompletableFuture<T>> attempt) {
        return running(Retry.of(attempt).on(loop).backoff(client.options().retryBackoff(), client.options().retryBackoff())
                .retryIf(Calls::isTransient).beforeRetry(this::onTransient)
                .until(System.nanoTime() + apiTimeout.toNanos(), c -> timedOut(what, c)));
    }

    /** Keeps {@code call} among the calls {@link #close} waits for until it completes. */
    <F extends CompletableFuture<?>> F running(F call) {
        running.add(call);
        call.whenComplete((v, e) -> running.remove(call));
        return call;
    }

    /**
     * Waits up to {@code grace} for the calls still running, then fails those left with a
     * {@link TimeoutException} (Apache Kafka's {@code Admin.close(Duration)}): they end before the
     * connections close, so none is retried on a closed client and none waits forever. The wait is
     * skipped on one of the client's event loops (a callback of a call), which the calls need.
     */
    void close(Duration grace) {
        CompletableFuture<?>[] now = running.toArray(CompletableFuture[]::new);
        if (now.length > 0 && !client.resources().inEventLoop()) {
            try {
                CompletableFuture.allOf(now).get(grace.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                // all ended, one of them failing; or the grace period ended, and those left fail below
            }
        }
        TimeoutException closed = new TimeoutException("the admin client was closed before this call ended (close's"
                + " grace period: " + grace + ")", null, false);
        for (CompletableFuture<?> call : running) {
            call.completeExceptionally(closed);
        }
    }

    /**
     * Sends one request per target (a partition leader, a broker) for its items, and merges the outcomes
     * into {@code settled}. Each request settles its own items only: one that fails with a broker or
     * network error gives that error to its items, and the others keep what their brokers answered, so
     * a retry goes only to where it is needed and a change one broker made is not reported failed because
     * another broker failed (Apache Kafka's admin client sends and completes each broker's request on
     * its own). Any other failure (a request that could not be built) fails the whole attempt.
     */
    static <T, K, V> CompletableFuture<Map<K, Outcome<V>>> fanOut(Map<T, List<K>> byTarget, Map<K, Outcome<V>> settled,
            BiFunction<T, List<K>, CompletableFuture<Map<K, Outcome<V>>>> send) {
        List<CompletableFuture<Map<K, Outcome<V>>>> parts = new ArrayList<>(byTarget.size());
        byTarget.forEach((target, items) -> {
            CompletableFuture<Map<K, Outcome<V>>> part;
            try {
                part = send.apply(target, items);
            } catch (RuntimeException e) {
                part = CompletableFuture.failedFuture(e);
            }
            parts.add(part.handle((answered, e) -> {
                if (e == null) {
                    return answered;
                }
                if (!(unwrap(e) instanceof SkeinException failure)) {
                    throw e instanceof CompletionException ce ? ce : new CompletionException(e);
                }
                Map<K, Outcome<V>> failed = new HashMap<>();
                items.forEach(k -> failed.put(k, Outcome.failed(failure)));
                return failed;
            }));
        });
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            parts.forEach(p -> settled.putAll(p.join()));
            return settled;
        });
    }

    /**
     * A call naming several items: {@code attempt} sends the items still pending and returns each one's
     * outcome. Items with a retriable error go again (only those); the others complete.
     */
    <K, V> Results<K, V> perItem(String what, Collection<K> items,
                                 Function<Set<K>, CompletableFuture<Map<K, Outcome<V>>>> attempt) {
        Map<K, CompletableFuture<V>> futures = new LinkedHashMap<>();
        for (K item : items) {
            if (!futures.containsKey(item)) {
                futures.put(item, running(new CompletableFuture<>()));
            }
        }
        if (!futures.isEmpty()) {
            AtomicReference<Throwable> lastTransient = new AtomicReference<>();
            // The deadline holds while a round is in flight, as in retrying(): an item still unanswered at
            // default.api.timeout.ms fails then, whatever request.timeout.ms allows the request.
            ScheduledFuture<?> expiry = loop.schedule(() -> futures.values().forEach(
                    f -> f.completeExceptionally(timedOut(what, lastTransient.get()))), apiTimeout.toNanos(), TimeUnit.NANOSECONDS);
            CompletableFuture.allOf(futures.values().toArray(CompletableFuture[]::new)).whenComplete((v, e) -> expiry.cancel(false));
            round(what, futures, new LinkedHashSet<>(futures.keySet()), attempt, System.nanoTime() + apiTimeout.toNanos(),
                    lastTransient);
        }
        return new Results<>(futures);
    }

    private <K, V> void round(String what, Map<K, CompletableFuture<V>> futures, Set<K> pending,
                              Function<Set<K>, CompletableFuture<Map<K, Outcome<V>>>> attempt, long deadline,
                              AtomicReference<Throwable> lastSeen) {
        pending.removeIf(k -> futures.get(k).isDone()); // ended at the deadline during the backoff
        if (pending.isEmpty()) {
            return;
        }
        CompletableFuture<Map<K, Outcome<V>>> f;
        try {
            f = attempt.apply(Set.copyOf(pending));
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((outcomes, e) -> {
            boolean timeLeft = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs()) < deadline;
            Set<K> again = new LinkedHashSet<>();
            Throwable lastTransient = null;
            if (e != null) {
                Throwable c = unwrap(e);
                if (isTransient(c) && timeLeft) {
                    again.addAll(pending);
                    lastTransient = c;
                } else {
                    Throwable failure = isTransient(c) ? timedOut(what, c) : c;
                    pending.forEach(k -> futures.get(k).completeExceptionally(failure));
                }
            } else {
                for (K k : pending) {
                    Outcome<V> o = outcomes.get(k);
                    if (o == null) {
                        futures.get(k).completeExceptionally(new SkeinException(what + ": the broker's answer has no"
                                + " result for " + k));
                    } else if (o.error() == null) {
                        futures.get(k).complete(o.value());
                    } else if (isTransient(o.error()) && timeLeft) {
                        again.add(k);
                        if (lastTransient == null || !sameKind(lastTransient, o.error())) {
                            onTransient(o.error()); // each kind of failure, not only the last item's
                        }
                        lastTransient = o.error();
                    } else {
                        futures.get(k).completeExceptionally(isTransient(o.error()) ? timedOut(what, o.error()) : o.error());
                    }
                }
            }
            if (!again.isEmpty()) {
                lastSeen.set(lastTransient);
                if (e != null) {
                    onTransient(lastTransient);
                }
                loop.schedule(() -> round(what, futures, again, attempt, deadline, lastSeen), backoffMs(), TimeUnit.MILLISECONDS);
            }
        });
    }
}
