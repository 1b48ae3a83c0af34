package dev.skein.core.internal;

import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.NetworkException;
import dev.skein.core.errors.TimeoutException;
import dev.skein.core.internal.metadata.Cluster;
import dev.skein.core.internal.metadata.MetadataManager;
import dev.skein.core.internal.net.BrokerConnection;
import dev.skein.core.internal.net.BrokerVersions;
import dev.skein.core.internal.net.ConnectionManager;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.FindCoordinatorRequest;
import dev.skein.core.message.FindCoordinatorResponse;
import dev.skein.core.message.MetadataRequest;
import dev.skein.core.message.MetadataResponse;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The core every client stands on: connections to the cluster's brokers and a metadata view kept
 * fresh in the background. The refresh loop runs on one event loop and never blocks it: it asks the
 * {@link MetadataManager} whether a refresh is due, sends it to the least loaded open connection (or
 * a known broker, or, when every known broker is failing, the bootstrap servers again), and feeds
 * back the outcome.
 *
 * <p>An authentication failure fails what waits at that moment (metadata waiters, and the requests
 * whose connection was refused), and what starts while the refused broker's backoff lasts; it does not
 * stop the client: refreshes go on after their backoff, and once a connection authenticates everything
 * proceeds ({@link ConnectionManager}).
 *
 * <p>Thread-safe. Futures complete on event loops; dependent stages must not block.
 */
