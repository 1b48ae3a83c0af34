package dev.skein.testkit;

import dev.skein.testkit.internal.BrokerProcess;
import dev.skein.testkit.internal.FreePorts;
import dev.skein.testkit.internal.MetadataProbe;
import dev.skein.testkit.internal.Release;
import dev.skein.testkit.internal.ZooKeeperProcess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Real Apache Kafka brokers for tests: 1..N KRaft nodes (each both broker and controller), each in
 * its own child JVM on 127.0.0.1 with free ports; or, for Kafka 3.x, 1..N ZooKeeper-mode brokers
 * with one ZooKeeper server in a child JVM of its own.
 *
 * <pre>{@code
 * try (KafkaCluster cluster = KafkaCluster.builder().brokers(3).build().start()) {
 *     String bootstrap = cluster.bootstrapServers();
 *     cluster.kill(1);     // SIGKILL
 *     cluster.restart(1);  // same data, same ports; waits until it serves clients again
 * }
 * }</pre>
 *
 * <p>The release is the one testkit was built with ({@link #BUILT_IN_RELEASE}) unless
 * {@link Builder#release(String)} names another; each other release comes from its own test
 * dependency {@code dev.skein:skein-testkit-kafka-<release>} (3.0.2, 3.3.2, 3.6.2, 3.9.1, 4.0.2, 4.1.2,
 * 4.2.2 and 4.4.0 are published with testkit), which holds only the broker's resolved classpath.
 *
 * <p>Each node has three listeners: {@code CLIENT} (what {@link #bootstrapServers()} names),
 * {@code BROKER} (replication) and {@code CONTROLLER} (KRaft; ZooKeeper-mode brokers have none).
 * With {@link Builder#faultProxy(boolean)} a {@link FaultProxy} sits in front of each node's client
 * listener and the node advertises the proxy's port, so every client connection, after bootstrap too,
 * passes through the proxy while replication does not. With {@link Builder#replicationProxy(boolean)}
 * one sits in front of each node's {@code BROKER} listener instead: followers fetch from a leader
 * through the leader's proxy, so a test can cut replication while every node stays up and in the
 * KRaft quorum (which is reached over {@code CONTROLLER}, never proxied).
 *
 * <p>With {@link Builder#securityListeners(boolean)} each node also listens on the secured
 * listeners of {@link Listener}: TLS with certificates from {@link TestCertificates#shared()}, mutual
 * TLS, TLS with a certificate that names the wrong host, and SASL over TLS and over plaintext.
 * SASL listeners enable PLAIN (users {@link #PLAIN_USERS}), SCRAM-SHA-256/512 (create users through
 * an admin client) and OAUTHBEARER with the broker's unsecured-token validator (a JWT with
 * {@code "alg":"none"} and a {@code sub} claim). {@link Listener#SASL_PLAINTEXT} sets
 * {@code connections.max.reauth.ms} to {@link #REAUTH_MS}, so its clients must re-authenticate (KIP-368).
 *
 * <p>Clusters of three or more nodes default to replication factor 3 and {@code min.insync.replicas=2}
 * for new and internal topics, so that failover tests mean something.
 *
 * <p>No broker outlives the JVM that started it: a child halts as soon as its parent's end of its
 * stdin pipe closes, which the OS does even when the parent is killed with SIGKILL.
 * Broker logs and data go under {@code target/kafka-clusters/} of the working directory.
 *
 * <p>Methods are thread-safe (synchronized); every wait is bounded by the builder's startup timeout.
 */
public final class KafkaCluster implements AutoCloseable {
    /** The Apache Kafka release testkit carries, launched unless {@link Builder#release(String)} says otherwise. */
    public static final String BUILT_IN_RELEASE = Release.BUILT_IN.text();
    private static final List<KafkaCluster> LIVE = new CopyOnWriteArrayList<>();

    /** PLAIN users of the SASL listeners, name to password. */
    public static final Map<String, String> PLAIN_USERS = Map.of("alice", "alice-secret", "bob", "bob-secret");
    /** {@code connections.max.reauth.ms} of {@link Listener#SASL_PLAINTEXT}. */
    public static final int REAUTH_MS = 4_000;
    static final List<String> SASL_MECHANISMS = List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER");

    /** A node's client listeners; all but {@link #PLAINTEXT} need {@link Builder#securityListeners(boolean)}. */
    public enum Listener {
        /** The default {@code CLIENT} listener (behind the fault proxy when there is one). */
        PLAINTEXT("CLIENT", "PLAINTEXT", 0),
        /** TLS; the broker's certificate names 127.0.0.1 and localhost. */
        SSL("SSL", "SSL", 3),
        /** TLS that requires a client certificate signed by the test CA. */
        MTLS("MTLS", "SSL", 4),
        /** TLS whose certificate names only {@code wrong.invalid}. */
        SSL_WRONG_SAN("WRONGSAN", "SSL", 5),
        /** SASL (PLAIN, SCRAM-SHA-256/512, OAUTHBEARER) over TLS. */
        SASL_SSL("SASLSSL", "SASL_SSL", 6),
        /** SASL over plaintext, with re-authentication every {@link #REAUTH_MS}. */
        SASL_PLAINTEXT("SASLPLAIN", "SASL_PLAINTEXT", 7);

        final String name;
        final String protocol;
        final int portIndex;

        Listener(String name, String protocol, int portIndex) {
            this.name = name;
            this.protocol = protocol;
            this.portIndex = portIndex;
        }
    }

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(KafkaCluster::killAndClean),
                "skein-testkit-shutdown"));
    }

    private final Builder options;
    private final Path baseDir;
    /**
     * The directory made under the system's temp directory for {@link #baseDir} when the builder named
     * none and there is no {@code target} directory to keep it in (a bench or a program run outside a
     * build), or the builder asked for one ({@link Builder#temporaryBaseDir()}), or null. Deleted on
     * close: nothing would look at it again, and a few runs of a bench that writes gigabytes filled the
     * disk.
     */
    private final Path tempRoot;
    private final String clusterId;
    private final Map<Integer, BrokerProcess> brokers = new TreeMap<>();
    private final Map<Integer, int[]> ports = new TreeMap<>();
    private final Map<Integer, FaultProxy> proxies = new TreeMap<>();
    private final Map<Integer, FaultProxy> replicationProxies = new TreeMap<>();
    private ZooKeeperProcess zooKeeper;
    private boolean started;
    private boolean closed;

    private KafkaCluster(Builder options) {
        this(options, Path.of(""));
    }

    /** {@code workDir}: where a {@code target} directory would keep the nodes' data (the process's own, but in tests). */
    KafkaCluster(Builder options, Path workDir) {
        this.options = options;
        this.clusterId = randomClusterId();
        String name = Instant.now().toString().replace(':', '-') + "-" + clusterId;
        Path target = workDir.resolve("target");
        if (options.baseDir != null) {
            this.tempRoot = null;
            this.baseDir = options.baseDir.toAbsolutePath();
        } else if (Files.isDirectory(target) && !options.temporary) {
            this.tempRoot = null; // kept for a look after a failed test; the build's clean removes it
            this.baseDir = target.toAbsolutePath().resolve("kafka-clusters").resolve(name);
        } else {
            try {
                this.tempRoot = Files.createTempDirectory("skein-kafka-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.baseDir = tempRoot.resolve(name);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats storage and starts every node, then waits until each serves Metadata listing all of them.
     *
     * @return this cluster
     * @throws IllegalStateException when a node does not come up within the startup timeout; the
     *     message holds the tail of its log
     */
    public synchronized KafkaCluster start() {
        if (started) {
            throw new IllegalStateException("cluster already started");
        }
        started = true;
        LIVE.add(this);
        try {
            String classpath = options.release.classpath();
            int n = options.brokers;
            for (int id = 1; id <= n; id++) {
                // client, broker, controller, then the secured listeners
                ports.put(id, FreePorts.take(options.securityListeners ? 8 : 3));
            }
            if (options.faultProxy) {
                for (int id = 1; id <= n; id++) {
                    proxies.put(id, FaultProxy.start("127.0.0.1", ports.get(id)[0]));
                }
            }
            if (options.replicationProxy) {
                for (int id = 1; id <= n; id++) {
                    replicationProxies.put(id, FaultProxy.start("127.0.0.1", ports.get(id)[1]));
                }
            }
            String voters = ports.entrySet().stream()
                    .map(e -> e.getKey() + "@127.0.0.1:" + e.getValue()[2])
                    .collect(Collectors.joining(","));
            if (options.mode == MetadataMode.ZOOKEEPER) {
                zooKeeper = new ZooKeeperProcess(baseDir.resolve("zookeeper"), FreePorts.take(1)[0], classpath,
                        List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                "-Djava.net.preferIPv4Stack=true", "-Dzookeeper.admin.enableServer=false"));
                zooKeeper.start();
                awaitZooKeeper();
            }
            for (int id = 1; id <= n; id++) {
                Map<String, String> config = nodeConfig(id, voters);
                brokers.put(id, new BrokerProcess(id, baseDir.resolve("broker-" + id), config, classpath,
                        options.jvmArgs));
            }
            if (options.mode == MetadataMode.KRAFT) {
                format();
            }
            brokers.values().forEach(BrokerProcess::start);
            awaitServing(brokers.keySet());
            return this;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting the cluster", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private void format() throws InterruptedException {
        List<Process> formats = new ArrayList<>();
        for (BrokerProcess b : brokers.values()) {
            formats.add(b.format(clusterId, options.features));
        }
        for (int i = 0; i < formats.size(); i++) {
            Process p = formats.get(i);
            if (!p.waitFor(options.startupTimeout.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
                BrokerProcess b = brokers.get(i + 1);
                throw new IllegalStateException("formatting storage of broker " + b.nodeId() + " failed\n"
                        + readQuietly(b.dir().resolve("format.log")));
            }
        }
    }

    private void awaitZooKeeper() {
        long deadline = System.nanoTime() + options.startupTimeout.toNanos();
        while (!zooKeeper.serving()) {
            if (!zooKeeper.isAlive()) {
                throw new IllegalStateException("ZooKeeper exited during startup\n" + zooKeeper.tail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("ZooKeeper did not serve within " + options.startupTimeout + "\n"
                        + zooKeeper.tail(40));
            }
            sleep(100);
        }
    }

    /**
     * A ZooKeeper-mode broker registers under an ephemeral node that outlives a killed broker until
     * its session times out ({@code zookeeper.session.timeout.ms}, 6 s here); started before that, it
     * would find itself registered and exit.
     */
    private void awaitDeregistered(int nodeId) {
        long deadline = System.nanoTime() + options.startupTimeout.toNanos();
        String path = "/brokers/ids/" + nodeId;
        try {
            while (zooKeeper.holdsEphemeral(path)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("ZooKeeper still holds " + path + " after " + options.startupTimeout);
                }
                sleep(200);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot ask ZooKeeper whether broker " + nodeId + " is registered", e);
        }
    }

    /** The Apache Kafka release the nodes run, such as {@code 3.9.1}. */
    public String release() {
        return options.release.text();
    }

    /** KRaft, or ZooKeeper (Kafka 3.x). */
    public MetadataMode metadataMode() {
        return options.mode;
    }

    /** {@code host:port,host:port} of every node's client listener (the proxies, when enabled). */
    public synchronized String bootstrapServers() {
        requireStarted();
        return ports.keySet().stream().map(id -> "127.0.0.1:" + clientPort(id)).collect(Collectors.joining(","));
    }

    /** {@code host:port} of one node's client listener (its proxy, when enabled). */
    public synchronized String bootstrapServers(int nodeId) {
        requireStarted();
        requireNode(nodeId);
        return "127.0.0.1:" + clientPort(nodeId);
    }

    /** {@code host:port} of every node's {@code listener}. */
    public synchronized String bootstrapServers(Listener listener) {
        requireStarted();
        if (listener == Listener.PLAINTEXT) {
            return bootstrapServers();
        }
        if (!options.securityListeners) {
            throw new IllegalStateException("this cluster was built without securityListeners(true)");
        }
        return ports.values().stream().map(p -> "127.0.0.1:" + p[listener.portIndex]).collect(Collectors.joining(","));
    }

    /** The certificates the TLS listeners use (and clients should trust). */
    public TestCertificates certificates() {
        return TestCertificates.shared();
    }

    /** Node ids, 1..N. */
    public synchronized Set<Integer> brokerIds() {
        return Set.copyOf(brokers.keySet());
    }

    /** The cluster id the storage was formatted with. */
    public String clusterId() {
        return clusterId;
    }

    /** Where the nodes' data and logs live. */
    public Path baseDir() {
        return baseDir;
    }

    /**
     * The proxy in front of a node's replication ({@code BROKER}) listener: followers of this node's
     * partitions fetch through it. Requires {@link Builder#replicationProxy(boolean)}.
     */
    public synchronized FaultProxy replicationProxy(int nodeId) {
        requireStarted();
        FaultProxy proxy = replicationProxies.get(nodeId);
        if (proxy == null) {
            throw new IllegalStateException("this cluster was built without replicationProxy(true)");
        }
        return proxy;
    }

    /** The proxy in front of a node's client listener; requires {@link Builder#faultProxy(boolean)}. */
    public synchronized FaultProxy proxy(int nodeId) {
        requireNode(nodeId);
        FaultProxy proxy = proxies.get(nodeId);
        if (proxy == null) {
            throw new IllegalStateException("this cluster was built without faultProxy(true)");
        }
        return proxy;
    }

    /** The OS process id of a node's JVM. */
    public synchronized long pid(int nodeId) {
        return node(nodeId).pid();
    }

    public synchronized boolean isRunning(int nodeId) {
        return node(nodeId).isAlive();
    }

    /** SIGKILL: the node dies at once, without a controlled shutdown. Returns when it is gone. */
    public synchronized void kill(int nodeId) {
        node(nodeId).kill();
    }

    /** SIGTERM: a controlled shutdown (leadership moves first), SIGKILL after 30 s. */
    public synchronized void stop(int nodeId) {
        node(nodeId).stop(30);
    }

    /** SIGSTOP: the node freezes with its connections open, like a long GC pause or a hung host. */
    public synchronized void pause(int nodeId) {
        node(nodeId).signal("STOP");
    }

    /** SIGCONT: undoes {@link #pause(int)}. */
    public synchronized void resume(int nodeId) {
        node(nodeId).signal("CONT");
    }

    /**
     * Starts a stopped or killed node again with its data and ports (stopping it first if it runs),
     * and waits until it serves Metadata that lists it.
     */
    public synchronized void restart(int nodeId) {
        BrokerProcess b = node(nodeId);
        if (b.isAlive()) {
            b.stop(30);
        }
        if (zooKeeper != null) {
            awaitDeregistered(nodeId);
        }
        b.start();
        awaitServing(Set.of(nodeId));
    }

    /**
     * Kills every node (SIGKILL; tests need no graceful end) and closes the proxies. The nodes' data is
     * kept where the builder or a {@code target} directory put it, and deleted when it was in a
     * directory of its own under the system's temp directory. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        killAndClean();
        proxies.values().forEach(FaultProxy::close);
        replicationProxies.values().forEach(FaultProxy::close);
        LIVE.remove(this);
    }

    private synchronized void killAndClean() {
        killAll(); // waits for the nodes to exit, so none writes while the files go
        if (tempRoot != null) {
            deleteTree(tempRoot);
        }
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: what is left is under the temp directory, which the system cleans
        }
    }

    private synchronized void killAll() {
        brokers.values().forEach(BrokerProcess::kill);
        if (zooKeeper != null) {
            zooKeeper.kill();
        }
    }

    private void awaitServing(Set<Integer> nodeIds) {
        long deadline = System.nanoTime() + options.startupTimeout.toNanos();
        Set<Integer> expected = new HashSet<>();
        brokers.forEach((id, b) -> {
            if (b.isAlive()) {
                expected.add(id);
            }
        });
        for (int id : nodeIds) {
            String last = "no answer yet";
            while (true) {
                BrokerProcess b = brokers.get(id);
                if (!b.isAlive()) {
                    throw new IllegalStateException("broker " + id + " exited during startup\n" + b.tail(40));
                }
                try {
                    List<Integer> seen = MetadataProbe.brokerIds("127.0.0.1", ports.get(id)[0], 2_000);
                    if (seen.containsAll(expected)) {
                        break;
                    }
                    last = "it lists brokers " + seen + ", expected " + expected;
                } catch (IOException e) {
                    last = e.toString();
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("broker " + id + " did not serve Metadata within "
                            + options.startupTimeout + " (" + last + ")\n" + b.tail(40));
                }
                sleep(100);
            }
        }
    }

    private Map<String, String> nodeConfig(int id, String voters) {
        NodeConfig cluster = new NodeConfig(options.brokers, options.mode, voters,
                zooKeeper == null ? -1 : zooKeeper.port(), options.aclAuthorizer, options.securityListeners,
                options.brokerConfig);
        int advertised = proxies.containsKey(id) ? proxies.get(id).port() : ports.get(id)[0];
        int advertisedBroker = replicationProxies.containsKey(id) ? replicationProxies.get(id).port() : ports.get(id)[1];
        return cluster.forNode(id, ports.get(id), advertised, advertisedBroker,
                baseDir.resolve("broker-" + id).resolve("data"));
    }

    private int clientPort(int nodeId) {
        FaultProxy proxy = proxies.get(nodeId);
        return proxy != null ? proxy.port() : ports.get(nodeId)[0];
    }

    private BrokerProcess node(int nodeId) {
        requireStarted();
        requireNode(nodeId);
        return brokers.get(nodeId);
    }

    private void requireNode(int nodeId) {
        if (!brokers.containsKey(nodeId)) {
            throw new IllegalArgumentException("no broker " + nodeId + "; this cluster has " + brokers.keySet());
        }
    }

    private void requireStarted() {
        if (!started || closed) {
            throw new IllegalStateException(closed ? "cluster is closed" : "cluster not started");
        }
    }

    private static String randomClusterId() {
        UUID u = UUID.randomUUID();
        ByteBuffer b = ByteBuffer.allocate(16);
        b.putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Options of a {@link KafkaCluster}. */
    public static final class Builder {
        private int brokers = 1;
        private final Map<String, String> brokerConfig = new LinkedHashMap<>();
        private final Map<String, Short> features = new LinkedHashMap<>();
        private boolean faultProxy;
        private boolean replicationProxy;
        private boolean securityListeners;
        private boolean aclAuthorizer;
        private Release release = Release.BUILT_IN;
        private MetadataMode mode = MetadataMode.KRAFT;
        private Duration startupTimeout = Duration.ofSeconds(90);
        private Path baseDir;
        private boolean temporary;
        private final List<String> jvmArgs = new ArrayList<>(List.of(
                "-Xms128m", "-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true"));

        private Builder() {}

        /** Number of nodes, 1 (the default) to 9. */
        public Builder brokers(int count) {
            if (count < 1 || count > 9) {
                throw new IllegalArgumentException("brokers must be 1..9, was " + count);
            }
            this.brokers = count;
            return this;
        }

        /** A broker property for every node, overriding testkit's defaults; {@code {id}} in the value becomes the node id. */
        public Builder brokerConfig(String key, String value) {
            brokerConfig.put(key, value);
            return this;
        }

        /**
         * A feature level the storage is formatted with, such as {@code transaction.version} 1 to run
         * the older transaction protocol (default: the broker's latest production levels).
         */
        public Builder feature(String name, int level) {
            features.put(name, (short) level);
            return this;
        }

        public Builder brokerConfig(Map<String, String> config) {
            brokerConfig.putAll(config);
            return this;
        }

        /**
         * The Apache Kafka release to run, such as {@code "3.9.1"}; default {@link #BUILT_IN_RELEASE}.
         * Another release needs its test dependency {@code dev.skein:skein-testkit-kafka-<release>}
         * (or {@code -Dskein.testkit.broker.classpath.<release>=} that broker's jars).
         */
        public Builder release(String release) {
            this.release = Release.parse(release);
            return this;
        }

        /**
         * KRaft (the default; Kafka 3.3 and newer) or ZooKeeper (Kafka 3.x). {@link #build()} refuses a
         * combination the release cannot run.
         */
        public Builder metadataMode(MetadataMode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Turns ACLs on with the authorizer of the metadata mode: the plaintext principal
         * ({@code User:ANONYMOUS}) is a super user, and anything without an ACL is allowed.
         */
        public Builder aclAuthorizer(boolean enabled) {
            this.aclAuthorizer = enabled;
            return this;
        }

        /** Puts a {@link FaultProxy} in front of each node's replication listener: see {@link #replicationProxy(int)}. */
        public Builder replicationProxy(boolean enabled) {
            this.replicationProxy = enabled;
            return this;
        }

        /** Puts a {@link FaultProxy} in front of each node's client listener. */
        public Builder faultProxy(boolean enabled) {
            this.faultProxy = enabled;
            return this;
        }

        /** Adds the secured listeners of {@link Listener} to every node (and makes the test certificates). */
        public Builder securityListeners(boolean enabled) {
            this.securityListeners = enabled;
            return this;
        }

        /** Bound on each wait for nodes to serve (start, restart). Default 90 s. */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = timeout;
            return this;
        }

        /**
         * Where data and logs go, kept after {@link #close()}. Default: {@code
         * target/kafka-clusters/<time>-<cluster id>} where the working directory has a {@code target},
         * else as {@link #temporaryBaseDir()}.
         */
        public Builder baseDir(Path dir) {
            this.baseDir = dir;
            this.temporary = false;
            return this;
        }

        /**
         * Data and logs go to a directory of their own under the system's temp directory, deleted by
         * {@link #close()} (a program that starts a broker for a while, such as {@code skein quickstart}).
         */
        public Builder temporaryBaseDir() {
            this.baseDir = null;
            this.temporary = true;
            return this;
        }

        /** Extra JVM arguments for the broker processes. */
        public Builder jvmArg(String arg) {
            jvmArgs.add(arg);
            return this;
        }

        /**
         * @throws IllegalArgumentException when the release cannot run the metadata mode (KRaft before
         *     3.3, ZooKeeper from 4.0) or features are set for ZooKeeper mode
         */
        public KafkaCluster build() {
            if (mode == MetadataMode.KRAFT && !release.atLeast(3, 3)) {
                throw new IllegalArgumentException("KRaft mode needs Kafka 3.3 or newer (production-ready there);"
                        + " run " + release + " with metadataMode(MetadataMode.ZOOKEEPER)");
            }
            if (mode == MetadataMode.ZOOKEEPER && release.atLeast(4, 0)) {
                throw new IllegalArgumentException("Kafka " + release + " has no ZooKeeper mode (removed in 4.0);"
                        + " use MetadataMode.KRAFT");
            }
            if (mode == MetadataMode.ZOOKEEPER && !features.isEmpty()) {
                throw new IllegalArgumentException("feature levels " + features.keySet() + " are set when KRaft"
                        + " storage is formatted; a ZooKeeper-mode cluster has none");
            }
            return new KafkaCluster(this);
        }
    }
}
