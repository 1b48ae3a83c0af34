package dev.skein.core.internal.net;

import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.Node;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.RebootstrapRequiredException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.internal.Backoff;
import dev.skein.core.internal.Retry;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.ObjIntConsumer;
import java.util.function.Supplier;

/**
 * One connection per broker, opened on demand and shared by all callers, with exponential backoff
 * and jitter after failed attempts and after connections that close ({@code reconnect.backoff.ms}
 * doubling to {@code reconnect.backoff.max.ms}, +/-20%: see {@link ReconnectBackoff}). Also opens
 * connections to the bootstrap addresses. With
 * {@code client.dns.lookup=use_all_dns_ips} (the default, KIP-302/KIP-602) every attempt, to a broker or
 * a bootstrap server, tries each address its host resolves to (those of the first address's family) in
 * turn until one connects; with {@code resolve_canonical_bootstrap_servers_only}, the first only. Each
 * attempt to a broker must be set up within {@code socket.connection.setup.timeout.ms}, doubled after
 * each consecutive failure up to {@code socket.connection.setup.timeout.max.ms} (+/-20%), as Apache
 * Kafka's clients do: a broker that accepts connections it never answers is not waited on at length
 * by every attempt, nor given up on too soon when it is only slow.
 *
 * <p>An {@link AuthenticationException} (rejected credentials, a certificate that fails
 * verification, a plaintext client on a TLS port: a reply that says no) fails the attempt that met it,
 * and every operation waiting on it, and is not retried within them; but it does not stop the client,
 * as in Apache Kafka's clients: the broker (or the bootstrap servers) backs off as after any failure, a
 * failure in a row ({@code reconnect.backoff.ms} doubling to {@code reconnect.backoff.max.ms}), and the
 * next attempt after the backoff may authenticate (a credential created or rotated a moment late). While
 * that backoff lasts, a new attempt to the same broker fails at once with the same error, rather than
 * waiting out the backoff ({@link #refusal}). The listeners of {@link #onAuthenticationFailure} hear of
 * every refusal; {@link #authenticationFailure()} holds the latest until a connection authenticates.
 * The first refusal of an episode is logged as an error, the rest at debug. A TLS handshake the peer
 * closes before any byte is not a refusal: it is retried like any network fault.
 *
 * <p>Host names are resolved on a small daemon pool, never on an event loop (the JDK's resolver
 * blocks). Thread-safe.
 */
