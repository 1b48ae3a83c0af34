package dev.skein.producer.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.util.internal.PlatformDependent;

import java.util.ArrayDeque;

/**
 * The buffers that batches are appended into, at the producer's standard capacity, taken back for
 * reuse when a batch is done with them instead of going back to Netty's pool.
 *
 * <p>Why: batches go through the pool in first-in first-out order, so its chunks (4 MiB) empty one
 * after the other, and an empty chunk is given back to the operating system. The next one is
 * allocated with {@code ByteBuffer.allocateDirect}, which zeroes it, and each of its pages faults in
 * on first use. A {@code perf} profile of the sending thread at two million records a second put 5-7%
 * of the producer's CPU there, in bursts every few seconds. A buffer kept here is zeroed and faulted in
 * once.
 *
 * <p>At most {@code buffer.memory} of them are kept, freed by {@link #close()}; as every batch in use
 * reserved its capacity from {@code buffer.memory}, no more than that many are ever made. (Apache
 * Kafka's producer keeps free batch buffers within {@code buffer.memory} the same way.) A profile with a
 * cap of 64 still showed new buffers zeroed: a producer that outruns the network has its whole
 * {@code buffer.memory} in flight, and then it all comes back.
 *
 * <p>A buffer that grew past the standard capacity (a record larger than a batch) is freed, not kept.
 * A kept buffer is reused only after its last reference is released, by whichever thread released it
 * ({@link Kept#deallocate()}), so a request still being written holds it as it would hold a pooled one.
 * Thread-safe.
 */
final class BatchBuffers {
    private final ByteBufAllocator alloc;
    private final int capacity;
    private final int maxKept;
    private final boolean keeps;
    private final ArrayDeque<Kept> free = new ArrayDeque<>();
    private boolean closed;

    /**
     * @param capacity     the standard capacity: what a batch of {@code batch.size} starts with
     * @param bufferMemory {@code buffer.memory}: what the kept buffers may hold in all
     */
    BatchBuffers(ByteBufAllocator alloc, int capacity, long bufferMemory) {
        this.alloc = alloc;
        this.capacity = capacity;
        this.maxKept = (int) Math.min(Integer.MAX_VALUE, Math.max(1, bufferMemory / capacity));
        // Without Unsafe, Netty's unpooled direct buffers are the slower kind: then the pool serves.
        this.keeps = alloc.isDirectBufferPooled() && PlatformDependent.hasUnsafe();
    }

    /** A buffer of at least {@code initialCapacity}: a kept one when it is the standard capacity. */
    ByteBuf take(int initialCapacity) {
        if (!keeps || initialCapacity != capacity) {
            return alloc.directBuffer(initialCapacity);
        }
        Kept b;
        synchronized (this) {
            b = free.pollLast(); // the most recently used: likeliest to be in a cache still
        }
        return b != null ? b.reuse() : new Kept();
    }

    /** Frees the kept buffers; buffers released afterwards are freed, not kept. */
    void close() {
        Kept[] all;
        synchronized (this) {
            closed = true;
            all = free.toArray(new Kept[0]);
            free.clear();
        }
        for (Kept b : all) {
            b.free();
        }
    }

    /** Buffers kept for reuse (for tests). */
    synchronized int kept() {
        return free.size();
    }

    private synchronized boolean keep(Kept b) {
        if (closed || free.size() >= maxKept) {
            return false;
        }
        free.addLast(b);
        return true;
    }

    /** A direct buffer that, released for the last time, goes back to {@link #free} rather than being freed. */
    private final class Kept extends UnpooledUnsafeDirectByteBuf {
        Kept() {
            super(alloc, capacity, Integer.MAX_VALUE);
        }

        @Override
        protected void deallocate() {
            if (capacity() != capacity || !keep(this)) {
                super.deallocate();
            }
        }

        Kept reuse() {
            resetRefCnt();
            clear();
            return this;
        }

        void free() {
            super.deallocate();
        }
    }
}