public final class ClusterClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterClient.class);

    private final ClientResources resources;
    private final boolean ownsResources;
    private final ClientOptions options;
    private final ConnectionManager connections;
    private final MetadataManager metadata;
    private final EventLoop loop;
    private ScheduledFuture<?> nextTick; // event-loop confined
    private volatile boolean closed;
    /** Why the last metadata refresh failed, or null after an answer: the cause {@link #awaitReady} reports. */
    private volatile Throwable lastRefreshFailure;

    private ClusterClient(ClientOptions options, ClientResources shared, boolean oneLoop) {
        this.options = options;
        this.ownsResources = shared == null;
        this.resources = shared != null ? shared : ClientResources.create();
        this.loop = resources.eventLoops().next();
        this.connections = new ConnectionManager(resources, options, oneLoop ? loop : null);
        this.metadata = new MetadataManager(options.metadataMaxAge(), options.retryBackoff(), options.retryBackoffMax());
        connections.onAuthenticationFailure((refused, node) -> metadata.failWaiters(refused));
        // KIP-1242: connections name the cluster and broker they mean (ApiVersions v5); an address that turned
        // out to be another's makes the next refresh bootstrap again, as REBOOTSTRAP_REQUIRED in Metadata does.
        if (options.rebootstrap()) {
            connections.expectClusterId(() -> metadata.cluster().clusterId());
        }
        connections.onRebootstrapRequired((misrouted, node) -> {
            metadata.requireRebootstrap();
            refreshMetadata();
        });
    }

    /**
     * The latest authentication failure since a connection last authenticated, or null
     * ({@link ConnectionManager#authenticationFailure()}). It is not final: the client keeps connecting
     * after the backoff, and the failure clears once a connection authenticates. Clients raise it where
     * they would otherwise wait on a connection that cannot come yet.
     */
    public AuthenticationException authenticationFailure() {
        return connections.authenticationFailure();
    }

    /** Starts the client and its first metadata refresh. {@code shared} may be null. */
    public static ClusterClient start(ClientOptions options, ClientResources shared) {
        ClusterClient c = new ClusterClient(options, shared, false);
        c.wake();
        return c;
    }

    /**
     * As {@link #start}, with this client's work and every one of its connections on one event loop
     * ({@link #loop()}): a caller working on that loop sends and reads answers without crossing threads.
     */
    public static ClusterClient startOnOneLoop(ClientOptions options, ClientResources shared) {
        ClusterClient c = new ClusterClient(options, shared, true);
        c.wake();
        return c;
    }

    /** The event loop of this client's own work (metadata refreshes; with {@link #startOnOneLoop}, its connections). */
    public EventLoop loop() {
        return loop;
    }

    public ClientOptions options() { return options; }

    public ClientResources resources() { return resources; }

    public ConnectionManager connections() { return connections; }

    public MetadataManager metadata() { return metadata; }

    /** The latest metadata snapshot (empty until the first refresh completes). */
    public Cluster cluster() {
        return metadata.cluster();
    }

    /** Refreshes metadata now (within the backoff); completes with the new snapshot. */
    public CompletableFuture<Cluster> refreshMetadata() {
        CompletableFuture<Cluster> f = metadata.requestUpdate();
        wake();
        return f;
    }

    /** Adds topics of interest and completes with the next snapshot (which describes them). */
    public CompletableFuture<Cluster> addTopics(Collection<String> topics) {
        CompletableFuture<Cluster> f = metadata.addTopics(topics);
        wake();
        return f;
    }

    /**
     * States the whole set of topics {@code owner} needs described ({@link MetadataManager#setTopics}),
     * replacing what it stated before; completes with the snapshot that describes them.
     */
    public CompletableFuture<Cluster> setTopics(Object owner, Collection<String> topics) {
        CompletableFuture<Cluster> f = metadata.setTopics(owner, topics);
        wake();
        return f;
    }

    /**
     * Runs {@code use} with a snapshot that describes {@code topics}, which stay of interest until the
     * future {@code use} returns completes, and no longer: for an operation on topics the client may not
     * otherwise want (a commit, an offset lookup), which must not leave them in every later request.
     */
    public <T> CompletableFuture<T> withTopics(Collection<String> topics, Function<Cluster, CompletableFuture<T>> use) {
        Object hold = new Object();
        CompletableFuture<T> done = setTopics(hold, topics).thenCompose(use);
        done.whenComplete((v, e) -> metadata.setTopics(hold, List.of()));
        return done;
    }

    /**
     * Waits (without blocking a thread) until metadata holds a snapshot with brokers, at most {@code timeout}.
     * A retriable {@link TimeoutException} then has the last refresh's failure as its cause (a TLS
     * handshake closed without a word names the likely misconfiguration there).
     */
    public CompletableFuture<Cluster> awaitReady(Duration timeout) {
        Cluster now = cluster();
        if (!now.brokers().isEmpty()) {
            return CompletableFuture.completedFuture(now);
        }
        return withTimeout(nextSnapshot(), timeout, "cluster metadata from " + options.bootstrapServers(),
                () -> lastRefreshFailure);
    }

    /** The next metadata snapshot: the refresh in flight, or one started now. */
    private CompletableFuture<Cluster> nextSnapshot() {
        CompletableFuture<Cluster> f = metadata.nextSnapshot();
        wake();
        return f;
    }

    /**
     * The id under which requests reach broker {@code nodeId} over a second connection of their own,
     * for a group coordinator. A broker answers a connection's requests one at a time, in order, so a
     * JoinGroup it holds until the group's other members rejoin (seconds) would otherwise hold back
     * every Fetch behind it. Pass it wherever a node id goes.
     */
    public static int coordinatorLane(int nodeId) {
        return ConnectionManager.COORDINATOR_LANE_BASE - nodeId;
    }

    /**
     * A connection to a broker by id. A broker the metadata does not list yet (a coordinator named
     * before the first metadata arrived, a restarted broker) is looked up once more in the next
     * metadata; if that does not list it either, it fails.
     */
    private CompletableFuture<BrokerConnection> connectionTo(int nodeId) {
        boolean lane = ConnectionManager.isCoordinatorLane(nodeId);
        int brokerId = lane ? ConnectionManager.COORDINATOR_LANE_BASE - nodeId : nodeId;
        Node node = cluster().broker(brokerId);
        if (node != null) {
            return connections.connection(lane ? new Node(nodeId, node.host(), node.port(), node.rack()) : node);
        }
        // Before the first metadata, the one in flight will do; after, a broker may be new: ask again.
        CompletableFuture<Cluster> next = cluster().brokers().isEmpty() ? nextSnapshot() : refreshMetadata();
        return next.thenCompose(c -> {
            Node known = c.broker(brokerId);
            if (known == null) {
                throw new NetworkException("broker " + brokerId + " is not in the current metadata", null, true);
            }
            return connections.connection(lane ? new Node(nodeId, known.host(), known.port(), known.rack()) : known);
        });
    }

    /** Sends to one broker by id, connecting if needed. */
    public <R extends ApiMessage> CompletableFuture<R> send(int nodeId, ApiMessage request) {
        return connectionTo(nodeId).thenCompose(c -> c.send(request));
    }

    /**
     * Sends to one broker a request built for the version negotiated with it: for APIs whose fields
     * change between versions (topic names or ids, say), the builder sees the version first.
     */
    public <R extends ApiMessage> CompletableFuture<R> send(int nodeId, ApiKey api, IntFunction<ApiMessage> build) {
        return send(nodeId, api, Short.MAX_VALUE, build, options.requestTimeout());
    }

    /** As {@link #send(int, ApiKey, IntFunction)} with a timeout of its own for this request. */
    public <R extends ApiMessage> CompletableFuture<R> send(int nodeId, ApiKey api, IntFunction<ApiMessage> build,
                                                            Duration timeout) {
        return send(nodeId, api, Short.MAX_VALUE, build, timeout);
    }

    /**
     * As {@link #send(int, ApiKey, IntFunction)}, at most at {@code maxVersion}: for protocols whose
     * newer versions ask the broker for different behaviour (transactions version 2, say).
     */
    public <R extends ApiMessage> CompletableFuture<R> send(int nodeId, ApiKey api, int maxVersion,
                                                            IntFunction<ApiMessage> build) {
        return send(nodeId, api, maxVersion, build, options.requestTimeout());
    }

    @SuppressWarnings("unchecked")
    private <R extends ApiMessage> CompletableFuture<R> send(int nodeId, ApiKey api, int maxVersion,
                                                             IntFunction<ApiMessage> build, Duration timeout) {
        return connectionTo(nodeId).thenCompose(c -> {
            short v = (short) Math.min(maxVersion, c.versions().version(api));
            return (CompletableFuture<R>) c.send(build.apply(v), v, true, timeout);
        });
    }

    /** The versions and feature levels negotiated with a broker (connecting if needed). */
    public CompletableFuture<BrokerVersions> versions(int nodeId) {
        return connectionTo(nodeId).thenApply(BrokerConnection::versions);
    }

    /**
     * FindCoordinator for a group ({@code keyType} 0) or a transactional id (1): the coordinator's broker
     * id, or the coordinator error (retriable while it loads or moves) naming the key.
     */
    public CompletableFuture<Integer> findCoordinator(byte keyType, String key) {
        return this.<FindCoordinatorResponse>sendToAny(ApiKey.FIND_COORDINATOR, v -> v >= 4
                ? new FindCoordinatorRequest().setKeyType(keyType).setCoordinatorKeys(List.of(key))
                : new FindCoordinatorRequest().setKey(key).setKeyType(keyType)).thenApply(r -> {
                    boolean batched = !r.coordinators().isEmpty();
                    int node = batched ? r.coordinators().get(0).nodeId() : r.nodeId();
                    ErrorCode code = ErrorCode.forCode(batched ? r.coordinators().get(0).errorCode() : r.errorCode());
                    if (code != ErrorCode.NONE) {
                        throw code.exception("FindCoordinator for " + (keyType == 0 ? "group " : "transactional id ") + key);
                    }
                    return node;
                });
    }

    /** As {@link #send(int, ApiKey, IntFunction)}, to the least loaded broker. */
    public <R extends ApiMessage> CompletableFuture<R> sendToAny(ApiKey api, IntFunction<ApiMessage> build) {
        CompletableFuture<BrokerConnection> target = anyConnection();
        if (target == null) {
            return connections.bootstrapConnection().thenCompose(c -> {
                short v = c.versions().version(api);
                return c.<R>send(build.apply(v), v).whenComplete((r, e) -> c.close());
            });
        }
        return target.thenCompose(c -> {
            short v = c.versions().version(api);
            return c.send(build.apply(v), v);
        });
    }

    /**
     * Sends to the least loaded broker; when every known broker is backing off after failures, to
     * one of the bootstrap servers over a single-use connection.
     */
    public <R extends ApiMessage> CompletableFuture<R> sendToAny(ApiMessage request) {
        CompletableFuture<BrokerConnection> target = anyConnection();
        if (target != null) {
            return target.thenCompose(c -> c.send(request));
        }
        return connections.bootstrapConnection().thenCompose(c -> c.<R>send(request).whenComplete((r, e) -> c.close()));
    }

    private CompletableFuture<BrokerConnection> anyConnection() {
        List<BrokerConnection> open = connections.openConnections();
        if (!open.isEmpty()) {
            return CompletableFuture.completedFuture(open.get(0));
        }
        List<Node> candidates = new ArrayList<>();
        for (Node n : cluster().brokers().values()) {
            if (!connections.isBackingOff(n.id())) {
                candidates.add(n);
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        return connections.connection(candidates.get(ThreadLocalRandom.current().nextInt(candidates.size())));
    }

    // ---- the metadata loop (event loop) ----

    private void wake() {
        if (!closed) {
            loop.execute(this::tick);
        }
    }

    private void tick() {
        if (closed) {
            return;
        }
        if (nextTick != null) {
            nextTick.cancel(false);
            nextTick = null;
        }
        long now = nowMs();
        MetadataRequest request = metadata.nextRequest(now);
        if (request == null) {
            schedule(metadata.timeToNextUpdate(now));
            return;
        }
        try {
            refresh(request);
        } catch (RuntimeException e) {
            // Never let the loop die: record the failure and come back after the backoff.
            log.warn("metadata refresh could not start", e);
            metadata.onFailure(nowMs());
            schedule(options.retryBackoff().toMillis());
        }
    }

    /** Where a metadata refresh goes: see {@link #route}. */
    enum Route { KNOWN_BROKER, BOOTSTRAP, WAIT_FOR_KNOWN_BROKER }

    /**
     * Where a refresh goes ({@code metadata.recovery.strategy}, KIP-899 and KIP-1102): to a known broker
     * when one can be reached; to the bootstrap servers before the first metadata, and with
     * {@code rebootstrap} also when no known broker can be reached, a broker answered
     * {@code REBOOTSTRAP_REQUIRED}, or the metadata asked for has gone unanswered for
     * {@code metadata.recovery.rebootstrap.trigger.ms} (the cluster may have moved behind the bootstrap
     * names); with {@code none}, to a known broker whatever its backoff.
     */
    static Route route(boolean knownBrokerReachable, boolean knowsBrokers, boolean rebootstrap,
                       boolean rebootstrapRequired, long unansweredMs, long triggerMs) {
        if (!knowsBrokers) {
            return Route.BOOTSTRAP;
        }
        if (!rebootstrap) {
            return knownBrokerReachable ? Route.KNOWN_BROKER : Route.WAIT_FOR_KNOWN_BROKER;
        }
        if (!knownBrokerReachable || rebootstrapRequired || unansweredMs >= triggerMs) {
            return Route.BOOTSTRAP;
        }
        return Route.KNOWN_BROKER;
    }

    private void refresh(MetadataRequest request) {
        CompletableFuture<BrokerConnection> target = anyConnection();
        Route route = route(target != null, !cluster().brokers().isEmpty(), options.rebootstrap(),
                metadata.rebootstrapRequired(), metadata.unansweredFor(nowMs()), options.rebootstrapTrigger().toMillis());
        boolean viaBootstrap = route == Route.BOOTSTRAP;
        if (viaBootstrap) {
            if (!cluster().brokers().isEmpty()) {
                log.info("{}; bootstrapping again from {}", target == null ? "no known broker is reachable"
                        : metadata.rebootstrapRequired() ? "a broker answered REBOOTSTRAP_REQUIRED"
                        : "no metadata answer for metadata.recovery.rebootstrap.trigger.ms", options.bootstrapServers());
            }
            target = connections.bootstrapConnection();
        } else if (route == Route.WAIT_FOR_KNOWN_BROKER) {
            List<Node> known = new ArrayList<>(cluster().brokers().values());
            target = connections.connection(known.get(ThreadLocalRandom.current().nextInt(known.size()))); // waits out its backoff
        }
        target.thenCompose(c -> c.<MetadataResponse>send(request).whenComplete((r, e) -> {
            if (viaBootstrap) {
                c.close(); // bootstrap connections are single-use
            }
        })).whenComplete((response, error) -> {
            try {
                if (error != null) {
                    lastRefreshFailure = Retry.cause(error);
                    if (lastRefreshFailure instanceof AuthenticationException refused) {
                        // Refused now, or by the broker in backoff after a refusal: those waiting fail at
                        // once (KIP-152) rather than waiting out their timeouts; the refreshes go on.
                        metadata.failWaiters(refused);
                    }
                    metadata.onFailure(nowMs());
                    log.debug("metadata refresh failed: {}", error.toString());
                } else if (metadata.onResponse(response, nowMs())) {
                    lastRefreshFailure = null;
                } else {
                    String why = response.errorCode() != 0 ? "its error was " + ErrorCode.forCode(response.errorCode())
                            : "it listed no brokers";
                    lastRefreshFailure = new NetworkException("a metadata response was not applied: " + why, null, true);
                    log.debug("{}", lastRefreshFailure.getMessage());
                }
            } catch (RuntimeException e) {
                log.warn("metadata response could not be applied", e);
                metadata.onFailure(nowMs());
            } finally {
                wake();
            }
        });
    }

    private void schedule(long delayMs) {
        nextTick = loop.schedule(this::tick, Math.max(1, delayMs), TimeUnit.MILLISECONDS);
    }

    private static long nowMs() {
        return System.nanoTime() / 1_000_000;
    }

    /** Fails {@code f}'s copy with a {@link TimeoutException} naming {@code what} after {@code timeout}. */
    public <T> CompletableFuture<T> withTimeout(CompletableFuture<T> f, Duration timeout, String what) {
        return withTimeout(f, timeout, what, () -> null);
    }

    private <T> CompletableFuture<T> withTimeout(CompletableFuture<T> f, Duration timeout, String what,
                                                 Supplier<Throwable> cause) {
        CompletableFuture<T> out = new CompletableFuture<>();
        var timer = loop.schedule(() -> {
            Throwable last = cause.get();
            out.completeExceptionally(new TimeoutException("no " + what + " within " + timeout
                    + (last == null ? "" : "; last failure: " + last.getMessage()), last, true));
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        f.whenComplete((v, e) -> {
            timer.cancel(false);
            if (e != null) {
                out.completeExceptionally(e);
            } else {
                out.complete(v);
            }
        });
        return out;
    }

    /** Closes every connection, and the resources when this client created them. */
    @Override
    public void close() {
        closed = true;
        connections.close();
        if (ownsResources) {
            resources.close();
        }
    }
}
