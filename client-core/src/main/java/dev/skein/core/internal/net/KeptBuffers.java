package dev.skein.core.internal.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import io.netty.util.internal.PlatformDependent;

import java.util.ArrayList;
import java.util.List;

/**
 * Large direct buffers taken back for reuse when their last reference is released, instead of going
 * back to Netty's pool: the producer's batch buffers and the fetch responses a connection gathers.
 *
 * <p>Why: such buffers go through the pool in first-in first-out order, so its chunks (4 MiB) empty
 * one after the other, and an empty chunk is given back to the operating system. The next one is
 * allocated with {@code ByteBuffer.allocateDirect}, which zeroes it, and each of its pages faults in on
 * first use. {@code perf} profiles put 5-7% of the producer's CPU there at two million records a
 * second, and 16% of the consumer's event loop at eight million. A buffer kept here is zeroed and
 * faulted in once.
 *
 * <p>Two kinds: {@link #ofCapacity} keeps buffers of one capacity (a batch's), {@link #atLeast} keeps
 * buffers of any capacity from a minimum, rounded up to an eighth of their power of two so that sizes
 * that differ a little share buffers; a request is served by the smallest kept buffer that holds it and
 * is at most half as large again. The buffers made here hold at most {@code maxBytes} in all, in use or
 * kept; past that, and for sizes not kept, buffers come from the allocator given, as before. A buffer
 * that grew past the capacity it was made with is freed when released, as is everything after
 * {@link #close()}. A kept buffer is reused only after its last reference is released, by whichever
 * thread released it ({@link Kept#deallocate()}), so a slice still in use holds it as it would hold a
 * pooled one. Thread-safe.
 */
public final class KeptBuffers {
    private final ByteBufAllocator alloc;
    private final int minCapacity;
    private final int maxCapacity;
    private final boolean round;
    private final long maxBytes;
    private final boolean keeps;
    private final List<Kept> free = new ArrayList<>();
    /** What the kept buffers hold. */
    private long keptBytes;
    /** What every buffer made here and not yet freed holds, in use or kept: at most {@link #maxBytes}. */
    private long madeBytes;
    private boolean closed;

    private KeptBuffers(ByteBufAllocator alloc, int minCapacity, int maxCapacity, boolean round, long maxBytes) {
        this.alloc = alloc;
        this.minCapacity = minCapacity;
        this.maxCapacity = maxCapacity;
        this.round = round;
        this.maxBytes = maxBytes;
        // Without Unsafe, Netty's unpooled direct buffers are the slower kind: then the pool serves.
        this.keeps = alloc.isDirectBufferPooled() && PlatformDependent.hasUnsafe();
    }

    /**
     * Makes and keeps buffers of exactly {@code capacity}, up to {@code maxBytes} of them in use or kept;
     * other sizes, and what is asked for beyond that, come from {@code alloc}.
     */
    public static KeptBuffers ofCapacity(ByteBufAllocator alloc, int capacity, long maxBytes) {
        return new KeptBuffers(alloc, capacity, capacity, false, maxBytes);
    }

    /**
     * Makes and keeps buffers of {@code minCapacity} or more, up to {@code maxBytes} in use or kept;
     * smaller ones, and what is asked for beyond that, come from {@code alloc}.
     */
    public static KeptBuffers atLeast(ByteBufAllocator alloc, int minCapacity, long maxBytes) {
        return new KeptBuffers(alloc, minCapacity, Integer.MAX_VALUE, true, maxBytes);
    }

    /** A direct buffer of at least {@code size} bytes, empty, its reference count 1: a kept one when one fits. */
    public ByteBuf take(int size) {
        if (!keeps || size < minCapacity || size > maxCapacity) {
            return alloc.directBuffer(size);
        }
        Kept b = null;
        int make = round ? roundUp(size) : size;
        synchronized (this) {
            int best = -1;
            long limit = size + (long) (size >> 1);
            for (int i = free.size() - 1; i >= 0; i--) { // the most recently kept first: likeliest to be cached
                int c = free.get(i).made;
                if (c >= size && c <= limit && (best < 0 || c < free.get(best).made)) {
                    best = i;
                    if (c == size) {
                        break;
                    }
                }
            }
            if (best >= 0) {
                b = free.get(best);
                free.set(best, free.get(free.size() - 1));
                free.remove(free.size() - 1);
                keptBytes -= b.made;
            } else if (closed || madeBytes + make > maxBytes) {
                make = -1;
            } else {
                madeBytes += make;
            }
        }
        if (b != null) {
            return b.reuse();
        }
        return make < 0 ? alloc.directBuffer(size) : new Kept(make);
    }

    /** {@code size} rounded up to a multiple of an eighth of its highest one bit (at least 4 KiB). */
    static int roundUp(int size) {
        long granule = Math.max(4096, Integer.highestOneBit(size) >>> 3);
        return (int) Math.min(Integer.MAX_VALUE - 8, (size + granule - 1) / granule * granule);
    }

    /** Frees the kept buffers; buffers released afterwards are freed, not kept, and none are made. */
    public void close() {
        Kept[] all;
        synchronized (this) {
            closed = true;
            all = free.toArray(new Kept[0]);
            free.clear();
            madeBytes -= keptBytes;
            keptBytes = 0;
        }
        for (Kept b : all) {
            b.free();
        }
    }

    /** Buffers kept for reuse (for tests). */
    public synchronized int kept() {
        return free.size();
    }

    /** What the kept buffers hold (for tests). */
    public synchronized long keptBytes() {
        return keptBytes;
    }

    /** What the buffers made here and not freed hold, in use or kept (for tests). */
    public synchronized long madeBytes() {
        return madeBytes;
    }

    /** Takes a released buffer back, or returns false when it is to be freed (then no longer counted). */
    private synchronized boolean keep(Kept b) {
        if (closed || b.capacity() != b.made) {
            madeBytes -= b.made;
            return false;
        }
        free.add(b);
        keptBytes += b.made;
        return true;
    }

    /** A direct buffer that, released for the last time, goes back to {@link #free} rather than being freed. */
    private final class Kept extends UnpooledUnsafeDirectByteBuf {
        /** The capacity it was made with: one that grew past it is freed. */
        final int made;

        Kept(int capacity) {
            super(alloc, capacity, Integer.MAX_VALUE);
            this.made = capacity;
        }

        @Override
        protected void deallocate() {
            if (!keep(this)) {
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
