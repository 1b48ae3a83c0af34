package dev.skein.consumer.internal;

import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.Retry;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The polling thread's bounded waits on the asynchronous core. */
final class Blocking {
    private Blocking() {}

    /** Waits for {@code f} until {@code deadlineNanos}; its failure is rethrown as is. */
    static <T> T await(CompletableFuture<T> f, long deadlineNanos, String what) {
        try {
            return f.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new TimeoutException("timed out waiting for " + what, e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimeoutException("interrupted waiting for " + what, e, false);
        } catch (ExecutionException e) {
            Throwable cause = Retry.cause(e);
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
        }
    }

    /** Sleeps {@code ms}, never past the deadline (which must not have passed). */
    static void sleep(long ms, long deadlineNanos) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (left <= 0) {
            throw new TimeoutException("deadline passed while retrying", null, true);
        }
        try {
            Thread.sleep(Math.max(1, Math.min(ms, left)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
