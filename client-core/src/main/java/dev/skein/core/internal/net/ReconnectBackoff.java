package dev.skein.core.internal.net;

import dev.skein.core.internal.Backoff;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * When each broker (and the bootstrap servers, as one key) may be connected to next. It does no I/O:
 * {@link ConnectionManager} tells it of failed attempts, connections set up and connections closed, with
 * the time, and asks how long the next attempt must wait.
 *
 * <p>As Apache Kafka's {@code ClusterConnectionStates}: a failed attempt and a connection that closes,
 * whoever closed it, both put the broker in backoff from that moment: {@code reconnect.backoff.ms}
 * doubled per failure in a row up to {@code reconnect.backoff.max.ms}, +/-20%. A broker killed or
 * restarted is thus left at once by callers that can go elsewhere, and the clients an overloaded broker
 * disconnects together come back spread out. Unlike Kafka's, a connection set up counts as a success only
 * once it has stayed up for {@code reconnect.backoff.max.ms} (librdkafka's rule): one that closed sooner
 * is one more failure in a row, so a broker or proxy that completes each handshake and then drops the
 * connection is asked less and less often rather than about twenty times a second.
 *
 * <p>The setup timeout (KIP-601) grows with the failed attempts since the last connection set up only.
 *
 * <p>An attempt the broker refused ({@link #refused}: an authentication failure) is a failure in a row
 * like any other; while the backoff after it lasts, {@link #refusal} gives the refusal, so that an
 * operation started meanwhile fails at once with it rather than waiting out the backoff (Apache Kafka's
 * {@code AUTHENTICATION_FAILED} connection state). The next attempt, refused or not, replaces it.
 *
 * <p>Thread-safe: each key's state is changed under its own lock.
 */
final class ReconnectBackoff {
    private final long baseNanos;
    private final long maxNanos;
    private final DoubleSupplier random;
    private final Map<Integer, State> states = new ConcurrentHashMap<>();

    private static final class State {
        /** Failed attempts and connections closed before {@link #maxNanos}, in a row: the backoff's exponent. */
        int failures;
        /** Failed attempts since the last connection was set up: the setup timeout's exponent. */
        int failedSetups;
        long notBeforeNanos;
        /** The connection open now (the one whose close counts), or null. */
        Object open;
        long openedNanos;
        /** Why the last attempt, or the connection that closed last, was refused; null after anything else. */
        Object refusal;
    }

    /** With {@code random} in [0, 1) for the jitter (a test holds it still). */
    ReconnectBackoff(Duration base, Duration max, DoubleSupplier random) {
        this.baseNanos = base.toNanos();
        this.maxNanos = Math.max(base.toNanos(), max.toNanos());
        this.random = random;
    }

    /** An attempt to {@code key} failed at {@code nowNanos}. */
    void failed(int key, long nowNanos) {
        State s = states.computeIfAbsent(key, k -> new State());
        synchronized (s) {
            s.failedSetups++;
            s.refusal = null;
            backOff(s, s.failures + 1, nowNanos);
        }
    }

    /**
     * The failure just told to {@link #failed} or {@link #closed} for {@code key} was a refusal
     * ({@code why}): {@link #refusal} gives it while the backoff lasts.
     */
    void refused(int key, Object why) {
        State s = states.computeIfAbsent(key, k -> new State());
        synchronized (s) {
            s.refusal = why;
        }
    }

    /** The refusal of {@code key}'s last attempt while the backoff after it lasts, else null. */
    Object refusal(int key, long nowNanos) {
        State s = states.get(key);
        if (s == null) {
            return null;
        }
        synchronized (s) {
            return s.notBeforeNanos - nowNanos > 0 ? s.refusal : null;
        }
    }

    /** {@code connection} to {@code key} was set up at {@code nowNanos}; its close is to be told to {@link #closed}. */
    void established(int key, Object connection, long nowNanos) {
        State s = states.computeIfAbsent(key, k -> new State());
        synchronized (s) {
            s.failedSetups = 0;
            s.refusal = null;
            s.notBeforeNanos = nowNanos;
            s.open = connection;
            s.openedNanos = nowNanos;
        }
    }

    /**
     * {@code connection} to {@code key} closed at {@code nowNanos}: the key backs off from now, after one
     * more failure in a row if the connection closed within {@code reconnect.backoff.max.ms} of being
     * set up, else as after the first. Told twice, or of a connection no longer the open one, it does nothing.
     */
    void closed(int key, Object connection, long nowNanos) {
        State s = states.get(key);
        if (s == null) {
            return;
        }
        synchronized (s) {
            if (s.open != connection) {
                return;
            }
            s.open = null;
            s.refusal = null;
            backOff(s, nowNanos - s.openedNanos >= maxNanos ? 1 : s.failures + 1, nowNanos);
        }
    }

    /** Forgets {@code key}'s failures (a bootstrap connection, single-use, was set up). */
    void succeeded(int key) {
        states.remove(key);
    }

    /** Nanoseconds until an attempt to {@code key} may start; 0 when it may now. */
    long delayNanos(int key, long nowNanos) {
        State s = states.get(key);
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return Math.max(0, s.notBeforeNanos - nowNanos);
        }
    }

    /** Failed attempts to {@code key} since its last connection was set up. */
    int failedSetups(int key) {
        State s = states.get(key);
        if (s == null) {
            return 0;
        }
        synchronized (s) {
            return s.failedSetups;
        }
    }

    private void backOff(State s, int failures, long nowNanos) {
        s.failures = failures;
        s.notBeforeNanos = nowNanos + Backoff.nanos(failures, baseNanos, maxNanos, random.getAsDouble());
    }
}
