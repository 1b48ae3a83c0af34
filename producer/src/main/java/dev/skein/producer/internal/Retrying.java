package dev.skein.producer.internal;

import dev.skein.core.ErrorCode;
import dev.skein.core.SkeinException;
import dev.skein.core.TimeoutException;
import dev.skein.core.internal.Retry;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs a coordinator request again after a retriable failure (the coordinator moved or is loading,
 * CONCURRENT_TRANSACTIONS, no answer), after the retry backoff, until {@code max.block.ms} has passed;
 * then it fails with a retriable {@link TimeoutException}. Other failures end it at once. Attempts and
 * their outcome run on the event loop.
 */
final class Retrying {
    private static final Logger log = LoggerFactory.getLogger(Retrying.class);

    private final EventLoop loop;
    private final Duration maxBlock;
    private final Duration backoff;
    private final Coordinators coordinators;

    Retrying(EventLoop loop, Duration maxBlock, Duration backoff, Coordinators coordinators) {
        this.loop = loop;
        this.maxBlock = maxBlock;
        this.backoff = backoff;
        this.coordinators = coordinators;
    }

    <T> CompletableFuture<T> run(String what, Supplier<CompletableFuture<T>> attempt) {
        return Retry.of(attempt).on(loop).backoff(backoff, backoff)
                .retryIf(c -> Retry.retriable(c) && !(c instanceof TimeoutException t && !t.isRetriable()))
                .beforeRetry(c -> {
                    if (c instanceof SkeinException s && (s.errorCode() == null || s.errorCode() == ErrorCode.NOT_COORDINATOR
                            || s.errorCode() == ErrorCode.COORDINATOR_NOT_AVAILABLE)) {
                        coordinators.allMoved();
                    }
                    log.debug("{}: retrying after {}", what, c.toString());
                })
                .until(System.nanoTime() + maxBlock.toNanos(), c -> new TimeoutException(what
                        + " did not succeed within max.block.ms (" + maxBlock.toMillis() + " ms): " + c.getMessage(), c, true));
    }
}
