package dev.skein.core.internal.net;

import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.ErrorCode;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.OutcomeUnknownException;
import dev.skein.core.errors.RebootstrapRequiredException;
import dev.skein.core.errors.ProtocolException;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.Retry;
import dev.skein.core.internal.security.SaslExchange;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.ApiVersionsRequest;
import dev.skein.core.message.ApiVersionsResponse;
import dev.skein.core.message.RequestHeader;
import dev.skein.core.message.SaslAuthenticateRequest;
import dev.skein.core.message.SaslAuthenticateResponse;
import dev.skein.core.message.SaslHandshakeRequest;
import dev.skein.core.message.SaslHandshakeResponse;
import dev.skein.core.security.SaslCredentials;
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
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.security.SecureRandom;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * One TCP connection to one broker: size-prefixed framing, correlation ids, pipelined requests
 * with a cap on those in flight, a timeout per request, and the ApiVersions handshake that fixes
 * which version of each API is used.
 *
 * <p>Security: with TLS the connection is ready only after the TLS handshake (hostname verified
 * unless turned off); with SASL, after SaslHandshake and SaslAuthenticate succeed. When the broker
 * gives the session a lifetime ({@code connections.max.reauth.ms}, KIP-368), the connection
 * re-authenticates at 85-95% of it: new requests wait from then on, and the exchange begins once the
 * requests already sent are answered (a broker reads nothing more on a connection while it holds a
 * request), bounded as a whole by {@code socket.connection.setup.timeout.ms}. Failures say
 * what went wrong: a certificate that does not name the host, one no trusted CA signed, a broker
 * asking for a client certificate, a plaintext client on a TLS port, rejected credentials. They are
 * {@link AuthenticationException}s, never retried. A TLS handshake the peer closes before sending a
 * byte (a TLS client on a plaintext port, or only a proxy whose upstream is not ready, a broker going
 * away) is a retriable {@link HandshakeClosedException} whose message names the likely misconfiguration.
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
 * may still arrive; so does a request that expects no response ({@code acks=0}) whose write fails. A
 * response that does not parse, or that is over {@code skein.max.response.bytes}, fails only its own
 * request.
 *
 * <p>Long on purpose (over 800 lines): framing, the handshakes, re-authentication, throttling, the
 * idle check and the timeouts all act on one event-loop-confined queue of requests and decide together
 * when the next may be written; split into classes they would share that state through accessors.
 */
public final class BrokerConnection {
    private static final Logger log = LoggerFactory.getLogger(BrokerConnection.class);
    private static final SecureRandom RANDOM = new SecureRandom();
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
    /** The cluster the client means to reach, for ApiVersions v5; null when not known (set before the handshake). */
    private volatile String expectedClusterId;
    private volatile int inFlightCount;
    private volatile int reauthentications;

