package dev.skein.core;

import dev.skein.core.errors.ConfigException;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * What several clients can share: the Netty event loops that run every connection, and the buffer
 * allocator. Build one, pass it to each client's builder, and close it after the clients. A client
 * built without one creates its own and closes it on {@code close()}.
 *
 * <p>Nothing may block an event loop: Skein never runs user callbacks, serializers or listeners on
 * these threads. Thread-safe.
 */
public final class ClientResources implements AutoCloseable {
    /** Default number of event loop threads: the number of processors, at least 2. */
    public static final int DEFAULT_IO_THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

    private final EventLoopGroup eventLoops;
    private final ByteBufAllocator allocator;
    private final Duration shutdownTimeout;

    private ClientResources(Builder b) {
        this.eventLoops = new MultiThreadIoEventLoopGroup(b.ioThreads,
                new DefaultThreadFactory("skein-io", true), NioIoHandler.newFactory());
        this.allocator = b.allocator;
        this.shutdownTimeout = b.shutdownTimeout;
    }

    public static ClientResources create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public EventLoopGroup eventLoops() {
        return eventLoops;
    }

    /** True on the thread of one of these event loops: where a client must not wait for its own I/O. */
    public boolean inEventLoop() {
        for (EventExecutor e : eventLoops) {
            if (e.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    public ByteBufAllocator allocator() {
        return allocator;
    }

    /** Stops the event loops, waiting at most the shutdown timeout (default 5 s). */
    @Override
    public void close() {
        eventLoops.shutdownGracefully(0, shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(shutdownTimeout.toMillis() + 1000);
    }

    /** Options of {@link ClientResources}. */
    public static final class Builder {
        private int ioThreads = DEFAULT_IO_THREADS;
        private ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
        private Duration shutdownTimeout = Duration.ofSeconds(5);

        private Builder() {}

        /** Event loop threads; each broker connection lives on one. Default {@link #DEFAULT_IO_THREADS}. */
        public Builder ioThreads(int threads) {
            if (threads < 1) {
                throw new ConfigException("ioThreads", "must be at least 1, was " + threads);
            }
            this.ioThreads = threads;
            return this;
        }

        public Builder allocator(ByteBufAllocator allocator) {
            this.allocator = Objects.requireNonNull(allocator, "allocator");
            return this;
        }

        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = timeout;
            return this;
        }

        public ClientResources build() {
            return new ClientResources(this);
        }
    }
}
