package dev.skein.producer.internal;

import dev.skein.producer.BufferExhaustedException;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Accounts for {@code buffer.memory}: every batch reserves its bytes before it exists and gives them
 * back when it completes. A sender that cannot reserve waits (up to {@code max.block.ms}) on the
 * caller's thread; that wait is the producer's back-pressure.
 */
final class BufferPool {
    private final long total;
    private long available;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private boolean closed;

    BufferPool(long total) {
        this.total = total;
        this.available = total;
    }

    /**
     * Reserves {@code bytes}, waiting at most {@code maxWaitNanos} (0: do not wait).
     *
     * @throws BufferExhaustedException when the bytes did not become free in time
     * @throws IllegalStateException when the pool is closed, before or while waiting
     */
    void reserve(long bytes, long maxWaitNanos) {
        lock.lock();
        try {
            long remaining = maxWaitNanos;
            while (available < bytes) {
                if (closed) {
                    throw new IllegalStateException("the producer was closed while send() waited for buffer.memory");
                }
                if (remaining <= 0) {
                    throw new BufferExhaustedException("no room for " + bytes + " bytes in buffer.memory (" + total
                            + " bytes, " + available + " free) within max.block.ms (" + TimeUnit.NANOSECONDS.toMillis(maxWaitNanos)
                            + " ms): records are produced faster than they can be sent");
                }
                try {
                    remaining = freed.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BufferExhaustedException("interrupted while waiting for buffer.memory");
                }
            }
            available -= bytes;
        } finally {
            lock.unlock();
        }
    }

    /** Reserves {@code bytes} if they are free now with at least {@code keepFree} more; never waits. */
    boolean tryReserve(long bytes, long keepFree) {
        lock.lock();
        try {
            if (available - bytes < keepFree) {
                return false;
            }
            available -= bytes;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Takes bytes without waiting, even past the limit (for the sender loop, which must not block). */
    void reserveNoWait(long bytes) {
        lock.lock();
        try {
            available -= bytes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The producer is closing: a {@link #reserve} waiting for memory stops waiting and throws, as do later
     * ones that would wait (Apache Kafka's {@code BufferPool.close()}). Bytes free now may still be reserved:
     * the accumulator refuses those appends itself.
     */
    void close() {
        lock.lock();
        try {
            closed = true;
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void release(long bytes) {
        lock.lock();
        try {
            available = Math.min(total, available + bytes);
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long available() {
        lock.lock();
        try {
            return available;
        } finally {
            lock.unlock();
        }
    }

    long total() {
        return total;
    }
}
