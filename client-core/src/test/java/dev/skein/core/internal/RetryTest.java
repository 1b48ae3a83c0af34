package dev.skein.core.internal;

import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryTest {
    private static final Duration MS = Duration.ofMillis(1);

    private static SkeinException retriable(String m) {
        return new SkeinException(m, null, true);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void aRetriableFailureIsTriedAgainUntilItSucceeds() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger hooks = new AtomicInteger();
        CompletableFuture<String> f = Retry.of(() -> calls.incrementAndGet() < 3
                        ? CompletableFuture.<String>failedFuture(new CompletionException(retriable("not yet")))
                        : CompletableFuture.completedFuture("done"))
                .backoff(MS, MS).beforeRetry(e -> hooks.incrementAndGet())
                .until(System.nanoTime() + TimeUnit.SECONDS.toNanos(5), "test");
        assertEquals("done", f.get(5, TimeUnit.SECONDS));
        assertEquals(3, calls.get());
        assertEquals(2, hooks.get(), "the hook runs before each retry");
    }

    @Test
    void anyOtherFailureEndsItAtOnceUnwrapped() {
        IllegalStateException boom = new IllegalStateException("boom");
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<String> f = Retry.<String>of(() -> {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(new CompletionException(boom));
        }).backoff(MS, MS).until(System.nanoTime() + TimeUnit.SECONDS.toNanos(5), "test");
        assertSame(boom, failure(f));
        assertEquals(1, calls.get());
        assertSame(boom, failure(Retry.<String>of(() -> { throw boom; }).until(System.nanoTime() + 1_000_000_000L, "t")),
                "an attempt that throws fails like one whose future does");
    }

    @Test
    void theDeadlineAndTheAttemptCountEndItWithTheLastFailureAsCause() {
        SkeinException last = retriable("still loading");
        Throwable t = failure(Retry.<String>of(() -> CompletableFuture.failedFuture(last)).backoff(MS, MS)
                .until(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(30), "OffsetFetch"));
        assertInstanceOf(TimeoutException.class, t);
        assertTrue(((TimeoutException) t).isRetriable());
        assertSame(last, t.getCause());
        assertTrue(t.getMessage().contains("OffsetFetch") && t.getMessage().contains("still loading"), t.getMessage());

        AtomicInteger calls = new AtomicInteger();
        Throwable capped = failure(Retry.<String>of(() -> {
            calls.incrementAndGet();
            return CompletableFuture.failedFuture(last);
        }).backoff(MS, MS).attempts(3).until(Long.MAX_VALUE / 2 + System.nanoTime() / 2, e -> new IllegalStateException("gave up", e)));
        assertEquals("gave up", capped.getMessage());
        assertEquals(3, calls.get());
    }

    @Test
    void anAttemptStillUnansweredAtTheDeadlineEndsItThenAndNothingRunsAfter() {
        SkeinException first = retriable("coordinator loading");
        CompletableFuture<String> hanging = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger hooks = new AtomicInteger();
        long started = System.nanoTime();
        CompletableFuture<String> f = Retry.<String>of(() -> calls.incrementAndGet() == 1
                        ? CompletableFuture.failedFuture(first) : hanging)
                .backoff(MS, MS).beforeRetry(e -> hooks.incrementAndGet())
                .until(started + TimeUnit.MILLISECONDS.toNanos(200), "DescribeGroups");
        Throwable t = failure(f);
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertInstanceOf(TimeoutException.class, t);
        assertTrue(((TimeoutException) t).isRetriable());
        assertSame(first, t.getCause(), "the last failure seen is the cause");
        assertTrue(t.getMessage().contains("DescribeGroups") && t.getMessage().contains("coordinator loading"), t.getMessage());
        assertTrue(tookMs >= 190, "not before the deadline: " + tookMs + " ms");
        assertEquals(2, calls.get());

        hanging.completeExceptionally(retriable("late answer"));
        assertEquals(1, hooks.get(), "an answer after the deadline starts no further attempt");
        assertEquals(2, calls.get());
    }

    @Test
    void aFirstAttemptUnansweredAtTheDeadlineFailsWithATimeoutThatSaysSo() {
        Throwable t = failure(Retry.<String>of(CompletableFuture::new).on(Runnable::run)
                .until(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50), e -> new IllegalStateException("gave up", e)));
        assertEquals("gave up", t.getMessage());
        assertInstanceOf(TimeoutException.class, t.getCause());
        assertTrue(t.getCause().getMessage().contains("no answer"), t.getCause().getMessage());
    }

    @Test
    void causeUnwrapsNestedCompletionAndExecutionExceptions() {
        IllegalStateException root = new IllegalStateException("root");
        assertSame(root, Retry.cause(new CompletionException(new ExecutionException(root))));
        assertSame(root, Retry.cause(root));
    }
}
