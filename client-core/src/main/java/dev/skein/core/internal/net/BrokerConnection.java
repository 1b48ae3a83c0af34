package dev.skein.core.internal.net;

import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.ErrorCode;
import dev.skein.core.NetworkException;
import dev.skein.core.OutcomeUnknownException;
import dev.skein.core.ProtocolException;
import dev.skein.core.TimeoutException;
import dev.skein.core.internal.protocol.Wire;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.ApiVersionsRequest;
import dev.skein.core.message.ApiVersionsResponse;
import dev.skein.core.message.RequestHeader;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One TCP connection to one broker: size-prefixed framing, correlation ids, pipelined requests
 * with a cap on those in flight, a timeout per request, and the ApiVersions handshake that fixes
 * which version of each API is used.
 *
 * <p>Threading: {@link #send} may be called from any thread; it encodes on the caller's thread
 * and hands the bytes to the connection's event loop, which owns all other state. Returned futures
 * complete on that event loop: dependent stages must not block (the clients hand results to user
 * code on other threads).
 *
 * <p>Failure semantics: a request still queued when the connection closes fails with a retriable
 * {@link NetworkException} (never sent); a request already written fails with
 * {@link OutcomeUnknownException} (the broker may have processed it). A request without a response
 * within {@code request.timeout.ms} fails the same way and closes the connection, since its response
 * may still arrive. A response that does not parse, or that is over {@code skein.max.response.bytes},
 * fails only its own request.
 */
public final class BrokerConnection {
    private static final Logger log = LoggerFactory.getLogger(BrokerConnection.class);
    static final String SOFTWARE_NAME = "skein";
    static final String SOFTWARE_VERSION = "0.1.0";

    private final Channel channel;
    private final EventLoop loop;
    private final ByteBufAllocator alloc;
    private final ClientOptions options;
    private final int nodeId;
    private final String name;
    private final CompletableFuture<Throwable> closed = new CompletableFuture<>();
    private volatile BrokerVersions versions;
    private volatile int inFlightCount;

    // Event-loop confined.
    private final ArrayDeque<PendingRequest> inFlight = new ArrayDeque<>();
    private final ArrayDeque<PendingRequest> waiting = new ArrayDeque<>();
    private int nextCorrelationId;
    private Throwable closeCause;

    private BrokerConnection(Channel channel, ClientResources resources, ClientOptions options, int nodeId,
                             InetSocketAddress address) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.alloc = resources.allocator();
        this.options = options;
        this.nodeId = nodeId;
        this.name = (nodeId < 0 ? "bootstrap broker" : ConnectionManager.isCoordinatorLane(nodeId)
                ? "coordinator broker " + (ConnectionManager.COORDINATOR_LANE_BASE - nodeId) : "broker " + nodeId)
                + " (" + address.getHostString() + ":"
                + address.getPort() + ")";
    }

    /**
     * Opens a connection and runs the ApiVersions handshake, all within {@code socket.connection.setup.timeout.ms}.
     *
     * @param nodeId the broker's id, or -1 for a bootstrap address whose id is not known yet
     */
    public static CompletableFuture<BrokerConnection> connect(ClientResources resources, ClientOptions options,
                                                              int nodeId, InetSocketAddress address) {
        CompletableFuture<BrokerConnection> result = new CompletableFuture<>();
        BrokerConnection[] holder = new BrokerConnection[1];
        Bootstrap b = new Bootstrap()
                .group(resources.eventLoops())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, resources.allocator())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        options.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        BrokerConnection conn = new BrokerConnection(ch, resources, options, nodeId, address);
                        holder[0] = conn;
                        ch.pipeline().addLast(new FrameDecoder(options.maxResponseBytes()), conn.new Handler());
                    }
                });
        if (options.sendBufferBytes() > 0) {
            b.option(ChannelOption.SO_SNDBUF, options.sendBufferBytes());
        }
        if (options.receiveBufferBytes() > 0) {
            b.option(ChannelOption.SO_RCVBUF, options.receiveBufferBytes());
        }
        String target = address.getHostString() + ":" + address.getPort();
        b.connect(address).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new NetworkException("cannot connect to " + target + ": "
                        + f.cause().getMessage(), f.cause(), true));
                return;
            }
            BrokerConnection conn = holder[0];
            var timer = conn.loop.schedule(() -> {
                if (result.completeExceptionally(new TimeoutException("connection to " + target
                        + " was not ready within " + options.connectTimeout(), null, true))) {
                    conn.close(null);
                }
            }, options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
            conn.handshake(ApiKey.API_VERSIONS.highestStableVersion(), result);
            result.whenComplete((c, e) -> timer.cancel(false));
        });
        return result;
    }

    private void handshake(short version, CompletableFuture<BrokerConnection> result) {
        ApiVersionsRequest req = new ApiVersionsRequest()
                .setClientSoftwareName(SOFTWARE_NAME)
                .setClientSoftwareVersion(SOFTWARE_VERSION);
        this.<ApiVersionsResponse>send(req, version).whenComplete((resp, err) -> {
            if (err != null) {
                result.completeExceptionally(err);
                close(null);
                return;
            }
            ErrorCode code = ErrorCode.forCode(resp.errorCode());
            if (code == ErrorCode.UNSUPPORTED_VERSION && version > 0) {
                // The broker answered in v0 with its own range of ApiVersions: retry with its highest.
                short brokerMax = 0;
                for (ApiVersionsResponse.ApiVersion v : resp.apiKeys()) {
                    if (v.apiKey() == ApiKey.API_VERSIONS.id()) {
                        brokerMax = v.maxVersion();
                    }
                }
                handshake((short) Math.min(brokerMax, version - 1), result);
                return;
            }
            if (code != ErrorCode.NONE) {
                result.completeExceptionally(code.exception("ApiVersions with " + name));
                close(null);
                return;
            }
            versions = new BrokerVersions(resp, name);
            log.debug("connected to {}", name);
            result.complete(this);
        });
    }

    public int nodeId() {
        return nodeId;
    }

    /** API versions negotiated with this broker. */
    public BrokerVersions versions() {
        BrokerVersions v = versions;
        if (v == null) {
            throw new IllegalStateException("handshake with " + name + " not complete");
        }
        return v;
    }

    public boolean isOpen() {
        return channel.isActive() && !closed.isDone();
    }

    /** Requests written and awaiting a response (read without synchronization: approximate). */
    public int inFlightCount() {
        return inFlightCount;
    }

    /** Completes with the cause (or null for a requested close) when the connection is gone. */
    public CompletableFuture<Throwable> closeFuture() {
        return closed;
    }

    /** Sends at the negotiated version of the request's API. */
    public <R extends ApiMessage> CompletableFuture<R> send(ApiMessage request) {
        ApiKey api = ApiKey.forId(request.apiKey());
        short version;
        try {
            version = versions().version(api);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return send(request, version);
    }

    @SuppressWarnings("unchecked")
    public <R extends ApiMessage> CompletableFuture<R> send(ApiMessage request, short version) {
        return (CompletableFuture<R>) send(request, version, true);
    }

    /**
     * Sends {@code request} at {@code version}. With {@code expectResponse=false} (Produce with
     * acks=0) the future completes with null once the bytes are written.
     */
    public CompletableFuture<ApiMessage> send(ApiMessage request, short version, boolean expectResponse) {
        return send(request, version, expectResponse, options.requestTimeout());
    }

    /**
     * As {@link #send(ApiMessage, short, boolean)} with its own timeout, for requests the broker may
     * legitimately hold longer than {@code request.timeout.ms} (JoinGroup waits for the rebalance).
     */
    public CompletableFuture<ApiMessage> send(ApiMessage request, short version, boolean expectResponse,
                                              java.time.Duration timeout) {
        CompletableFuture<ApiMessage> future = new CompletableFuture<>();
        ApiKey api = ApiKey.forId(request.apiKey());
        ByteBuf buf = alloc.buffer();
        try {
            buf.writeInt(0);
            new RequestHeader()
                    .setRequestApiKey(api.id())
                    .setRequestApiVersion(version)
                    .setCorrelationId(0) // set on the event loop, in write order
                    .setClientId(options.clientId())
                    .write(buf, api.requestHeaderVersion(version));
            request.write(buf, version);
            buf.setInt(0, buf.writerIndex() - 4);
        } catch (RuntimeException e) {
            buf.release();
            future.completeExceptionally(e);
            return future;
        }
        PendingRequest p = new PendingRequest(api, version, expectResponse, buf, future);
        p.timeoutMillis = timeout.toMillis();
        try {
            loop.execute(() -> enqueue(p));
        } catch (RejectedExecutionException e) {
            buf.release();
            future.completeExceptionally(new NetworkException(name + " is shut down", e, false));
        }
        return future;
    }

    /** Closes the connection; requests on it fail as described in the class comment. Idempotent. */
    public void close(Throwable cause) {
        if (loop.inEventLoop()) {
            if (closeCause == null) {
                closeCause = cause != null ? cause : new NetworkException("connection to " + name + " closed", null, true);
            }
            channel.close();
        } else {
            try {
                loop.execute(() -> close(cause));
            } catch (RejectedExecutionException e) {
                channel.close();
            }
        }
    }

    public void close() {
        close(null);
    }

    @Override
    public String toString() {
        return name;
    }

    // ---- event loop ----

    private void enqueue(PendingRequest p) {
        if (!channel.isActive()) {
            fail(p, new NetworkException("connection to " + name + " is closed; " + p.describe() + " was not sent",
                    closeCause, true));
            return;
        }
        p.timeout = loop.schedule(() -> onTimeout(p), p.timeoutMillis, TimeUnit.MILLISECONDS);
        if (inFlight.size() < options.maxInFlight()) {
            write(p);
        } else {
            waiting.add(p);
        }
    }

    private void write(PendingRequest p) {
        p.correlationId = nextCorrelationId++;
        ByteBuf bytes = p.encoded;
        p.encoded = null;
        bytes.setInt(8, p.correlationId);
        p.written = true;
        if (p.expectResponse) {
            inFlight.add(p);
            inFlightCount = inFlight.size();
        }
        channel.writeAndFlush(bytes).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                close(f.cause());
            } else if (!p.expectResponse) {
                complete(p, null);
            }
        });
    }

    private void drainWaiting() {
        while (inFlight.size() < options.maxInFlight() && !waiting.isEmpty()) {
            write(waiting.poll());
        }
    }

    private void onTimeout(PendingRequest p) {
        if (p.future.isDone()) {
            return;
        }
        if (!p.written) {
            waiting.remove(p);
            fail(p, new TimeoutException(p.describe() + " to " + name + " was not sent within request.timeout.ms ("
                    + options.requestTimeout() + ")", null, true));
            return;
        }
        fail(p, new OutcomeUnknownException(p.describe() + " to " + name + " got no response within "
                + p.timeoutMillis + " ms (request.timeout.ms); it may have been processed", null));
        close(new TimeoutException("request timed out on " + name, null, true));
    }

    private void onResponse(ByteBuf frame) {
        PendingRequest p = inFlight.peekFirst();
        int correlationId = frame.readableBytes() >= 4 ? frame.readInt() : -1;
        if (p == null || p.correlationId != correlationId) {
            close(new ProtocolException(name + " sent a response with correlation id " + correlationId + " but "
                    + (p == null ? "no request is in flight" : "the oldest in flight has " + p.correlationId)));
            return;
        }
        inFlight.pollFirst();
        inFlightCount = inFlight.size();
        ApiMessage response = null;
        try {
            if (p.api.responseHeaderVersion(p.version) >= 1) {
                skipTaggedFields(frame);
            }
            if (p.api == ApiKey.API_VERSIONS && frame.readableBytes() >= 2
                    && frame.getShort(frame.readerIndex()) == ErrorCode.UNSUPPORTED_VERSION.code()) {
                // A broker that lacks our ApiVersions version answers in v0, whatever we asked.
                response = ApiVersionsResponse.read(frame, (short) 0);
            } else {
                response = p.api.readResponse(frame, p.version);
            }
        } catch (ProtocolException e) {
            fail(p, new ProtocolException(name + " sent a malformed " + p.describe() + " response: " + e.getMessage(), e));
        }
        if (response != null && !complete(p, response)) {
            response.releaseRecords(); // nobody will read it
        }
        drainWaiting();
    }

    private void onOversized(int size) {
        PendingRequest p = inFlight.pollFirst();
        inFlightCount = inFlight.size();
        if (p != null) {
            fail(p, new ProtocolException(name + " sent a " + p.describe() + " response of " + size
                    + " bytes, over the maximum of " + options.maxResponseBytes() + " (skein.max.response.bytes)"));
        }
        drainWaiting();
    }

    private static void skipTaggedFields(ByteBuf buf) {
        int n = Wire.readUnsignedVarint(buf);
        for (int i = 0; i < n; i++) {
            Wire.readUnsignedVarint(buf);
            int size = Wire.readUnsignedVarint(buf);
            Wire.ensure(buf, size, "header tagged field");
            buf.skipBytes(size);
        }
    }

    private boolean complete(PendingRequest p, ApiMessage response) {
        if (p.timeout != null) {
            p.timeout.cancel(false);
        }
        return p.future.complete(response);
    }

    private void fail(PendingRequest p, Throwable t) {
        if (p.timeout != null) {
            p.timeout.cancel(false);
        }
        if (p.encoded != null) {
            p.encoded.release();
            p.encoded = null;
        }
        p.future.completeExceptionally(t);
    }

    private void onClosed() {
        Throwable cause = closeCause;
        for (PendingRequest p; (p = inFlight.poll()) != null; ) {
            fail(p, new OutcomeUnknownException("connection to " + name + " closed before the response to "
                    + p.describe() + " arrived; it may have been processed", cause));
        }
        inFlightCount = 0;
        for (PendingRequest p; (p = waiting.poll()) != null; ) {
            fail(p, new NetworkException("connection to " + name + " closed; " + p.describe() + " was not sent",
                    cause, true));
        }
        closed.complete(cause);
    }

    /** The pipeline's last handler; runs on the event loop. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FrameDecoder.Oversized o) {
                onOversized(o.size());
                return;
            }
            ByteBuf frame = (ByteBuf) msg;
            try {
                onResponse(frame);
            } finally {
                frame.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (closeCause == null) {
                closeCause = new NetworkException("connection to " + name + " was closed by the broker or the network",
                        null, true);
                log.info("{} closed the connection", name);
            }
            onClosed();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Throwable c = cause instanceof io.netty.handler.codec.DecoderException d && d.getCause() != null
                    ? d.getCause() : cause;
            if (closeCause == null) {
                closeCause = c instanceof ProtocolException ? new ProtocolException(name + ": " + c.getMessage(), c)
                        : new NetworkException("connection to " + name + " failed: " + c.getMessage(), c, true);
                log.info("closing connection to {}: {}", name, c.toString());
            }
            ctx.close();
        }
    }
}
