package dev.skein.testkit;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A TCP proxy in front of one Kafka listener that injects network faults on demand. It understands
 * Kafka's framing (a 4-byte size, then the message; requests carry api key and correlation id in
 * their header, responses the correlation id), so it can fault one kind of request precisely.
 *
 * <ul>
 *   <li>{@link #latency(Duration)}: every frame, either way, is delayed;</li>
 *   <li>{@link #cutConnections()}: every open connection is closed now (new ones are accepted);</li>
 *   <li>{@link #blackHole(boolean)}: connections stay open but nothing passes, like a dead route;</li>
 *   <li>{@link #stall(boolean)}: the proxy stops reading from clients, whose writes then wait;</li>
 *   <li>{@link #halfOpen(boolean)}: requests still reach the broker, but no response comes back on
 *       connections that stay open (one direction of the route is dead);</li>
 *   <li>{@link #bandwidth(long)}: each direction of each connection carries at most so many bytes a
 *       second (frames queue behind each other, as on a slow link);</li>
 *   <li>{@link #dropResponses(int, int)}: the broker processes the next requests of one api key,
 *       and their responses are thrown away and the connection closed, so the client cannot know
 *       whether they took effect.</li>
 *   <li>{@link #holdRequests(int, int)}: the next requests of one api key are kept from the broker
 *       until {@link #releaseHeld()} delivers them late.</li>
 * </ul>
 *
 * <p>Thread-safe. Faults apply to frames that arrive after the call.
 */
public final class FaultProxy implements AutoCloseable {
    private static final int MAX_FRAME = Integer.MAX_VALUE;

    private final EventLoopGroup group;
    private final Channel server;
    private final InetSocketAddress upstream;
    private final Set<Channel> clients = ConcurrentHashMap.newKeySet();
    private volatile long latencyNanos;
    private volatile boolean blackHole;
    private volatile boolean halfOpen;
    private volatile boolean stalled;
    private volatile long bytesPerSecond;
    /** Per channel written to: when its link is free again (nanoTime), for {@link #bandwidth}. */
    private static final AttributeKey<long[]> LINK_FREE_AT = AttributeKey.valueOf("linkFreeAt");
    private final Map<Integer, AtomicInteger> dropByApiKey = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> requestsByApiKey = new ConcurrentHashMap<>();
    private final AtomicInteger droppedResponses = new AtomicInteger();
    private final Map<Integer, AtomicInteger> holdByApiKey = new ConcurrentHashMap<>();
    /** Held request frames, each with the upstream channel it was meant for. */
    private final Queue<Held> held = new ConcurrentLinkedQueue<>();

    private record Held(ByteBuf frame, Channel upstream) {}

    /**
     * What {@link #rewriteResponses} sends the client instead of a response: {@code bytes} (any bytes:
     * a frame of another size, half a frame, a header claiming 2 GiB), then, with {@code close}, the
     * connection is closed (FIN).
     */
    public record Rewritten(ByteBuf bytes, boolean close) {}

    /**
     * The framing faults every client must survive at the cost of one connection, by name, for
     * {@link #rewriteResponses}: a size of 2 GiB, a negative size, half a frame then FIN, and a
     * correlation id nobody asked for.
     */
    public static Map<String, Function<ByteBuf, Rewritten>> framingFaults() {
        Map<String, Function<ByteBuf, Rewritten>> cases = new java.util.LinkedHashMap<>();
        cases.put("a size of 0x7FFFFFFF", f -> new Rewritten(f.setInt(f.readerIndex(), Integer.MAX_VALUE), false));
        cases.put("a size of -1", f -> new Rewritten(f.setInt(f.readerIndex(), -1), false));
        cases.put("half a frame, then FIN", f -> new Rewritten(
                io.netty.buffer.Unpooled.copiedBuffer(f.slice(f.readerIndex(), f.readableBytes() / 2)), true));
        cases.put("another correlation id", f -> new Rewritten(
                f.setInt(f.readerIndex() + 4, f.getInt(f.readerIndex() + 4) + 1_000), false));
        return cases;
    }

    private final Map<Integer, AtomicReference<RewriteRule>> rewriteByApiKey = new ConcurrentHashMap<>();

    private static final class RewriteRule {
        final Function<ByteBuf, Rewritten> rewrite;
        final AtomicInteger left;

        RewriteRule(Function<ByteBuf, Rewritten> rewrite, int count) {
            this.rewrite = rewrite;
            this.left = new AtomicInteger(count);
        }
    }

    private final AtomicInteger rewrittenResponses = new AtomicInteger();
    private final AtomicInteger acceptedConnections = new AtomicInteger();

    private FaultProxy(String upstreamHost, int upstreamPort) {
        this.upstream = new InetSocketAddress(upstreamHost, upstreamPort);
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4), new ClientSide());
                    }
                });
        try {
            this.server = b.bind("127.0.0.1", 0).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("interrupted while binding the proxy", e);
        }
    }

    /** Starts a proxy on a free port of 127.0.0.1 that forwards to {@code host:port}. */
    public static FaultProxy start(String upstreamHost, int upstreamPort) {
        return new FaultProxy(upstreamHost, upstreamPort);
    }

    /** The port clients connect to. */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Delays every frame, in both directions, by {@code delay} (zero turns it off). */
    public FaultProxy latency(Duration delay) {
        this.latencyNanos = delay.toNanos();
        return this;
    }

    /** When on, connections are accepted and kept, but no byte passes either way. */
    public FaultProxy blackHole(boolean on) {
        this.blackHole = on;
        return this;
    }

    /**
     * When on, requests pass to the broker (which processes them) but every response is thrown away,
     * and the connections stay open: the client hears nothing until its request timeout.
     */
    public FaultProxy halfOpen(boolean on) {
        this.halfOpen = on;
        return this;
    }

    /**
     * When on, the proxy stops reading what clients send (new connections too): their bytes pile up in
     * the socket buffers and, once those are full, their writes wait unwritten, as with a peer that
     * stopped reading. Off, it reads again.
     */
    public FaultProxy stall(boolean on) {
        stalled = on;
        for (Channel c : clients) {
            // On the channel's loop, which also opens reading once its upstream is connected: each reads
            // the flag as it is then, so neither can undo the other with an old value.
            c.eventLoop().execute(() -> {
                ClientSide side = c.pipeline().get(ClientSide.class);
                if (side != null && side.upstreamChannel != null) {
                    c.config().setAutoRead(!stalled);
                }
            });
        }
        return this;
    }

    /**
     * Caps each direction of each connection at {@code bytesPerSecond} (0: no cap), on top of any
     * {@link #latency}. A 3 Mbit/s link is {@code bandwidth(375_000)}. Frames keep their order.
     */
    public FaultProxy bandwidth(long bytesPerSecond) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytesPerSecond must be 0 (no cap) or more, was " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
        return this;
    }

    /** Closes every open client connection (and its upstream connection) now. */
    public FaultProxy cutConnections() {
        for (Channel c : clients) {
            c.close();
        }
        return this;
    }

    /**
     * The responses to the next {@code count} requests with {@code apiKey} are discarded after the
     * broker processed the request, and the connection that carried each is closed.
     */
    public FaultProxy dropResponses(int apiKey, int count) {
        dropByApiKey.computeIfAbsent(apiKey, k -> new AtomicInteger()).addAndGet(count);
        return this;
    }

    /**
     * The next {@code count} requests with {@code apiKey} are held in the proxy: the broker does not
     * see them (the client waits, times out, retries on another connection) until {@link #releaseHeld()}
     * delivers them late, like a packet stuck in the network. Other requests pass.
     */
    public FaultProxy holdRequests(int apiKey, int count) {
        holdByApiKey.computeIfAbsent(apiKey, k -> new AtomicInteger()).addAndGet(count);
        return this;
    }

    /**
     * The responses to the next {@code count} requests with {@code apiKey} are replaced by what
     * {@code rewrite} makes of them: it gets the whole frame (the 4-byte size first, then the
     * correlation id) and returns the bytes to send instead, and whether to close the connection after
     * them. The broker processed the request. For hostile-input tests: a flipped byte, a size of
     * 0x7FFFFFFF or -1, a frame cut mid-way, another correlation id.
     */
    public FaultProxy rewriteResponses(int apiKey, int count, Function<ByteBuf, Rewritten> rewrite) {
        rewriteByApiKey.computeIfAbsent(apiKey, k -> new AtomicReference<>())
                .set(new RewriteRule(rewrite, count));
        return this;
    }

    /** How many responses {@link #rewriteResponses} has replaced so far. */
    public int rewrittenResponses() {
        return rewrittenResponses.get();
    }

    /** How many requests are held now ({@link #holdRequests}). */
    public int heldRequests() {
        return held.size();
    }

    /**
     * Delivers the held requests to the broker now: on their own connection if it is still open (the
     * client then gets the answer), else on a new one whose answer is thrown away. Returns how many.
     */
    public int releaseHeld() {
        int n = 0;
        for (Held h; (h = held.poll()) != null; n++) {
            if (h.upstream().isActive()) {
                h.upstream().writeAndFlush(h.frame());
                continue;
            }
            ByteBuf frame = h.frame();
            new Bootstrap().group(group).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4),
                                    new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            ReferenceCountUtil.release(msg); // the answer no client waits for
                                            ctx.close();
                                        }
                                    });
                        }
                    })
                    .connect(upstream)
                    .addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            f.channel().writeAndFlush(frame);
                            f.channel().eventLoop().schedule(() -> f.channel().close(), 30, TimeUnit.SECONDS);
                        } else {
                            frame.release();
                        }
                    });
        }
        return n;
    }

    /** How many responses {@link #dropResponses(int, int)} has discarded so far. */
    public int droppedResponses() {
        return droppedResponses.get();
    }

    /**
     * How many requests with {@code apiKey} clients sent through this proxy since it started (those a
     * black hole swallowed included): to check what a client asked, say that a new leader was found
     * without a Metadata request.
     */
    public int requests(int apiKey) {
        AtomicInteger n = requestsByApiKey.get(apiKey);
        return n == null ? 0 : n.get();
    }

    /** How many client connections this proxy accepted since it started (a reconnect counts again). */
    public int acceptedConnections() {
        return acceptedConnections.get();
    }

    /** Number of client connections open now. */
    public int openConnections() {
        return clients.size();
    }

    /** Removes every fault: no latency, no black hole, no pending drops. */
    public FaultProxy heal() {
        latencyNanos = 0;
        blackHole = false;
        halfOpen = false;
        if (stalled) {
            stall(false);
        }
        bytesPerSecond = 0;
        dropByApiKey.clear();
        holdByApiKey.clear();
        rewriteByApiKey.clear();
        return this;
    }

    @Override
    public void close() {
        for (Held h; (h = held.poll()) != null; ) {
            h.frame().release();
        }
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        cutConnections();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private void forward(Channel to, ByteBuf frame, boolean toClient) {
        if (blackHole || (halfOpen && toClient)) {
            ReferenceCountUtil.release(frame);
            return;
        }
        long delay = latencyNanos;
        long rate = bytesPerSecond;
        if (rate > 0) {
            // Always on the proxy's one event loop: the link's queue is a plain field of the channel.
            long now = System.nanoTime();
            long[] freeAt = to.attr(LINK_FREE_AT).setIfAbsent(new long[] {now});
            if (freeAt == null) {
                freeAt = to.attr(LINK_FREE_AT).get();
            }
            long start = Math.max(now, freeAt[0]);
            freeAt[0] = start + frame.readableBytes() * 1_000_000_000L / rate;
            delay += freeAt[0] - now; // sent once its last byte is through the link
        }
        if (delay <= 0) {
            to.writeAndFlush(frame);
        } else {
            // One event loop and equal delays keep frames in order.
            to.eventLoop().schedule(() -> to.writeAndFlush(frame), delay, TimeUnit.NANOSECONDS);
        }
    }

    /** The client's side of one proxied connection. */
    private final class ClientSide extends ChannelInboundHandlerAdapter {
        private final Set<Integer> doomedCorrelationIds = ConcurrentHashMap.newKeySet();
        private final Map<Integer, Function<ByteBuf, Rewritten>> rewrites = new ConcurrentHashMap<>();
        private Channel upstreamChannel;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel client = ctx.channel();
            clients.add(client);
            acceptedConnections.incrementAndGet();
            new Bootstrap()
                    .group(client.eventLoop())
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4),
                                    new UpstreamSide(client, doomedCorrelationIds, rewrites));
                        }
                    })
                    .connect(upstream)
                    .addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            upstreamChannel = f.channel();
                            client.config().setAutoRead(!stalled);
                        } else {
                            client.close();
                        }
                    });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            if (frame.readableBytes() >= 12) {
                int apiKey = frame.getShort(frame.readerIndex() + 4);
                requestsByApiKey.computeIfAbsent(apiKey, k -> new AtomicInteger()).incrementAndGet();
                AtomicInteger drops = dropByApiKey.get(apiKey);
                if (drops != null && drops.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    doomedCorrelationIds.add(frame.getInt(frame.readerIndex() + 8));
                }
                var rule = rewriteByApiKey.get(apiKey);
                RewriteRule r = rule == null ? null : rule.get();
                if (r != null && r.left.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    rewrites.put(frame.getInt(frame.readerIndex() + 8), r.rewrite);
                }
                AtomicInteger holds = holdByApiKey.get(apiKey);
                if (holds != null && holds.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    held.add(new Held(frame, upstreamChannel));
                    return;
                }
            }
            forward(upstreamChannel, frame, false);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            clients.remove(ctx.channel());
            if (upstreamChannel != null) {
                upstreamChannel.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The broker's side of one proxied connection. */
    private final class UpstreamSide extends ChannelInboundHandlerAdapter {
        private final Channel client;
        private final Set<Integer> doomed;
        private final Map<Integer, Function<ByteBuf, Rewritten>> rewrites;

        UpstreamSide(Channel client, Set<Integer> doomed, Map<Integer, Function<ByteBuf, Rewritten>> rewrites) {
            this.client = client;
            this.doomed = doomed;
            this.rewrites = rewrites;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            var rewrite = frame.readableBytes() >= 8 ? rewrites.remove(frame.getInt(frame.readerIndex() + 4)) : null;
            if (rewrite != null) {
                Rewritten out;
                try {
                    out = rewrite.apply(frame);
                } catch (RuntimeException e) {
                    frame.release();
                    throw e;
                }
                if (out.bytes() != frame) {
                    frame.release(); // replaced; a rewrite that edits the frame in place returns it
                }
                rewrittenResponses.incrementAndGet();
                var written = client.writeAndFlush(out.bytes());
                if (out.close()) {
                    written.addListener(f -> {
                        client.close();
                        ctx.close();
                    });
                }
                return;
            }
            if (frame.readableBytes() >= 8 && doomed.remove(frame.getInt(frame.readerIndex() + 4))) {
                frame.release();
                droppedResponses.incrementAndGet();
                client.close();
                ctx.close();
                return;
            }
            forward(client, frame, true);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            client.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
