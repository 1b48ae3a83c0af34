package dev.skein.testkit;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples the memory a pooled allocator has handed out (heap and direct, huge allocations included)
 * every millisecond from a daemon thread and keeps the peak: a test gives a client its own allocator
 * ({@code ClientResources.builder().allocator(...)}), feeds it hostile bytes, and asserts that no
 * frame claiming 2 GiB made it allocate anything near that.
 *
 * <pre>{@code
 * PooledByteBufAllocator alloc = new PooledByteBufAllocator(true);
 * try (AllocatorWatch watch = AllocatorWatch.start(alloc)) {
 *     ... the client reads the hostile responses ...
 *     assertTrue(watch.peakBytes() < 16 << 20, "peak " + watch.peakBytes());
 * }
 * }</pre>
 *
 * A sample can miss an allocation that lives less than a millisecond; one that waits for the bytes a
 * hostile size claims lives until the connection closes, far longer.
 */
public final class AllocatorWatch implements AutoCloseable {
    private final PooledByteBufAllocatorMetric metric;
    private final AtomicLong peak = new AtomicLong();
    private final Thread sampler;
    private volatile boolean stopped;

    private AllocatorWatch(PooledByteBufAllocator allocator) {
        this.metric = allocator.metric();
        this.sampler = new Thread(this::sample, "allocator-watch");
        sampler.setDaemon(true);
    }

    /** Starts sampling {@code allocator}. */
    public static AllocatorWatch start(PooledByteBufAllocator allocator) {
        AllocatorWatch w = new AllocatorWatch(allocator);
        w.sampler.start();
        return w;
    }

    /** The most memory in use at any sample so far, in bytes. */
    public long peakBytes() {
        peak.accumulateAndGet(inUse(), Math::max);
        return peak.get();
    }

    private long inUse() {
        return metric.usedHeapMemory() + metric.usedDirectMemory();
    }

    private void sample() {
        while (!stopped) {
            peak.accumulateAndGet(inUse(), Math::max);
            try {
                TimeUnit.MILLISECONDS.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        stopped = true;
        sampler.interrupt();
    }
}
