package dev.skein.core.internal;

import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one way Skein runs an asynchronous request again after a failure that clears on its own (a
 * coordinator that moved or is loading, no answer, offsets a transaction holds): the attempt runs,
 * and while it fails with what {@link #retryIf} accepts it runs again after {@link Backoff}'s wait,
 * until a deadline or a number of attempts; then the future fails with what {@link #until} makes of
 * the last failure. Anything else ends it at once, unwrapped ({@link #cause}). The deadline holds
 * while an attempt is in flight too: a request the broker never answers (a half-open link) ends the
 * retry at the deadline, not at {@code request.timeout.ms}, as Apache Kafka's admin client fails a
 * call whose deadline passes with its request in flight. An answer that comes later is ignored.
 *
 * <pre>{@code
 * Retry.of(() -> sendOffsetFetch())
 *      .retryIf(Retry::retriable).beforeRetry(e -> coordinator.forget())
 *      .backoff(options.retryBackoff(), options.retryBackoffMax())
 *      .until(deadline, last -> new TimeoutException("offsets not available in time", last, true));
 * }</pre>
 *
 * @param <T> what an attempt completes with
 */
public final class Retry<T> {
    private final Supplier<CompletableFuture<T>> attempt;
    private Predicate<Throwable> retryIf = Retry::retriable;
    private Consumer<Throwable> beforeRetry = e -> { };
    private Duration base = Duration.ofMillis(100);
    private Duration max = Duration.ofSeconds(1);
    private Executor executor;
    private int maxAttempts = Integer.MAX_VALUE;
    /** The latest failure of an attempt: the cause given when the deadline passes with one in flight. */
    private volatile Throwable last;

    private Retry(Supplier<CompletableFuture<T>> attempt) {
        this.attempt = attempt;
    }

    /** A retry of {@code attempt}, which is called once per attempt. */
    public static <T> Retry<T> of(Supplier<CompletableFuture<T>> attempt) {
        return new Retry<>(attempt);
    }

    /** The failure of a future, unwrapped from {@link CompletionException} and {@link ExecutionException}. */
    public static Throwable cause(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The default test: a {@link SkeinException} that says it is retriable. */
    public static boolean retriable(Throwable t) {
        return t instanceof SkeinException s && s.isRetriable();
    }

    /** Which failures (unwrapped) are tried again; by default the retriable {@link SkeinException}s. */
    public Retry<T> retryIf(Predicate<Throwable> test) {
        this.retryIf = test;
        return this;
    }

    /** Called with each failure that is tried again, before the wait (forget a coordinator, say). */
    public Retry<T> beforeRetry(Consumer<Throwable> action) {
        this.beforeRetry = action;
        return this;
    }

    /** The backoff's first wait and its cap ({@code retry.backoff.ms}, {@code retry.backoff.max.ms}). */
    public Retry<T> backoff(Duration first, Duration cap) {
        this.base = first;
        this.max = cap;
        return this;
    }

    /** Runs every attempt and the final outcome on {@code executor} (an event loop), not on a timer thread. */
    public Retry<T> on(Executor executor) {
        this.executor = executor;
        return this;
    }

    /** At most {@code n} attempts in all, whatever the deadline. */
    public Retry<T> attempts(int n) {
        this.maxAttempts = n;
        return this;
    }

    /**
     * Starts the attempts. When a failure that would be tried again meets the deadline (or the last
     * attempt), the future fails with {@code atDeadline} of it; when the deadline passes with an attempt
     * in flight, with {@code atDeadline} of the last failure seen (a retriable {@link TimeoutException}
     * if there was none).
     */
    public CompletableFuture<T> until(long deadlineNanos, Function<Throwable, ? extends Throwable> atDeadline) {
        CompletableFuture<T> out = new CompletableFuture<>();
        // Fails the retry at the deadline if an attempt is still unanswered then. completeOnTimeout's
        // timer is cancelled when the alarm is, so a retry that ends sooner leaves nothing scheduled.
        CompletableFuture<Void> alarm = new CompletableFuture<Void>()
                .completeOnTimeout(null, Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        Runnable expire = () -> {
            Throwable seen = last;
            out.completeExceptionally(atDeadline.apply(seen != null ? seen
                    : new TimeoutException("no answer to the first attempt before the deadline", null, true)));
        };
        // Not on the JDK's one timer thread, which every delayed task of the process shares.
        if (executor == null) {
            alarm.thenRunAsync(expire);
        } else {
            alarm.thenRunAsync(expire, executor);
        }
        out.whenComplete((v, e) -> alarm.cancel(false));
        run(out, 1, deadlineNanos, atDeadline);
        return out;
    }

    /** As {@link #until(long, Function)} with no deadline: for a retry bounded by {@link #attempts} alone. */
    public CompletableFuture<T> untilAttemptsRunOut(Function<Throwable, ? extends Throwable> atLast) {
        CompletableFuture<T> out = new CompletableFuture<>();
        run(out, 1, System.nanoTime() + Long.MAX_VALUE / 2, atLast); // compared by difference: no overflow
        return out;
    }

    /** As {@link #until(long, Function)}, failing at the deadline with a retriable {@link TimeoutException} naming {@code what}. */
    public CompletableFuture<T> until(long deadlineNanos, String what) {
        return until(deadlineNanos, last -> new TimeoutException(what + " did not succeed in time: " + last.getMessage(),
                last, true));
    }

    private void run(CompletableFuture<T> out, int n, long deadline, Function<Throwable, ? extends Throwable> atDeadline) {
        if (out.isDone()) {
            return; // ended at the deadline during the backoff
        }
        CompletableFuture<T> f;
        try {
            f = attempt.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((v, e) -> {
            if (executor == null) {
                outcome(out, n, deadline, atDeadline, v, e);
            } else {
                executor.execute(() -> outcome(out, n, deadline, atDeadline, v, e));
            }
        });
    }

    private void outcome(CompletableFuture<T> out, int n, long deadline, Function<Throwable, ? extends Throwable> atDeadline,
                         T v, Throwable e) {
        if (out.isDone()) {
            return; // the deadline passed while this attempt was in flight: its answer comes too late
        }
        if (e == null) {
            out.complete(v);
            return;
        }
        Throwable c = cause(e);
        last = c;
        if (!retryIf.test(c)) {
            out.completeExceptionally(c);
            return;
        }
        long wait = Backoff.nanos(n, base, max);
        if (n >= maxAttempts || System.nanoTime() + wait - deadline >= 0) {
            out.completeExceptionally(atDeadline.apply(c));
            return;
        }
        try {
            beforeRetry.accept(c);
        } catch (RuntimeException hook) {
            out.completeExceptionally(hook);
            return;
        }
        Executor later = executor == null ? CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS)
                : CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS, executor);
        later.execute(() -> run(out, n + 1, deadline, atDeadline));
    }
}