public final class ConnectionManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConnectionManager.class);
    private final ClientResources resources;
    private final ClientOptions options;
    private final ExecutorService dns;
    private final Resolver resolver;
    private final Map<Integer, CompletableFuture<BrokerConnection>> connections = new ConcurrentHashMap<>();
    /** By broker id; the bootstrap servers as one, under {@link #BOOTSTRAP}. */
    private final ReconnectBackoff backoffs;
    /** The id of bootstrap connections, whose broker is not known yet, and the key of their backoff. */
    private static final int BOOTSTRAP = -1;
    private volatile boolean closed;
    /** The latest refusal since a connection last authenticated (the episode's), or null. */
    private volatile AuthenticationException authFailure;
    /** A TLS handshake closed without a word was logged as a warning once (later ones at debug). */
    private volatile boolean handshakeClosedLogged;
    private final List<ObjIntConsumer<AuthenticationException>> authListeners = new CopyOnWriteArrayList<>();
    private final List<ObjIntConsumer<RebootstrapRequiredException>> rebootstrapListeners = new CopyOnWriteArrayList<>();
    /** The cluster id the connections to brokers by id name in ApiVersions v5 (KIP-1242); null: none. */
    private volatile Supplier<String> expectedClusterId = () -> null;

    /** Every connection's event loop, or null to spread connections over the resources' loops. */
    private final EventLoop pinnedLoop;

    public ConnectionManager(ClientResources resources, ClientOptions options) {
        this(resources, options, null);
    }

    /**
     * With {@code pinnedLoop}, every connection lives on that one loop: a client whose own work runs
     * there (the producer's sender) then reaches its connections and their answers without crossing threads.
     */
    public ConnectionManager(ClientResources resources, ClientOptions options, EventLoop pinnedLoop) {
        this(resources, options, pinnedLoop, InetAddress::getAllByName);
    }

    /** Host name lookup: the JDK's ({@link InetAddress#getAllByName}), or a test's. Blocking. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    ConnectionManager(ClientResources resources, ClientOptions options, EventLoop pinnedLoop, Resolver resolver) {
        this.resources = resources;
        this.options = options;
        this.pinnedLoop = pinnedLoop;
        this.resolver = resolver;
        this.backoffs = new ReconnectBackoff(options.reconnectBackoff(), options.reconnectBackoffMax(),
                () -> ThreadLocalRandom.current().nextDouble());
        this.dns = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "skein-dns-" + options.clientId());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * The open connection to {@code node}, or a new one. While the broker is in backoff after a
     * failure or a closed connection, the attempt is delayed until the backoff ends; after a refusal
     * ({@link #refusal}), it fails at once with it instead.
     */
    public CompletableFuture<BrokerConnection> connection(Node node) {
        if (closed) {
            return CompletableFuture.failedFuture(new NetworkException("client is closed", null, false));
        }
        CompletableFuture<BrokerConnection> existing = connections.get(node.id());
        if (existing != null && !(existing.isDone() && (existing.isCompletedExceptionally() || !existing.join().isOpen()))) {
            return existing;
        }
        if (existing != null && !existing.isCompletedExceptionally()) {
            // Its channel is closed, but its close may not have been told yet (the requests on it are failed
            // first, and one of their callbacks may be what calls here): the backoff must start before the
            // attempt below asks for it. Told twice, ReconnectBackoff counts it once.
            backoffs.closed(node.id(), existing.join(), System.nanoTime());
        }
        AuthenticationException refused = refusal(node.id());
        if (refused != null) {
            return CompletableFuture.failedFuture(refused);
        }
        CompletableFuture<BrokerConnection> fresh = new CompletableFuture<>();
        boolean mine = existing == null ? connections.putIfAbsent(node.id(), fresh) == null
                : connections.replace(node.id(), existing, fresh);
        if (!mine) {
            return connection(node); // somebody else started one: use theirs
        }
        // KIP-302: with use_all_dns_ips a broker's advertised name is tried at each of its addresses,
        // as the bootstrap servers' names are.
        Runnable attempt = () -> resolve(node.host(), node.port(), options.useAllDnsIps())
                .thenCompose(addresses -> connectFirst(node.id(), addresses, 0))
                .whenComplete((conn, err) -> {
                    if (err != null) {
                        backoffs.failed(node.id(), System.nanoTime());
                        connections.remove(node.id(), fresh);
                        fresh.completeExceptionally(classify(node.id(), unwrap(err)));
                        return;
                    }
                    backoffs.established(node.id(), conn, System.nanoTime());
                    authenticated();
                    conn.closeFuture().whenComplete((c, e) -> {
                        backoffs.closed(node.id(), conn, System.nanoTime());
                        connections.remove(node.id(), fresh);
                        if (c instanceof AuthenticationException a) {
                            refused(node.id(), a); // re-authentication was refused (KIP-368)
                        }
                    });
                    if (closed) {
                        conn.close();
                    }
                    fresh.complete(conn);
                });
        afterBackoff(node.id(), fresh, () -> dns.execute(attempt));
        return fresh;
    }

    /**
     * Runs {@code attempt} once the backoff of {@code key} has ended (at once when there is none). When
     * the client closes meanwhile, {@code out} fails rather than never completing.
     */
    private void afterBackoff(int key, CompletableFuture<BrokerConnection> out, Runnable attempt) {
        Runnable guarded = () -> {
            try {
                attempt.run();
            } catch (RejectedExecutionException e) {
                out.completeExceptionally(new NetworkException("client is closed", e, false));
            }
        };
        long delayNanos = backoffs.delayNanos(key, System.nanoTime());
        try {
            if (delayNanos > 0) {
                resources.eventLoops().schedule(guarded, delayNanos, TimeUnit.NANOSECONDS);
            } else {
                guarded.run();
            }
        } catch (RejectedExecutionException e) {
            out.completeExceptionally(new NetworkException("client is closed", e, false));
        }
    }

    /** The open connection to a broker, if there is one now (no attempt is made). */
    public BrokerConnection openConnection(int nodeId) {
        CompletableFuture<BrokerConnection> f = connections.get(nodeId);
        if (f == null || !f.isDone() || f.isCompletedExceptionally()) {
            return null;
        }
        BrokerConnection c = f.join();
        return c.isOpen() ? c : null;
    }

    /** Connection keys at and below this (down to half of it) are coordinator lanes: see {@code ClusterClient.coordinatorLane}. */
    public static final int COORDINATOR_LANE_BASE = Integer.MAX_VALUE;

    public static boolean isCoordinatorLane(int id) {
        return id > COORDINATOR_LANE_BASE / 2;
    }

    /** Every open connection, least loaded first; coordinator lanes are left out (a JoinGroup may hold one). */
    public List<BrokerConnection> openConnections() {
        List<BrokerConnection> out = new ArrayList<>();
        for (Integer id : connections.keySet()) {
            if (isCoordinatorLane(id)) {
                continue;
            }
            BrokerConnection c = openConnection(id);
            if (c != null) {
                out.add(c);
            }
        }
        out.sort((a, b) -> Integer.compare(a.inFlightCount(), b.inFlightCount()));
        return out;
    }

    /** True when the broker's last attempt failed, or its connection closed, and its backoff has not ended. */
    public boolean isBackingOff(int nodeId) {
        return backoffs.delayNanos(nodeId, System.nanoTime()) > 0;
    }

    /**
     * The refusal of the broker's last attempt (or of its connection's re-authentication), while the
     * backoff after it lasts; else null. An attempt to the broker meanwhile fails at once with it, as
     * Apache Kafka's clients fail an operation on a node in {@code AUTHENTICATION_FAILED} state.
     */
    public AuthenticationException refusal(int nodeId) {
        return (AuthenticationException) backoffs.refusal(nodeId, System.nanoTime());
    }

    /**
     * A new connection to one of the bootstrap addresses, tried in a random rotation. The caller
     * owns it (bootstrap connections are not shared: their broker id is not known). The bootstrap
     * servers back off as one broker does (KIP-144, as Apache Kafka's clients, where they are nodes of
     * negative id): after a failed attempt, the next waits {@code reconnect.backoff.ms} doubled per
     * consecutive failure up to {@code reconnect.backoff.max.ms}, and its setup timeout grows too (KIP-601).
     */
    public CompletableFuture<BrokerConnection> bootstrapConnection() {
        AuthenticationException refused = refusal(BOOTSTRAP);
        if (refused != null) {
            return CompletableFuture.failedFuture(refused); // as a broker's: see refusal()
        }
        CompletableFuture<BrokerConnection> out = new CompletableFuture<>();
        afterBackoff(BOOTSTRAP, out, () -> connectToBootstrap().whenComplete((conn, err) -> {
            if (err != null) {
                backoffs.failed(BOOTSTRAP, System.nanoTime());
                out.completeExceptionally(classify(BOOTSTRAP, unwrap(err)));
            } else {
                backoffs.succeeded(BOOTSTRAP);
                authenticated();
                out.complete(conn);
            }
        }));
        return out;
    }

    private CompletableFuture<BrokerConnection> connectToBootstrap() {
        List<String> servers = new ArrayList<>(options.bootstrapServers());
        Collections.rotate(servers, ThreadLocalRandom.current().nextInt(servers.size()));
        CompletableFuture<List<InetSocketAddress>> all = CompletableFuture.completedFuture(new ArrayList<>());
        for (String s : servers) {
            int colon = s.lastIndexOf(':');
            String host = s.substring(0, colon);
            int port = Integer.parseInt(s.substring(colon + 1));
            all = all.thenCompose(list -> resolve(host, port, options.useAllDnsIps())
                    .handle((addrs, err) -> {
                        if (addrs != null) {
                            list.addAll(addrs);
                        }
                        return list;
                    }));
        }
        return all.thenCompose(addrs -> {
            if (addrs.isEmpty()) {
                return CompletableFuture.failedFuture(new NetworkException("none of the bootstrap servers "
                        + options.bootstrapServers() + " resolves to an address", null, true));
            }
            return connectFirst(BOOTSTRAP, addrs, 0);
        });
    }

    /**
     * The latest authentication failure since a connection last authenticated, or null: set by each
     * refusal, cleared when any connection (to a broker or a bootstrap server) authenticates. Clients
     * raise it where they would otherwise wait on a connection that cannot come yet.
     */
    public AuthenticationException authenticationFailure() {
        return authFailure;
    }

    /**
     * Runs {@code listener} on every refusal, with the broker id ({@code -1} for the bootstrap servers;
     * a coordinator lane's id, see {@link #isCoordinatorLane}) and the error, on the thread that met it
     * (an event loop: it must not block). A refusal is a failure of what waited on it, not of the client.
     */
    public void onAuthenticationFailure(ObjIntConsumer<AuthenticationException> listener) {
        authListeners.add(listener);
    }

    /**
     * The cluster id a connection to a broker by id tells the broker it means, with the broker's id
     * (ApiVersions v5, KIP-1242); null when not known. The metadata's, under
     * {@code metadata.recovery.strategy=rebootstrap} only: under {@code none} the client could not act on
     * the answer, so the KIP turns the check off.
     */
    public void expectClusterId(Supplier<String> clusterId) {
        this.expectedClusterId = clusterId;
    }

    /**
     * Runs {@code listener} when a broker answers a connection's ApiVersions with {@code REBOOTSTRAP_REQUIRED}
     * (KIP-1242: the address does not belong to the cluster and node the client meant), with the broker id
     * and the error, on an event loop (it must not block). The connection attempt fails with the error.
     */
    public void onRebootstrapRequired(ObjIntConsumer<RebootstrapRequiredException> listener) {
        rebootstrapListeners.add(listener);
    }

    /**
     * Records a refusal ({@link #refused}) and passes every other failure on. A TLS handshake the peer
     * closed without a word stays a retriable network error, as in Apache Kafka's NetworkClient
     * ("terminated during authentication", then a reconnect after the backoff): silence is no proof of a
     * refusal. It may be a TLS client on a plaintext port, but as well a proxy or sidecar whose upstream
     * is not ready yet, or a broker restarting. The first one logs a warning with the hint.
     */
    private Throwable classify(int key, Throwable err) {
        if (err instanceof AuthenticationException a) {
            refused(key, a);
            return a;
        }
        if (err instanceof BrokerConnection.HandshakeClosedException h) {
            if (!handshakeClosedLogged) {
                handshakeClosedLogged = true;
                log.warn("{}; connecting again after the backoff (reconnect.backoff.ms)", h.getMessage());
            } else {
                log.debug("{}", h.getMessage());
            }
        }
        return err;
    }

    /**
     * {@code key}'s attempt (or its connection's re-authentication) was refused, and told to the backoff
     * as a failure already: the refusal holds while that backoff lasts, and the listeners hear of it.
     * The first refusal since a connection last authenticated is logged as an error, later ones at debug.
     */
    private void refused(int key, AuthenticationException a) {
        backoffs.refused(key, a);
        boolean first;
        synchronized (this) {
            first = authFailure == null;
            authFailure = a;
        }
        String who = key == BOOTSTRAP ? "the bootstrap servers" : "broker " + (isCoordinatorLane(key)
                ? COORDINATOR_LANE_BASE - key : key);
        if (first) {
            log.error("{} ({}); client {} connects again after reconnect.backoff.ms (growing to"
                    + " reconnect.backoff.max.ms), and what needs the connection meanwhile fails with this error",
                    a.getMessage(), who, options.clientId());
        } else {
            log.debug("still refused by {}: {}", who, a.getMessage());
        }
        for (ObjIntConsumer<AuthenticationException> l : authListeners) {
            try {
                l.accept(a, key);
            } catch (RuntimeException e) {
                log.warn("an authentication failure listener threw", e);
            }
        }
    }

    /** A connection authenticated: the episode of refusals, if any, is over. */
    private void authenticated() {
        AuthenticationException was;
        synchronized (this) {
            was = authFailure;
            authFailure = null;
        }
        if (was != null) {
            log.info("client {} authenticated again after: {}", options.clientId(), was.getMessage());
        }
    }

    private CompletableFuture<BrokerConnection> connectFirst(int nodeId, List<InetSocketAddress> addrs, int i) {
        if (closed || resources.eventLoops().isShuttingDown()) {
            // A lookup that finished after close(): connecting now would register a channel on event
            // loops that are shutting down.
            return CompletableFuture.failedFuture(new NetworkException("client is closed", null, false));
        }
        String clusterId = nodeId == BOOTSTRAP ? null : expectedClusterId.get();
        return BrokerConnection.connect(resources, options, nodeId, addrs.get(i), pinnedLoop, setupTimeout(nodeId), clusterId)
                .handle((conn, err) -> {
                    if (err == null) {
                        return CompletableFuture.completedFuture(conn);
                    }
                    if (unwrap(err) instanceof RebootstrapRequiredException misrouted) {
                        log.warn("{}", misrouted.getMessage());
                        for (ObjIntConsumer<RebootstrapRequiredException> l : rebootstrapListeners) {
                            try {
                                l.accept(misrouted, nodeId);
                            } catch (RuntimeException e) {
                                log.warn("a rebootstrap listener threw", e);
                            }
                        }
                        return CompletableFuture.<BrokerConnection>failedFuture(misrouted);
                    }
                    if (i + 1 < addrs.size() && !(unwrap(err) instanceof AuthenticationException)) {
                        return connectFirst(nodeId, addrs, i + 1);
                    }
                    return CompletableFuture.<BrokerConnection>failedFuture(unwrap(err));
                })
                .thenCompose(f -> f);
    }

    /** The addresses to try for {@code host}: every one of the first one's family with {@code all}, else the first. */
    private CompletableFuture<List<InetSocketAddress>> resolve(String host, int port, boolean all) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                InetAddress[] found = resolver.resolve(host);
                List<InetSocketAddress> out = new ArrayList<>();
                for (InetAddress a : all ? sameFamilyAsFirst(found) : List.of(found[0])) {
                    out.add(new InetSocketAddress(a, port));
                }
                return out;
            } catch (UnknownHostException e) {
                throw new NetworkException("cannot resolve " + host + ": " + e.getMessage(), e, true);
            }
        }, dns);
    }

    /**
     * KIP-302, as Apache Kafka's {@code ClientUtils.filterPreferredAddresses}: the addresses of the same
     * family (IPv4 or IPv6) as the first, in the resolver's order; the resolver's first choice of family
     * stands.
     */
    static List<InetAddress> sameFamilyAsFirst(InetAddress[] found) {
        List<InetAddress> out = new ArrayList<>(found.length);
        for (InetAddress a : found) {
            if (a.getClass() == found[0].getClass()) {
                out.add(a);
            }
        }
        return out;
    }

    /** The setup timeout of the next attempt to {@code nodeId}: see the class comment. */
    Duration setupTimeout(int nodeId) {
        return setupTimeout(backoffs.failedSetups(nodeId), options.connectTimeout(), options.connectTimeoutMax(),
                ThreadLocalRandom.current().nextDouble());
    }

    /**
     * {@code base} doubled per failure up to {@code max}, times a jitter of 0.8 to 1.2 ({@code random} in
     * [0, 1)); {@code base} as is when {@code max} is not above it.
     */
    static Duration setupTimeout(int failures, Duration base, Duration max, double random) {
        if (max.compareTo(base) <= 0) {
            return base;
        }
        return Duration.ofNanos(Math.max(1_000_000, Backoff.nanos(failures + 1, base.toNanos(), max.toNanos(), random)));
    }

    private static Throwable unwrap(Throwable t) {
        return Retry.cause(t);
    }

    /**
     * Closes every connection; pending attempts close theirs when they finish. Waits up to a second for
     * a DNS lookup in progress. Called by the client's {@code close()}, never on an event loop.
     */
    @Override
    public void close() {
        closed = true;
        for (CompletableFuture<BrokerConnection> f : connections.values()) {
            f.thenAccept(BrokerConnection::close);
        }
        connections.clear();
        // Let a lookup in progress finish (it then sees closed and connects to nothing) while the event
        // loops still run: cut short, its connect could land on loops already shut down.
        dns.shutdown();
        try {
            if (!dns.awaitTermination(1, TimeUnit.SECONDS)) {
                dns.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dns.shutdownNow();
        }
    }
}
