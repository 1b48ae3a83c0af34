package dev.skein.producer.internal;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BufferPoolTest {

    /** As Apache Kafka's BufferPool.close(): a send waiting for memory stops waiting when the producer closes. */
    @Test
    void closeWakesASendWaitingForMemoryAndItFails() throws Exception {
        BufferPool pool = new BufferPool(1024);
        pool.reserve(1024, 0);
        CompletableFuture<Thread> started = new CompletableFuture<>();
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            started.complete(Thread.currentThread());
            pool.reserve(512, TimeUnit.MINUTES.toNanos(5));
        });
        Thread sender = started.get(5, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (sender.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // until it waits for room (bounded)
        }
        pool.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertThrows(IllegalStateException.class, () -> pool.reserve(2048, TimeUnit.MINUTES.toNanos(5)),
                "nor does a later one wait");
    }
}
