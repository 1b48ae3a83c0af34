package dev.skein.admin.internal;

import dev.skein.admin.Results;
import dev.skein.core.ErrorCode;
import dev.skein.core.errors.CoordinatorException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.Coordinators;
import dev.skein.core.internal.Retry;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import io.netty.channel.EventLoop;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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

    private void onTransient(Throwable t) {
        if (t instanceof SkeinException s && s.errorCode() == ErrorCode.NOT_CONTROLLER) {
            client.refreshMetadata();
        }
        if (t instanceof CoordinatorException) {
            coordinators.allMoved();
        }
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
        return Retry.of(attempt).on(loop).backoff(client.options().retryBackoff(), client.options().retryBackoff())
                .retryIf(Calls::isTransient).beforeRetry(this::onTransient)
                .until(System.nanoTime() + apiTimeout.toNanos(), c -> timedOut(what, c));
    }

    /**
     * A call naming several items: {@code attempt} sends the items still pending and returns each one's
     * outcome. Items with a retriable error go again (only those); the others complete.
     */
    <K, V> Results<K, V> perItem(String what, Collection<K> items,
                                 Function<Set<K>, CompletableFuture<Map<K, Outcome<V>>>> attempt) {
        Map<K, CompletableFuture<V>> futures = new LinkedHashMap<>();
        for (K item : items) {
            futures.putIfAbsent(item, new CompletableFuture<>());
        }
        if (!futures.isEmpty()) {
            Throwable[] lastTransient = {null};
            // The deadline holds while a round is in flight, as in retrying(): an item still unanswered at
            // default.api.timeout.ms fails then, whatever request.timeout.ms allows the request.
            ScheduledFuture<?> expiry = loop.schedule(() -> futures.values().forEach(
                    f -> f.completeExceptionally(timedOut(what, lastTransient[0]))), apiTimeout.toNanos(), TimeUnit.NANOSECONDS);
            CompletableFuture.allOf(futures.values().toArray(CompletableFuture[]::new)).whenComplete((v, e) -> expiry.cancel(false));
            round(what, futures, new LinkedHashSet<>(futures.keySet()), attempt, System.nanoTime() + apiTimeout.toNanos(),
                    lastTransient);
        }
        return new Results<>(futures);
    }

    private <K, V> void round(String what, Map<K, CompletableFuture<V>> futures, Set<K> pending,
                              Function<Set<K>, CompletableFuture<Map<K, Outcome<V>>>> attempt, long deadline,
                              Throwable[] lastSeen) {
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
                        lastTransient = o.error();
                    } else {
                        futures.get(k).completeExceptionally(isTransient(o.error()) ? timedOut(what, o.error()) : o.error());
                    }
                }
            }
            if (!again.isEmpty()) {
                lastSeen[0] = lastTransient;
                onTransient(lastTransient);
                loop.schedule(() -> round(what, futures, again, attempt, deadline, lastSeen), backoffMs(), TimeUnit.MILLISECONDS);
            }
        });
    }
}
