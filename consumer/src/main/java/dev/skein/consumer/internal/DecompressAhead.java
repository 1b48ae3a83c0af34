package dev.skein.consumer.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;

import java.util.ArrayDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Decompresses fetched zstd and gzip batches ahead of the polling thread, on the fetcher's event loop, one
 * batch per task so that the loop's I/O runs between them. Without it the polling thread both decompresses
 * and decodes every record, and with zstd it is saturated while the other core idles (bench/ConsumerComparison:
 * 1.7-2.0 s of the polling thread's CPU in a 2 s read of 10 M records); with it the two threads share the
 * decompression, each claiming batches through {@link CompletedFetch}'s slots, and the polling thread
 * reads them in order. With zstd the total CPU stayed the same and the records reach {@code poll()}
 * sooner; lz4 and snappy batches stay on the polling thread (see {@code CompletedFetch#decompressible}).
 *
 * <p>Memory: the helper stops once {@code limit} decompressed bytes are held ahead of the polling thread
 * (a sixty-fourth of {@code skein.buffer.max.bytes}, 1 MiB by default; so at most one batch more, and up
 * to two the polling thread decompressed itself while waiting for the helper's), counted from
 * decompression until the polling thread takes the batch, passes over it or releases the fetch, and goes
 * on when the polling thread takes. A limit of 8 MiB read no faster than 1 MiB, with more of the
 * decompressed data out of cache when read. Decompression is CPU work like the producer's compression on
 * the same loops: it never waits.
 */
final class DecompressAhead {
    private final EventLoop loop;
    private final ByteBufAllocator alloc;
    private final int maxBatchBytes;
    private final long limit;
    private final ArrayDeque<CompletedFetch> queue = new ArrayDeque<>(); // loop-confined
    private final AtomicLong held = new AtomicLong();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** Stopped at the limit: the next {@link #taken} below it starts the helper again. */
    private final AtomicBoolean stalled = new AtomicBoolean();
    private boolean closed; // loop-confined

    DecompressAhead(EventLoop loop, ByteBufAllocator alloc, int maxBatchBytes, long limit) {
        this.loop = loop;
        this.alloc = alloc;
        this.maxBatchBytes = maxBatchBytes;
        this.limit = limit;
    }

    /** Takes a fetch to decompress ahead, before the polling thread can see it (on the loop). */
    void offer(CompletedFetch f) {
        if (closed || limit <= 0 || !f.decompressesAhead()) {
            return;
        }
        f.retainForAhead();
        queue.add(f);
        schedule();
    }

    /** Decompressed bytes now held for the polling thread (any thread). */
    void added(long bytes) {
        held.addAndGet(bytes);
    }

    /** Decompressed bytes the polling thread took, or that a released fetch dropped (any thread). */
    void taken(long bytes) {
        if (held.addAndGet(-bytes) < limit && stalled.compareAndSet(true, false)) {
            schedule();
        }
    }

    /** Decompressed bytes held ahead of the polling thread now. */
    long held() {
        return held.get();
    }

    /** Drops every queued fetch's reference (on the loop). */
    void close() {
        closed = true;
        for (CompletedFetch f; (f = queue.poll()) != null; ) {
            f.aheadDone();
        }
    }

    private void schedule() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                loop.execute(this::step);
            } catch (RejectedExecutionException e) {
                scheduled.set(false); // the loop is shutting down: the polling thread decompresses what is left
            }
        }
    }

    private void step() {
        scheduled.set(false);
        if (closed) {
            return;
        }
        if (held.get() >= limit) {
            stalled.set(true);
            if (held.get() < limit && stalled.compareAndSet(true, false)) { // taken meanwhile, before it saw the flag
                schedule();
            }
            return;
        }
        for (CompletedFetch f; (f = queue.peek()) != null; ) {
            if (f.prepareNext(alloc, maxBatchBytes) >= 0) {
                schedule(); // one batch per task
                return;
            }
            queue.poll();
            f.aheadDone();
        }
    }
}
