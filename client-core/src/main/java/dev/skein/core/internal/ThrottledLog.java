package dev.skein.core.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Warnings about user code that fails per record (an interceptor, a tracing handler): at most one line
 * per {@link #INTERVAL_NANOS} for each object and call, saying how many were left out, so a failure on
 * every record cannot flood the log (DESIGN.md: no log line per record).
 */
public final class ThrottledLog {
    static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Logger log;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    public ThrottledLog(Class<?> owner) {
        this.log = LoggerFactory.getLogger(owner);
    }

    private static final class Window {
        final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong skipped = new AtomicLong();
    }

    /** Logs unless this culprit's call was logged less than the interval ago; returns whether it logged. */
    public boolean warn(Object culprit, String call, String what, Throwable error) {
        Window w = windows.computeIfAbsent(culprit.getClass().getName() + '#' + call, k -> new Window());
        long now = System.nanoTime();
        long next = w.next.get();
        if ((next != Long.MIN_VALUE && now - next < 0) || !w.next.compareAndSet(next, now + INTERVAL_NANOS)) {
            w.skipped.incrementAndGet();
            return false;
        }
        long skipped = w.skipped.getAndSet(0);
        String more = skipped == 0 ? "" : " (" + skipped + " more times since the last warning)";
        log.warn("{}.{} {}{}", culprit.getClass().getName(), call, what, more, error);
        return true;
    }
}