    // Event-loop confined.
    private final ArrayDeque<PendingRequest> inFlight = new ArrayDeque<>();
    private final ArrayDeque<PendingRequest> waiting = new ArrayDeque<>();
    private int nextCorrelationId;
    private Throwable closeCause;
    /** KIP-368: a renewal is due; new requests wait until it is done. */
    private boolean reauthenticating;
    /** The renewal's exchange once begun (nothing was in flight), or null. */
    private CompletableFuture<Long> reauthentication;
    private boolean receivedBytes;
    /** When a request was last written or a response last read (event loop only). */
    private long lastUsedNanos = System.nanoTime();
    private ScheduledFuture<?> idleCheck;
    /** KIP-219: a response asked for a pause; nothing but authentication is written before this time. */
    private long throttledUntilNanos;
    private ScheduledFuture<?> throttleEnd;

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
        return connect(resources, options, nodeId, address, null);
    }

    /** As {@link #connect(ClientResources, ClientOptions, int, InetSocketAddress)}, on {@code loop} when not null. */
    public static CompletableFuture<BrokerConnection> connect(ClientResources resources, ClientOptions options,
                                                              int nodeId, InetSocketAddress address, EventLoop loop) {
        return connect(resources, options, nodeId, address, loop, options.connectTimeout());
    }

    /**
     * As {@link #connect(ClientResources, ClientOptions, int, InetSocketAddress, EventLoop)}, within
     * {@code setupTimeout} (which grows per failed attempt: see {@link ConnectionManager}).
     */
    public static CompletableFuture<BrokerConnection> connect(ClientResources resources, ClientOptions options,
                                                              int nodeId, InetSocketAddress address, EventLoop loop,
                                                              Duration setupTimeout) {
        return connect(resources, options, nodeId, address, loop, setupTimeout, null);
    }

    /**
     * As {@link #connect(ClientResources, ClientOptions, int, InetSocketAddress, EventLoop, Duration)},
     * telling the broker which cluster ({@code clusterId}, null when not known) and node the client means
     * to reach: ApiVersions v5 (KIP-1242) carries both when both are known (a broker's id, not a bootstrap
     * address), and a broker that is not that node of that cluster answers {@code REBOOTSTRAP_REQUIRED}; the
     * connection then fails with {@link RebootstrapRequiredException}.
     */
    public static CompletableFuture<BrokerConnection> connect(ClientResources resources, ClientOptions options,
                                                              int nodeId, InetSocketAddress address, EventLoop loop,
                                                              Duration setupTimeout, String clusterId) {
        CompletableFuture<BrokerConnection> result = new CompletableFuture<>();
        BrokerConnection[] holder = new BrokerConnection[1];
        Bootstrap b = new Bootstrap()
                .group(loop != null ? loop : resources.eventLoops())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, resources.allocator())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        setupTimeout.toMillis()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        BrokerConnection conn = new BrokerConnection(ch, resources, options, nodeId, address);
                        holder[0] = conn;
                        if (options.sslContext() != null) {
                            SslHandler tls = options.sslContext().newHandler(ch.alloc(), address.getHostString(),
                                    address.getPort());
                            tls.setHandshakeTimeoutMillis(setupTimeout.toMillis());
                            ch.pipeline().addLast(conn.new ByteWatcher(), tls);
                        }
                        ch.pipeline().addLast(FrameDecoder.on(ch, options.maxResponseBytes(), options.sslContext() == null),
                                conn.new Handler());
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
                        + " was not ready within " + setupTimeout, null, true))) {
                    conn.close(null);
                }
            }, setupTimeout.toMillis(), TimeUnit.MILLISECONDS);
            result.whenComplete((c, e) -> timer.cancel(false));
            result.thenAccept(c -> c.loop.execute(c::checkIdle));
            conn.expectedClusterId = clusterId;
            SslHandler tls = conn.channel.pipeline().get(SslHandler.class);
            if (tls == null) {
                conn.handshake(ApiKey.API_VERSIONS.highestStableVersion(), result);
                return;
            }
            tls.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    conn.handshake(ApiKey.API_VERSIONS.highestStableVersion(), result);
                } else if (result.completeExceptionally(conn.tlsFailure(h.cause(), target))) {
                    conn.close(null);
                }
            });
        });
        return result;
    }

    /** The broker's own id: a coordinator lane's id names it; -1 for a bootstrap address. */
    private int brokerId() {
        return nodeId < 0 ? -1 : ConnectionManager.isCoordinatorLane(nodeId) ? ConnectionManager.COORDINATOR_LANE_BASE - nodeId
                : nodeId;
    }

    /**
     * The ApiVersions request at {@code version}. From v5 (KIP-1242) it names the cluster and node the
     * client means, when it knows both (the KIP asks for both or neither): after the first metadata, to a
     * broker by id. The fields are ignorable, so a broker below 4.4, which negotiates a lower version, is
     * never sent them.
     */
    static ApiVersionsRequest apiVersionsRequest(short version, String clusterId, int brokerId) {
        ApiVersionsRequest req = new ApiVersionsRequest()
                .setClientSoftwareName(SOFTWARE_NAME)
                .setClientSoftwareVersion(SOFTWARE_VERSION);
        if (version >= 5 && clusterId != null && brokerId >= 0) {
            req.setClusterId(clusterId).setNodeId(brokerId);
        }
        return req;
    }

    private void handshake(short version, CompletableFuture<BrokerConnection> result) {
        ApiVersionsRequest req = apiVersionsRequest(version, expectedClusterId, brokerId());
        this.<ApiVersionsResponse>send(req, version).whenComplete((resp, err) -> {
            if (err != null) {
                // Only the handshake was on the wire: for the requests waiting on this connection the
                // outcome is known (not sent), so an OutcomeUnknownException of ApiVersions must not
                // reach them; they may go again on another connection.
                Throwable cause = Retry.cause(err);
                result.completeExceptionally(cause instanceof OutcomeUnknownException
                        ? new NetworkException("connection to " + name + " closed during its ApiVersions handshake;"
                                + " no other request was sent on it", cause, true)
                        : err);
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
            if (code == ErrorCode.REBOOTSTRAP_REQUIRED) {
                // KIP-1242: whoever answers at this address is not broker brokerId() of cluster
                // expectedClusterId (the broker moved, a stale DNS or proxy entry, another cluster).
                RebootstrapRequiredException e = new RebootstrapRequiredException(name + " is not broker " + brokerId()
                        + " of cluster " + expectedClusterId + ": it answered ApiVersions with REBOOTSTRAP_REQUIRED"
                        + " (KIP-1242); the client's metadata names an address that now belongs to another broker or"
                        + " cluster, and it bootstraps again from bootstrap.servers", ErrorCode.REBOOTSTRAP_REQUIRED);
                result.completeExceptionally(e);
                close(null);
                return;
            }
            if (code != ErrorCode.NONE) {
                result.completeExceptionally(code.exception("ApiVersions with " + name));
                close(null);
                return;
            }
            versions = new BrokerVersions(resp, name);
            if (options.sasl() == null) {
                log.debug("connected to {}", name);
                result.complete(this);
                return;
            }
            authenticate(options.sasl()).whenComplete((lifetimeMs, authError) -> {
                if (authError != null) {
                    result.completeExceptionally(authError);
                    close(authError);
                    return;
                }
                log.debug("connected to {} and authenticated with {}", name, options.sasl());
                scheduleReauthentication(lifetimeMs);
                result.complete(this);
            });
        });
    }

    /** Why a TLS handshake failed, in words that point at the setting to fix. */
    private Throwable tlsFailure(Throwable cause, String target) {
        Throwable c = cause instanceof DecoderException d && d.getCause() != null ? d.getCause() : cause;
        String detail = String.valueOf(c.getMessage());
        if (has(c, CertificateException.class) && !has(c, CertPathBuilderException.class)
                && (detail.contains("name") || detail.contains("subject alternative"))) {
            return new AuthenticationException("TLS handshake with " + target + " failed: the broker's certificate does"
                    + " not name " + channelHost() + " (" + detail + "). Its subjectAltName must list the host the client"
                    + " connects to; hostname verification (ssl.endpoint.identification.algorithm=https) refuses it", c);
        }
        if (has(c, CertPathBuilderException.class) || detail.contains("PKIX")) {
            return new AuthenticationException("TLS handshake with " + target + " failed: the broker's certificate is not"
                    + " signed by a CA the client trusts (ssl.truststore.*): " + detail, c);
        }
        if (detail.contains("certificate_required") || detail.contains("bad_certificate")) {
            return new AuthenticationException("TLS handshake with " + target + " failed: the broker refused the client's"
                    + " certificate (" + detail + "); if its listener requires mutual TLS, set ssl.keystore.*", c);
        }
        if (!receivedBytes && (c instanceof ClosedChannelException || detail.contains("closed")
                || detail.contains("reset") || detail.contains("terminated"))) {
            return new HandshakeClosedException("the broker at " + target + " closed the connection during the TLS"
                    + " handshake without answering: is this a PLAINTEXT or SASL_PLAINTEXT listener? (the client uses"
                    + " security.protocol=" + options.securityProtocol() + ")", c);
        }
        if (c instanceof SSLException) {
            return new AuthenticationException("TLS handshake with " + target + " failed: " + detail, c);
        }
        return new NetworkException("TLS handshake with " + target + " failed: " + detail, c, true);
    }

    private String channelHost() {
        return name.substring(name.indexOf('(') + 1, name.lastIndexOf(':'));
    }

    private static boolean has(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /**
     * A TLS handshake the peer closed before sending a byte: a plaintext listener, or a proxy whose
     * upstream is not ready, a broker going away. Retriable, as Apache Kafka's clients treat a connection
     * "terminated during authentication".
     */
    static final class HandshakeClosedException extends NetworkException {
        HandshakeClosedException(String message, Throwable cause) {
            super(message, cause, true);
        }
    }

    // ---- SASL (event loop) ----

    /** SaslHandshake then SaslAuthenticate until the exchange completes; yields the session lifetime in ms (0: none). */
    private CompletableFuture<Long> authenticate(SaslCredentials credentials) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        String mechanism = credentials.mechanism().wireName();
        short handshakeVersion;
        try {
            handshakeVersion = versions.version(ApiKey.SASL_HANDSHAKE);
            versions.version(ApiKey.SASL_AUTHENTICATE); // KIP-152: without it, fail now, not in a callback
        } catch (RuntimeException e) {
            done.completeExceptionally(new AuthenticationException("cannot authenticate with " + name + ": "
                    + e.getMessage() + " (SASL needs SaslHandshake v1 and SaslAuthenticate, Kafka 1.0 or later)", e));
            return done;
        }
        sendAuth(new SaslHandshakeRequest().setMechanism(mechanism), handshakeVersion).whenComplete((r, err) -> {
            if (err != null) {
                done.completeExceptionally(err);
                return;
            }
            SaslHandshakeResponse resp = (SaslHandshakeResponse) r;
            ErrorCode code = ErrorCode.forCode(resp.errorCode());
            if (code == ErrorCode.UNSUPPORTED_SASL_MECHANISM) {
                done.completeExceptionally(new AuthenticationException(name + " does not enable SASL mechanism "
                        + mechanism + " on this listener; it offers " + resp.mechanisms(), code));
                return;
            }
            if (code == ErrorCode.ILLEGAL_SASL_STATE) {
                done.completeExceptionally(new AuthenticationException(name + " refused the SASL handshake: its listener"
                        + " does not use SASL (the client uses security.protocol=" + options.securityProtocol() + ")", code));
                return;
            }
            if (code != ErrorCode.NONE) {
                done.completeExceptionally(new AuthenticationException("SaslHandshake with " + name + " failed: " + code, code));
                return;
            }
            SaslExchange exchange = SaslExchange.start(credentials, RANDOM);
            exchange.initialResponse().whenComplete((first, tokenError) -> {
                if (tokenError != null) {
                    Throwable t = tokenError instanceof CompletionException && tokenError.getCause() != null
                            ? tokenError.getCause() : tokenError;
                    done.completeExceptionally(tokenFailure(t));
                    return;
                }
                loop.execute(() -> step(exchange, first, done));
            });
        });
        return done;
    }

    /**
     * Why no token came. A token source that cannot reach its identity provider now (a retriable error,
     * an I/O error, a timeout) is not a refusal: the connection fails retriably and is tried again after
     * the backoff, as Apache Kafka's login retries its token endpoint. Anything else is final.
     */
    private Throwable tokenFailure(Throwable t) {
        if (t instanceof AuthenticationException) {
            return t;
        }
        boolean retriable = t instanceof SkeinException s ? s.isRetriable()
                : t instanceof IOException || t instanceof java.util.concurrent.TimeoutException;
        String message = "no OAUTHBEARER token for " + name + ": " + t.getMessage();
        return retriable ? new NetworkException(message, t, true) : new AuthenticationException(message, t);
    }

    private void step(SaslExchange exchange, byte[] message, CompletableFuture<Long> done) {
        short version = versions.version(ApiKey.SASL_AUTHENTICATE);
        sendAuth(new SaslAuthenticateRequest().setAuthBytes(message), version).whenComplete((r, err) -> {
            if (err != null) {
                done.completeExceptionally(err);
                return;
            }
            SaslAuthenticateResponse resp = (SaslAuthenticateResponse) r;
            ErrorCode code = ErrorCode.forCode(resp.errorCode());
            if (code != ErrorCode.NONE) {
                done.completeExceptionally(new AuthenticationException("authentication with " + name + " failed: "
                        + (resp.errorMessage() != null ? resp.errorMessage() : code.toString()), code));
                return;
            }
            byte[] next;
            try {
                next = exchange.evaluate(resp.authBytes());
            } catch (RuntimeException e) {
                // Thrown out of this callback it would be lost, and the exchange would wait out its timer.
                done.completeExceptionally(e instanceof AuthenticationException ? e
                        : new AuthenticationException("the SASL exchange with " + name + " failed: " + e, e));
                return;
            }
            if (next != null) {
                step(exchange, next, done);
            } else if (exchange.isComplete()) {
                done.complete(version >= 1 ? resp.sessionLifetimeMs() : 0L);
            } else {
                done.completeExceptionally(new AuthenticationException(name + " ended the SASL exchange before it was"
                        + " complete", (Throwable) null));
            }
        });
    }

    /** KIP-368: authenticate again at 85-95% of the session lifetime the broker granted. */
    private void scheduleReauthentication(long lifetimeMs) {
        if (lifetimeMs <= 0) {
            return;
        }
        long delay = (long) (lifetimeMs * (0.85 + 0.10 * RANDOM.nextDouble()));
        loop.schedule(this::reauthenticate, delay, TimeUnit.MILLISECONDS);
    }

    /**
     * KIP-368's renewal is due: from now on new requests wait, and the exchange begins once nothing is
     * in flight ({@link #maybeBeginReauthentication}). A broker reads nothing more on a connection while
     * it holds a request (a Fetch waiting for data, a JoinGroup for the group), so a SaslHandshake written
     * behind one would go unread until its answer; the broker accepts a late handshake.
     */
    private void reauthenticate() {
        if (!channel.isActive() || closeCause != null) {
            return;
        }
        reauthenticating = true;
        maybeBeginReauthentication();
    }

    /**
     * Begins a due re-authentication when nothing is in flight, as Apache Kafka's client begins it only
     * when about to write ({@code KafkaChannel.maybeBeginClientReauthentication}). The requests ahead of
     * it are bounded by their own timeouts; the exchange, token included, by one timer of
     * {@code socket.connection.setup.timeout.ms}, past which the connection closes (requests that waited
     * then fail as not sent): an identity provider that never answers cannot freeze the connection.
     */
    private void maybeBeginReauthentication() {
        if (!reauthenticating || reauthentication != null || !inFlight.isEmpty() || closeCause != null) {
            return;
        }
        CompletableFuture<Long> exchange = authenticate(options.sasl());
        reauthentication = exchange;
        ScheduledFuture<?> limit = loop.schedule(() -> {
            if (!exchange.isDone()) {
                exchange.completeExceptionally(new TimeoutException("re-authentication with " + name
                        + " not complete within " + options.connectTimeout() + " (socket.connection.setup.timeout.ms)",
                        null, true));
            }
        }, options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        // The exchange may end off the loop (a token source's thread): its outcome is handled on the loop.
        exchange.whenComplete((lifetimeMs, err) -> onLoop(() -> {
            limit.cancel(false);
            reauthentication = null;
            reauthenticating = false;
            if (err != null) {
                log.warn("re-authentication with {} failed: {}", name, err.getMessage());
                close(err instanceof AuthenticationException ? err
                        : new NetworkException("re-authentication with " + name + " failed", err, true));
                return;
            }
            reauthentications++;
            log.debug("re-authenticated with {}", name);
            scheduleReauthentication(lifetimeMs);
            drainWaiting();
        }));
    }

    /** Runs {@code task} on this connection's event loop (now, when called there); not at all once the loop has stopped. */
    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
            return;
        }
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            // the loop is shut down, and the channel closed with it
        }
    }

    /** Times this connection re-authenticated (KIP-368). */
    public int reauthentications() {
        return reauthentications;
    }

    private CompletableFuture<ApiMessage> sendAuth(ApiMessage request, short version) {
        return send(request, version, true, options.connectTimeout(), true);
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
                                              Duration timeout) {
        return send(request, version, expectResponse, timeout, false);
    }

    private CompletableFuture<ApiMessage> send(ApiMessage request, short version, boolean expectResponse,
                                               Duration timeout, boolean auth) {
        CompletableFuture<ApiMessage> future = new CompletableFuture<>();
        ApiKey api = ApiKey.forId(request.apiKey());
        ByteBuf buf = SplicingBuffer.forRequest(api, alloc);
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
        p.auth = auth;
        try {
            if (loop.inEventLoop()) {
                enqueue(p); // a caller on this loop (the producer's sender) needs no hop
            } else {
                loop.execute(() -> enqueue(p));
            }
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
        if (p.auth || (waiting.isEmpty() && mayWrite())) {
            write(p);
        } else {
            waiting.add(p);
        }
    }

    private boolean mayWrite() {
        return !reauthenticating && inFlight.size() < options.maxInFlight() && !throttled();
    }

    private boolean throttled() {
        return throttledUntilNanos != 0 && System.nanoTime() < throttledUntilNanos;
    }

    /**
     * A response asked the client to hold off (the broker quota-throttled it, KIP-219): requests wait
     * unwritten until the time has passed, as the broker mutes the connection meanwhile and would not
     * read them; they do not time out while they wait.
     */
    private void onThrottle(int millis) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        if (until <= throttledUntilNanos) {
            return;
        }
        throttledUntilNanos = until;
        if (throttleEnd != null) {
            throttleEnd.cancel(false);
        }
        throttleEnd = loop.schedule(this::drainWaiting, millis, TimeUnit.MILLISECONDS);
        log.debug("{} throttled this client for {} ms", name, millis);
    }

    /**
     * Writes a request; its timeout counts from here. A request waiting behind the in-flight cap has not
     * reached the broker, so waiting is not held against it (the requests ahead of it time out
     * themselves, and closing the connection fails it).
     */
    private void write(PendingRequest p) {
        p.timeout = loop.schedule(() -> onTimeout(p), p.timeoutMillis, TimeUnit.MILLISECONDS);
        p.correlationId = nextCorrelationId++;
        ByteBuf bytes = p.encoded;
        p.encoded = null;
        bytes.setInt(8, p.correlationId);
        p.written = true;
        lastUsedNanos = System.nanoTime();
        if (p.expectResponse) {
            inFlight.add(p);
            inFlightCount = inFlight.size();
        }
        channel.writeAndFlush(bytes).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                if (!p.expectResponse) {
                    // Not in flight, so closing would not fail it: it would wait for its timeout. Part of
                    // it may have left, so the broker may have taken it.
                    fail(p, new OutcomeUnknownException("writing " + p.describe() + " to " + name
                            + " failed; it may have been processed", f.cause()));
                }
                close(f.cause());
            } else if (!p.expectResponse) {
                complete(p, null);
            }
        });
    }

    private void drainWaiting() {
        while (!waiting.isEmpty() && mayWrite()) {
            write(waiting.poll());
        }
    }

    private void onTimeout(PendingRequest p) {
        if (p.future.isDone()) {
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
        lastUsedNanos = System.nanoTime();
        ApiMessage response = null;
        try {
            response = ResponseReader.read(p.api, p.version, frame);
        } catch (RuntimeException e) {
            // Decoders raise ProtocolException only; anything else is caught too, so the request still completes now.
            fail(p, new ProtocolException(name + " sent a malformed " + p.describe() + " response: " + e.getMessage(), e));
        }
        if (response != null && response.throttleTimeMs() > 0) {
            onThrottle(response.throttleTimeMs());
        }
        if (response != null && !complete(p, response)) {
            response.releaseRecords(); // nobody will read it
        }
        maybeBeginReauthentication();
        drainWaiting();
    }

    private void onOversized(int size) {
        PendingRequest p = inFlight.pollFirst();
        inFlightCount = inFlight.size();
        if (p != null) {
            fail(p, new ProtocolException(name + " sent a " + p.describe() + " response of " + size
                    + " bytes, over the maximum of " + options.maxResponseBytes() + " (skein.max.response.bytes)"));
        }
        maybeBeginReauthentication();
        drainWaiting();
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

    /**
     * {@code connections.max.idle.ms}: a connection nothing was written to or read from for that long,
     * with nothing in flight or waiting, is closed, as Apache Kafka's clients do (the next request
     * opens a new one). Checked by one timer per connection, rescheduled to when it could next be
     * idle: nothing on the request path but a timestamp.
     */
    private void checkIdle() {
        long idle = options.connectionsMaxIdle().toNanos();
        if (idle <= 0 || !isOpen()) {
            return;
        }
        long quiet = System.nanoTime() - lastUsedNanos;
        if (quiet >= idle && inFlightCount == 0 && waiting.isEmpty() && !reauthenticating) {
            log.debug("closing the connection to {}: idle for {} (connections.max.idle.ms)", name, options.connectionsMaxIdle());
            close(new NetworkException("connection to " + name + " closed after " + options.connectionsMaxIdle()
                    + " idle (connections.max.idle.ms)", null, true));
            return;
        }
        idleCheck = loop.schedule(this::checkIdle, quiet < idle ? idle - quiet : idle, TimeUnit.NANOSECONDS);
    }

    private void onClosed() {
        if (throttleEnd != null) {
            throttleEnd.cancel(false);
        }
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        Throwable cause = closeCause;
        boolean auth = cause instanceof AuthenticationException;
        for (PendingRequest p; (p = inFlight.poll()) != null; ) {
            fail(p, auth ? cause : new OutcomeUnknownException("connection to " + name + " closed before the response to "
                    + p.describe() + " arrived; it may have been processed", cause));
        }
        inFlightCount = 0;
        for (PendingRequest p; (p = waiting.poll()) != null; ) {
            fail(p, auth ? cause : new NetworkException("connection to " + name + " closed; " + p.describe() + " was not sent",
                    cause, true));
        }
        closed.complete(cause);
    }

    /**
     * Notes that the broker sent something, for telling a TLS handshake it closed without a word (a
     * plaintext listener) from one it refused. Leaves the pipeline at the first read: reads after that
     * do not pass through it.
     */
    private final class ByteWatcher extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            receivedBytes = true;
            ctx.fireChannelRead(msg);
            ctx.pipeline().remove(this);
        }
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
            Throwable c = cause instanceof DecoderException d && d.getCause() != null
                    ? d.getCause() : cause;
            if (closeCause == null) {
                // TLS 1.3 finishes the client's handshake before the broker checks the client's certificate:
                // a refusal then arrives as an alert on an open connection.
                closeCause = c instanceof FrameDecoder.TlsReply ? new AuthenticationException(name + ": " + c.getMessage(), c)
                        : c instanceof ProtocolException ? new ProtocolException(name + ": " + c.getMessage(), c)
                        : c instanceof SSLException ? tlsFailure(c, name)
                        : new NetworkException("connection to " + name + " failed: " + c.getMessage(), c, true);
                log.info("closing connection to {}: {}", name, c.toString());
            }
            ctx.close();
        }
    }
}
