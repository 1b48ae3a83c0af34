package dev.skein.consumer;

import dev.skein.core.internal.ThrottledLog;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

/**
 * The processors' per-record tracing, which never decides a record's fate: an observation handler that
 * throws (on start, on opening or closing the scope, on stop) is logged, at most once per 10 s per
 * handler and call ({@link ThrottledLog}), and the record goes on untraced, to be done, retried,
 * dead-lettered or aborted as its own work alone says. The work's own exceptions pass through.
 */
final class GuardedTracing {
    private final ThrottledLog log;

    GuardedTracing(Class<?> owner) {
        this.log = new ThrottledLog(owner);
    }

    /** The record's started "skein.process" observation, or {@link Observation#NOOP} (no registry, or its start threw). */
    Observation start(ConsumerRecord<?, ?> record, ObservationRegistry registry) {
        if (registry == null) {
            return Observation.NOOP;
        }
        try {
            return RecordTracing.start(record, registry);
        } catch (RuntimeException e) {
            log.warn(registry, RecordTracing.PROCESS, "threw on start; the record goes untraced", e);
            return Observation.NOOP;
        }
    }

    /** The observation's scope on this thread, or null (none, or opening it threw). */
    Observation.Scope openScope(Observation trace) {
        if (trace == Observation.NOOP) {
            return null;
        }
        try {
            return trace.openScope();
        } catch (RuntimeException e) {
            log.warn(trace, "openScope", "threw; the work runs outside the trace", e);
            return null;
        }
    }

    void closeScope(Observation.Scope scope) {
        if (scope == null) {
            return;
        }
        try {
            scope.close();
        } catch (RuntimeException e) {
            log.warn(scope, "close", "threw", e);
        }
    }

    /** Stops the observation, with {@code error} when not null. */
    void stop(Observation trace, Throwable error) {
        if (trace == Observation.NOOP) {
            return;
        }
        try {
            if (error != null) {
                trace.error(error);
            }
            trace.stop();
        } catch (RuntimeException e) {
            log.warn(trace, "stop", "threw", e);
        }
    }

    /**
     * Runs {@code work} inside the record's observation, as {@link RecordTracing#process} does, except
     * that what tracing throws is logged, not thrown; what {@code work} throws is recorded and rethrown.
     */
    void process(ConsumerRecord<?, ?> record, ObservationRegistry registry, Runnable work) {
        Observation trace = start(record, registry);
        Observation.Scope scope = openScope(trace);
        try {
            work.run();
        } catch (RuntimeException | Error e) {
            closeScope(scope);
            stop(trace, e);
            throw e;
        }
        closeScope(scope);
        stop(trace, null);
    }
}
