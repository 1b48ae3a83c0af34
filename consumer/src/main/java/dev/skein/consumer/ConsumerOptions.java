package dev.skein.consumer;

import dev.skein.core.internal.config.Plugins;
import dev.skein.core.internal.ClientIds;
import dev.skein.core.ClientOptions;
import dev.skein.core.errors.ConfigException;
import dev.skein.core.internal.config.ConfigValues;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

/**
 * A consumer's options, validated and immutable: the connection options ({@link #client()}), the group,
 * the delivery mode, where to start, and how records are fetched and buffered. Build them with
 * {@link #builder()}'s typed setters, or with the standard Kafka property names through
 * {@link Builder#set}; derive a changed copy with {@link #mutate()}. {@link Consumer#builder} takes them
 * whole ({@link ConsumerBuilder#options(ConsumerOptions)}) or one setter at a time.
 *
 * <pre>{@code
 * ConsumerOptions base = ConsumerOptions.builder()
 *         .bootstrapServers("kafka-1:9092")
 *         .groupId("billing")
 *         .offsetReset(OffsetReset.EARLIEST)
 *         .build();
 * ConsumerOptions small = base.mutate().maxPollRecords(50).build();
 * }</pre>
 */
public final class ConsumerOptions {
    /**
     * {@code client.id} unless one is set is made of this, as Apache Kafka's consumer makes it:
     * {@code consumer-<group.id>-<n>}, or {@code consumer-<n>} without a group, {@code n} from a sequence
     * per JVM taken by each {@link Builder#build()} (so each consumer built, and each {@link #mutate()}d
     * copy, has its own). Consumers that shared one id would share their meters: the second's lag would
     * be reported under the first's series.
     */
    public static final String DEFAULT_CLIENT_ID_PREFIX = "consumer";
    /**
     * Holds the place of an unset client id in the client options' builder, told apart by identity: no
     * id given by a setter, a property or the client options' own builder is this very string.
     */
    private static final String UNSET_CLIENT_ID = new String(DEFAULT_CLIENT_ID_PREFIX);
    /** {@code skein.delivery}: at-least-once. */
    public static final Delivery DEFAULT_DELIVERY = Delivery.AT_LEAST_ONCE;
    /** {@code auto.offset.reset}: latest. */
    public static final OffsetReset DEFAULT_OFFSET_RESET = OffsetReset.LATEST;
    /** {@code enable.auto.commit}: off (the delivery modes commit; auto-commit applies to {@link Delivery#MANUAL}). */
    public static final boolean DEFAULT_AUTO_COMMIT = false;
    /** {@code auto.commit.interval.ms}: 5 s. */
    public static final Duration DEFAULT_AUTO_COMMIT_INTERVAL = Duration.ofSeconds(5);
    /** {@code max.poll.records}: 500. */
    public static final int DEFAULT_MAX_POLL_RECORDS = 500;
    /** {@code max.poll.interval.ms}: 5 minutes. */
    public static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofMinutes(5);
    /** {@code session.timeout.ms}: 45 s (classic group protocol). */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(45);
    /** {@code heartbeat.interval.ms}: 3 s (classic group protocol). */
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(3);
    /** {@code fetch.min.bytes}: 1. */
    public static final int DEFAULT_FETCH_MIN_BYTES = 1;
    /** {@code fetch.max.bytes}: 50 MiB. */
    public static final int DEFAULT_FETCH_MAX_BYTES = 50 * 1024 * 1024;
    /** {@code fetch.max.wait.ms}: 500 ms. */
    public static final Duration DEFAULT_FETCH_MAX_WAIT = Duration.ofMillis(500);
    /** {@code max.partition.fetch.bytes}: 1 MiB. */
    public static final int DEFAULT_MAX_PARTITION_FETCH_BYTES = 1024 * 1024;
    /** {@code isolation.level}: read_uncommitted (read_committed under {@link Delivery#EXACTLY_ONCE}). */
    public static final IsolationLevel DEFAULT_ISOLATION = IsolationLevel.READ_UNCOMMITTED;
    /** {@code group.protocol}: auto. */
    public static final GroupProtocol DEFAULT_GROUP_PROTOCOL = GroupProtocol.AUTO;
    /** {@code partition.assignment.strategy}: range, cooperative-sticky, as Apache Kafka's consumer. */
    public static final List<ClassicAssignor> DEFAULT_ASSIGNORS =
            List.of(ClassicAssignor.RANGE, ClassicAssignor.COOPERATIVE_STICKY);
    /** {@code check.crcs}: on. */
    public static final boolean DEFAULT_CHECK_CRCS = true;
    /** {@code skein.buffer.max.bytes}: 64 MiB of records buffered ahead of {@code poll()}, across partitions. */
    public static final long DEFAULT_BUFFER_MAX_BYTES = 64L * 1024 * 1024;
    /** {@code default.api.timeout.ms}: one minute. */
    public static final Duration DEFAULT_API_TIMEOUT = Duration.ofMinutes(1);
    /** {@code allow.auto.create.topics}: on, as Apache Kafka's consumer (KIP-361); the broker's setting decides too. */
    public static final boolean DEFAULT_ALLOW_AUTO_CREATE_TOPICS = true;

    /**
     * The property names {@link Builder#set} takes beyond the client-wide ones of
     * {@link ClientOptions#KEYS} (tools use it to route a mixed property set).
     */
    public static final Set<String> KEYS = Set.of("group.id", "group.instance.id",
            "auto.offset.reset", "enable.auto.commit", "auto.commit.interval.ms", "max.poll.records",
            "max.poll.interval.ms", "session.timeout.ms", "heartbeat.interval.ms", "fetch.min.bytes", "fetch.max.bytes",
            "fetch.max.wait.ms", "max.partition.fetch.bytes", "isolation.level", "partition.assignment.strategy",
            "client.rack", "check.crcs", "default.api.timeout.ms", "skein.buffer.max.bytes", "skein.delivery",
            "group.protocol", "group.remote.assignor", "interceptor.classes", "allow.auto.create.topics");

    private final ClientOptions client;
    private final String groupId;
    private final String groupInstanceId;
    private final Delivery delivery;
    private final OffsetReset offsetReset;
    private final Duration offsetResetDuration;
    private final boolean autoCommit;
    private final Duration autoCommitInterval;
    private final int maxPollRecords;
    private final Duration maxPollInterval;
    private final Duration sessionTimeout;
    private final Duration heartbeatInterval;
    private final int fetchMinBytes;
    private final int fetchMaxBytes;
    private final Duration fetchMaxWait;
    private final int maxPartitionFetchBytes;
    private final IsolationLevel isolationRequested;
    private final IsolationLevel isolation;
    private final GroupProtocol groupProtocol;
    private final String remoteAssignor;
    private final List<ClassicAssignor> assignors;
    private final String rack;
    private final boolean checkCrcs;
    private final long bufferMaxBytes;
    private final Duration defaultApiTimeout;
    private final boolean allowAutoCreateTopics;
    private final List<String> classicOnlyOptions;
    private final List<Class<? extends ConsumerInterceptor<?, ?>>> interceptorClasses;
    /** Whether {@link #client}'s id was made by {@link Builder#build()} rather than set. */
    private final boolean clientIdGenerated;

    private ConsumerOptions(Builder b, ClientOptions client, boolean clientIdGenerated, IsolationLevel isolation,
                            List<Class<? extends ConsumerInterceptor<?, ?>>> interceptorClasses) {
        this.client = client;
        this.clientIdGenerated = clientIdGenerated;
        this.groupId = b.groupId;
        this.groupInstanceId = b.groupInstanceId;
        this.delivery = b.delivery;
        this.offsetReset = b.offsetReset;
        this.offsetResetDuration = b.offsetResetDuration;
        this.autoCommit = b.autoCommit;
        this.autoCommitInterval = b.autoCommitInterval;
        this.maxPollRecords = b.maxPollRecords;
        this.maxPollInterval = b.maxPollInterval;
        this.sessionTimeout = b.sessionTimeout;
        this.heartbeatInterval = b.heartbeatInterval;
        this.fetchMinBytes = b.fetchMinBytes;
        this.fetchMaxBytes = b.fetchMaxBytes;
        this.fetchMaxWait = b.fetchMaxWait;
        this.maxPartitionFetchBytes = b.maxPartitionFetchBytes;
        this.isolationRequested = b.isolation;
        this.isolation = isolation;
        this.groupProtocol = b.groupProtocol;
        this.remoteAssignor = b.remoteAssignor;
        this.assignors = List.copyOf(b.assignors);
        this.rack = b.rack;
        this.checkCrcs = b.checkCrcs;
        this.bufferMaxBytes = b.bufferMaxBytes;
        this.defaultApiTimeout = b.defaultApiTimeout;
        this.allowAutoCreateTopics = b.allowAutoCreateTopics;
        this.classicOnlyOptions = List.copyOf(b.classicOnlySet);
        this.interceptorClasses = interceptorClasses;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding these options, to derive a changed copy. It holds what was set, not only what
     * was resolved: an isolation level left unset stays unset, the classic-only options set stay
     * recorded as set, and a client id left unset stays unset (its {@code build()} makes a new one).
     */
    public Builder mutate() {
        Builder b = new Builder();
        b.client = client.mutate();
        if (clientIdGenerated) {
            b.client.clientId(UNSET_CLIENT_ID);
        }
        b.groupId = groupId;
        b.groupInstanceId = groupInstanceId;
        b.delivery = delivery;
        b.offsetReset = offsetReset;
        b.offsetResetDuration = offsetResetDuration;
        b.autoCommit = autoCommit;
        b.autoCommitInterval = autoCommitInterval;
        b.maxPollRecords = maxPollRecords;
        b.maxPollInterval = maxPollInterval;
        b.sessionTimeout = sessionTimeout;
        b.heartbeatInterval = heartbeatInterval;
        b.fetchMinBytes = fetchMinBytes;
        b.fetchMaxBytes = fetchMaxBytes;
        b.fetchMaxWait = fetchMaxWait;
        b.maxPartitionFetchBytes = maxPartitionFetchBytes;
        b.isolation = isolationRequested;
        b.groupProtocol = groupProtocol;
        b.remoteAssignor = remoteAssignor;
        b.assignors = assignors;
        b.rack = rack;
        b.checkCrcs = checkCrcs;
        b.bufferMaxBytes = bufferMaxBytes;
        b.defaultApiTimeout = defaultApiTimeout;
        b.allowAutoCreateTopics = allowAutoCreateTopics;
        b.classicOnlySet.addAll(classicOnlyOptions);
        b.interceptorClasses = List.copyOf(interceptorClasses);
        return b;
    }

    /**
     * Where the cluster is, timeouts, backoff, limits and security; the client id, set or made by
     * {@link Builder#build()} (see {@link #DEFAULT_CLIENT_ID_PREFIX}).
     */
    public ClientOptions client() { return client; }

    /** Whether the client id was made by {@link Builder#build()} (none was set): a processor names its inner clients from it. */
    boolean clientIdGenerated() { return clientIdGenerated; }

    /** {@code group.id}: the consumer group, or null for a consumer without one (assign() only, no commits). */
    public String groupId() { return groupId; }

    /** {@code group.instance.id}: the static member id, or null for a dynamic member. */
    public String groupInstanceId() { return groupInstanceId; }

    /** {@code skein.delivery}: when offsets are committed. */
    public Delivery delivery() { return delivery; }

    /** {@code auto.offset.reset}: where to start without a committed offset or out of range. */
    public OffsetReset offsetReset() { return offsetReset; }

    /** The duration of {@code auto.offset.reset=by_duration:...}, or null unless {@link #offsetReset()} is {@link OffsetReset#BY_DURATION}. */
    public Duration offsetResetDuration() { return offsetResetDuration; }

    /** {@code enable.auto.commit}: whether {@link Delivery#MANUAL} commits on its own every {@link #autoCommitInterval()}. */
    public boolean autoCommit() { return autoCommit; }

    /** {@code auto.commit.interval.ms}: how often auto-commit commits. */
    public Duration autoCommitInterval() { return autoCommitInterval; }

    /** {@code max.poll.records}: the most records one {@code poll()} returns. */
    public int maxPollRecords() { return maxPollRecords; }

    /** {@code max.poll.interval.ms}: the longest time between polls before the member leaves its group. */
    public Duration maxPollInterval() { return maxPollInterval; }

    /** {@code session.timeout.ms}: how long a silent classic member stays in its group. */
    public Duration sessionTimeout() { return sessionTimeout; }

    /** {@code heartbeat.interval.ms}: how often a classic member heartbeats. */
    public Duration heartbeatInterval() { return heartbeatInterval; }

    /** {@code fetch.min.bytes}: the bytes a broker waits for (up to {@link #fetchMaxWait()}) before it answers. */
    public int fetchMinBytes() { return fetchMinBytes; }

    /** {@code fetch.max.bytes}: the most bytes one Fetch asks for. */
    public int fetchMaxBytes() { return fetchMaxBytes; }

    /** {@code fetch.max.wait.ms}: how long a broker holds a Fetch for {@link #fetchMinBytes()}. */
    public Duration fetchMaxWait() { return fetchMaxWait; }

    /** {@code max.partition.fetch.bytes}: the most bytes one Fetch asks for of a partition. */
    public int maxPartitionFetchBytes() { return maxPartitionFetchBytes; }

    /**
     * {@code isolation.level}, as resolved: read_committed under {@link Delivery#EXACTLY_ONCE} unless it
     * was set, otherwise {@link #DEFAULT_ISOLATION} unless it was set.
     */
    public IsolationLevel isolation() { return isolation; }

    /** {@code group.protocol}: which group protocol the member speaks. */
    public GroupProtocol groupProtocol() { return groupProtocol; }

    /** {@code group.remote.assignor}: the broker's assignor under the consumer protocol, or null for the broker's choice. */
    public String remoteAssignor() { return remoteAssignor; }

    /** {@code partition.assignment.strategy}: the assignors a classic member offers, in preference order. */
    public List<ClassicAssignor> assignors() { return assignors; }

    /** {@code client.rack}: the consumer's rack, to fetch from the nearest replica (KIP-392), or null. */
    public String rack() { return rack; }

    /** {@code check.crcs}: whether fetched batches' checksums are verified. */
    public boolean checkCrcs() { return checkCrcs; }

    /** {@code skein.buffer.max.bytes}: the bound on record bytes buffered ahead of {@code poll()}, across partitions. */
    public long bufferMaxBytes() { return bufferMaxBytes; }

    /** {@code default.api.timeout.ms}: how long blocking calls without a timeout of their own wait. */
    public Duration defaultApiTimeout() { return defaultApiTimeout; }

    /**
     * {@code allow.auto.create.topics}: whether the consumer's metadata requests for the topics it subscribes
     * to or is assigned let a broker with {@code auto.create.topics.enable=true} create a missing one
     * (KIP-361). Pattern subscriptions never create topics. The share consumer never does either.
     */
    public boolean allowAutoCreateTopics() { return allowAutoCreateTopics; }

    /**
     * The classic-only options that were set ({@code session.timeout.ms}, {@code heartbeat.interval.ms},
     * {@code partition.assignment.strategy}), in the order first set: noted in the log when
     * {@code group.protocol=auto} settles on the consumer protocol.
     */
    public List<String> classicOnlyOptions() { return classicOnlyOptions; }

    /**
     * {@code interceptor.classes}: the interceptors each consumer built with these options makes one
     * instance of (public no-arg constructor), in this order, before those given to
     * {@link ConsumerBuilder#interceptor}. Empty by default.
     */
    public List<Class<? extends ConsumerInterceptor<?, ?>>> interceptorClasses() { return interceptorClasses; }

    @Override
    public String toString() {
        return "ConsumerOptions(" + client + (groupId != null ? ", groupId=" + groupId : "") + ", delivery=" + delivery
                + ", offsetReset=" + offsetReset + (offsetResetDuration != null ? ":" + offsetResetDuration : "")
                + ", isolation=" + isolation + ", groupProtocol=" + groupProtocol + ", maxPollRecords=" + maxPollRecords
                + ")";
    }

    /**
     * Builder of {@link ConsumerOptions}. The typed setters store their value; {@link #set} maps a
     * standard Kafka property name onto them; {@link #build()} checks every value and how they combine,
     * and names the property at fault.
     */
    public static final class Builder {
        private ClientOptions.Builder client = ClientOptions.builder().clientId(UNSET_CLIENT_ID);
        private String groupId;
        private String groupInstanceId;
        private Delivery delivery = DEFAULT_DELIVERY;
        private OffsetReset offsetReset = DEFAULT_OFFSET_RESET;
        private Duration offsetResetDuration;
        private boolean autoCommit = DEFAULT_AUTO_COMMIT;
        private Duration autoCommitInterval = DEFAULT_AUTO_COMMIT_INTERVAL;
        private int maxPollRecords = DEFAULT_MAX_POLL_RECORDS;
        private Duration maxPollInterval = DEFAULT_MAX_POLL_INTERVAL;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;
        private int fetchMinBytes = DEFAULT_FETCH_MIN_BYTES;
        private int fetchMaxBytes = DEFAULT_FETCH_MAX_BYTES;
        private Duration fetchMaxWait = DEFAULT_FETCH_MAX_WAIT;
        private int maxPartitionFetchBytes = DEFAULT_MAX_PARTITION_FETCH_BYTES;
        /** Null until set: then {@link Delivery#EXACTLY_ONCE} picks read_committed, anything else the default. */
        private IsolationLevel isolation;
        private GroupProtocol groupProtocol = DEFAULT_GROUP_PROTOCOL;
        private String remoteAssignor;
        private List<ClassicAssignor> assignors = DEFAULT_ASSIGNORS;
        private String rack;
        private boolean checkCrcs = DEFAULT_CHECK_CRCS;
        private long bufferMaxBytes = DEFAULT_BUFFER_MAX_BYTES;
        private Duration defaultApiTimeout = DEFAULT_API_TIMEOUT;
        private boolean allowAutoCreateTopics = DEFAULT_ALLOW_AUTO_CREATE_TOPICS;
        /** Classic-only options set, in the order set: refused with {@code consumer}, noted with {@code auto}. */
        private final LinkedHashSet<String> classicOnlySet = new LinkedHashSet<>();
        /** Class names or {@code Class} objects, resolved and checked by {@link #build()}. */
        private List<Object> interceptorClasses = List.of();

        private Builder() {}

        public Builder bootstrapServers(String servers) { client.bootstrapServers(servers); return this; }

        /**
         * {@code client.id}: names the consumer in broker logs, quotas and meters. Unset by default: then
         * {@code consumer-<group.id>-<n>} ({@link #DEFAULT_CLIENT_ID_PREFIX}).
         */
        public Builder clientId(String id) { client.clientId(id); return this; }

        /** {@code request.timeout.ms}; see {@link ClientOptions#requestTimeout()}. */
        public Builder requestTimeout(Duration d) { client.requestTimeout(d); return this; }

        /**
         * Connection and security options through {@link ClientOptions.Builder}'s typed methods, e.g.
         * {@code b -> b.securityProtocol(SecurityProtocol.SASL_SSL).sasl(SaslCredentials.scramSha512(user, password))}.
         */
        public Builder client(java.util.function.Consumer<ClientOptions.Builder> options) {
            options.accept(client);
            return this;
        }

        /** Replaces the connection and security options with these, their client id included. */
        public Builder client(ClientOptions options) { this.client = options.mutate(); return this; }

        /** {@code group.id}: the consumer group; required for commits and group membership. Null for none. */
        public Builder groupId(String id) { this.groupId = id; return this; }

        /** {@code group.instance.id}: makes the member static (it keeps its partitions across restarts within the session). Null for none. */
        public Builder groupInstanceId(String id) { this.groupInstanceId = id; return this; }

        /** {@code skein.delivery}: when offsets are committed. Default {@link Delivery#AT_LEAST_ONCE}. */
        public Builder delivery(Delivery d) { this.delivery = Objects.requireNonNull(d, "delivery"); return this; }

        /**
         * {@code auto.offset.reset}: where to start without a committed offset. Default
         * {@link OffsetReset#LATEST}. {@link OffsetReset#BY_DURATION} is set with {@link #offsetReset(Duration)}.
         *
         * @throws IllegalArgumentException for {@link OffsetReset#BY_DURATION}, which needs its duration
         */
        public Builder offsetReset(OffsetReset r) {
            if (r == OffsetReset.BY_DURATION) {
                throw new IllegalArgumentException("BY_DURATION needs its duration: use offsetReset(Duration)");
            }
            this.offsetReset = Objects.requireNonNull(r, "offsetReset");
            this.offsetResetDuration = null;
            return this;
        }

        /**
         * Without a committed offset, start at the first record no older than {@code back} (by record
         * timestamp), or at the end when every record is older: {@code auto.offset.reset=by_duration:PnDTnHnM}
         * (KIP-842). Must not be negative.
         */
        public Builder offsetReset(Duration back) {
            this.offsetResetDuration = Objects.requireNonNull(back, "offsetReset");
            this.offsetReset = OffsetReset.BY_DURATION;
            return this;
        }

        /** {@code enable.auto.commit}: with {@link Delivery#MANUAL} only. Default off. */
        public Builder autoCommit(boolean on) { this.autoCommit = on; return this; }

        /** {@code auto.commit.interval.ms}. Default 5 s. */
        public Builder autoCommitInterval(Duration d) {
            this.autoCommitInterval = Objects.requireNonNull(d, "autoCommitInterval");
            return this;
        }

        /** {@code max.poll.records}: at least 1. Default 500. */
        public Builder maxPollRecords(int n) { this.maxPollRecords = n; return this; }

        /** {@code max.poll.interval.ms}. Default 5 minutes. */
        public Builder maxPollInterval(Duration d) {
            this.maxPollInterval = Objects.requireNonNull(d, "maxPollInterval");
            return this;
        }

        /**
         * {@code session.timeout.ms}, classic group protocol only (refused with
         * {@link GroupProtocol#CONSUMER}; see {@link #groupProtocol}). Default 45 s.
         */
        public Builder sessionTimeout(Duration d) {
            this.sessionTimeout = Objects.requireNonNull(d, "sessionTimeout");
            classicOnlySet.add("session.timeout.ms");
            return this;
        }

        /**
         * {@code heartbeat.interval.ms}, below the session timeout; classic group protocol only (refused with
         * {@link GroupProtocol#CONSUMER}; see {@link #groupProtocol}). Default 3 s.
         */
        public Builder heartbeatInterval(Duration d) {
            this.heartbeatInterval = Objects.requireNonNull(d, "heartbeatInterval");
            classicOnlySet.add("heartbeat.interval.ms");
            return this;
        }

        /** {@code fetch.min.bytes}. Default 1. */
        public Builder fetchMinBytes(int bytes) { this.fetchMinBytes = bytes; return this; }

        /** {@code fetch.max.bytes}. Default 50 MiB. */
        public Builder fetchMaxBytes(int bytes) { this.fetchMaxBytes = bytes; return this; }

        /** {@code fetch.max.wait.ms}. Default 500 ms. */
        public Builder fetchMaxWait(Duration d) { this.fetchMaxWait = Objects.requireNonNull(d, "fetchMaxWait"); return this; }

        /** {@code max.partition.fetch.bytes}. Default 1 MiB. */
        public Builder maxPartitionFetchBytes(int bytes) { this.maxPartitionFetchBytes = bytes; return this; }

        /**
         * {@code isolation.level}. Default read_uncommitted, and read_committed with
         * {@link Delivery#EXACTLY_ONCE} (which refuses any other).
         */
        public Builder isolation(IsolationLevel level) {
            this.isolation = Objects.requireNonNull(level, "isolation");
            return this;
        }

        /**
         * The group protocol ({@code group.protocol}): {@link GroupProtocol#AUTO} (the default: the consumer
         * protocol when the broker offers ConsumerGroupHeartbeat, otherwise classic, said in one log line),
         * {@link GroupProtocol#CONSUMER} (KIP-848: the broker assigns, and a rebalance never stops the other
         * members), or {@link GroupProtocol#CLASSIC}.
         *
         * <p>Under the consumer protocol the broker's group configs set the session timeout and heartbeat
         * interval ({@code group.consumer.session.timeout.ms}, or per group {@code consumer.session.timeout.ms}),
         * and {@link #remoteAssignor} picks the broker's assignor. So with {@code consumer},
         * {@code partition.assignment.strategy}, {@code session.timeout.ms} and {@code heartbeat.interval.ms}
         * are refused at {@link #build()}; with {@code auto} they apply only if the classic protocol is used.
         */
        public Builder groupProtocol(GroupProtocol protocol) {
            this.groupProtocol = Objects.requireNonNull(protocol, "groupProtocol");
            return this;
        }

        /**
         * The broker-side assignor for the consumer protocol ({@code group.remote.assignor}): {@code uniform}
         * or {@code range} on Apache Kafka brokers (or one the cluster added). Unset (null), the broker picks
         * (its first in {@code group.consumer.assignors}). Refused with {@code group.protocol=classic}.
         */
        public Builder remoteAssignor(String name) { this.remoteAssignor = name; return this; }

        /**
         * Assignors offered to a classic group, in preference order ({@code partition.assignment.strategy}
         * takes their names, or Apache Kafka's class names for them). The default, [RANGE,
         * COOPERATIVE_STICKY], is Apache Kafka's: such a group uses range, and can move to
         * cooperative-sticky by a rolling restart. Rebalancing is cooperative only when every listed
         * assignor is. Classic group protocol only (refused with {@link GroupProtocol#CONSUMER}).
         */
        public Builder assignors(ClassicAssignor... assignors) { return assignors(Arrays.asList(assignors)); }

        /** As {@link #assignors(ClassicAssignor...)}. */
        public Builder assignors(List<ClassicAssignor> assignors) {
            this.assignors = List.copyOf(assignors);
            classicOnlySet.add("partition.assignment.strategy");
            return this;
        }

        /** {@code client.rack}: fetch from a replica in this rack when the cluster offers one (KIP-392). Null for none. */
        public Builder rack(String rack) { this.rack = rack; return this; }

        /** {@code check.crcs}: verify fetched batches' checksums. Default on. */
        public Builder checkCrcs(boolean on) { this.checkCrcs = on; return this; }

        /**
         * {@code allow.auto.create.topics}: let a broker with {@code auto.create.topics.enable=true} create a
         * subscribed or assigned topic that does not exist when the consumer asks for its metadata (KIP-361).
         * Default on, as Apache Kafka's consumer; pattern subscriptions never create topics.
         */
        public Builder allowAutoCreateTopics(boolean on) { this.allowAutoCreateTopics = on; return this; }

        /**
         * {@code skein.buffer.max.bytes}: the most bytes of records buffered ahead of {@code poll()} across all
         * partitions, as fetched (compressed); at least 1024. Default 64 MiB. zstd and gzip batches are also
         * decompressed ahead of {@code poll()} on the fetcher's event loop, up to a sixty-fourth of this (1 MiB by
         * default, plus the batch in progress and up to two more the polling thread decompresses while it waits
         * for that one) of decompressed records at a time.
         */
        public Builder bufferMaxBytes(long bytes) { this.bufferMaxBytes = bytes; return this; }

        /** {@code default.api.timeout.ms}. Default one minute. */
        public Builder defaultApiTimeout(Duration d) {
            this.defaultApiTimeout = Objects.requireNonNull(d, "defaultApiTimeout");
            return this;
        }

        /**
         * {@code interceptor.classes}: {@link ConsumerInterceptor} classes, by name or as {@code Class}
         * objects, replacing any set before. Each must be public with a public no-arg constructor;
         * {@link #build()} checks that and names the key otherwise. For instances, use
         * {@link ConsumerBuilder#interceptor}.
         */
        public Builder interceptorClasses(List<?> classes) {
            this.interceptorClasses = Collections.unmodifiableList(new ArrayList<>(classes)); // nulls: build() names them
            return this;
        }

        /** Sets every entry by its standard name; see {@link #set}. */
        public Builder properties(Map<String, ?> props) {
            props.forEach(this::set);
            return this;
        }

        /** Sets every entry by its standard name; see {@link #set}. */
        public Builder properties(Properties props) {
            props.stringPropertyNames().forEach(k -> set(k, props.getProperty(k)));
            return this;
        }

        /**
         * Sets one option by its standard Kafka property name ({@link #KEYS}, or one of
         * {@link ClientOptions#KEYS}); the value is a string or the typed value. {@code skein.delivery}
         * selects the delivery mode: at-least-once, at-most-once, manual or exactly-once.
         *
         * @throws ConfigException naming the key when it is unknown or its value cannot be read
         */
        public Builder set(String key, Object value) {
            switch (key) {
                case "group.id" -> groupId(ConfigValues.string(key, value));
                case "group.instance.id" -> groupInstanceId(ConfigValues.string(key, value));
                case "skein.delivery" -> delivery(value instanceof Delivery d ? d : Delivery.valueOf(ConfigValues.oneOf(key,
                        value, "at-least-once", "at-most-once", "manual", "exactly-once").toUpperCase().replace('-', '_')));
                case "auto.offset.reset" -> parseOffsetReset(key, value);
                case "enable.auto.commit" -> autoCommit(ConfigValues.bool(key, value));
                case "auto.commit.interval.ms" -> autoCommitInterval(ConfigValues.millis(key, value, 1));
                case "max.poll.records" -> maxPollRecords(ConfigValues.intValue(key, value, 1, Integer.MAX_VALUE));
                case "max.poll.interval.ms" -> maxPollInterval(ConfigValues.millis(key, value, 1));
                case "session.timeout.ms" -> sessionTimeout(ConfigValues.millis(key, value, 1));
                case "heartbeat.interval.ms" -> heartbeatInterval(ConfigValues.millis(key, value, 1));
                case "fetch.min.bytes" -> fetchMinBytes(ConfigValues.intValue(key, value, 0, Integer.MAX_VALUE));
                case "fetch.max.bytes" -> fetchMaxBytes(ConfigValues.intValue(key, value, 1, Integer.MAX_VALUE));
                case "fetch.max.wait.ms" -> fetchMaxWait(ConfigValues.millis(key, value, 0));
                case "max.partition.fetch.bytes" ->
                        maxPartitionFetchBytes(ConfigValues.intValue(key, value, 1, Integer.MAX_VALUE));
                case "isolation.level" -> isolation(value instanceof IsolationLevel l ? l : IsolationLevel.valueOf(
                        ConfigValues.oneOf(key, value, "read_uncommitted", "read_committed").toUpperCase(Locale.ROOT)));
                case "group.protocol" -> groupProtocol(value instanceof GroupProtocol p ? p
                        : GroupProtocol.forName(ConfigValues.string(key, value)));
                case "group.remote.assignor" -> remoteAssignor(ConfigValues.string(key, value));
                case "partition.assignment.strategy" -> assignors(parseAssignors(key, value));
                case "client.rack" -> rack(ConfigValues.string(key, value));
                case "check.crcs" -> checkCrcs(ConfigValues.bool(key, value));
                case "allow.auto.create.topics" -> allowAutoCreateTopics(ConfigValues.bool(key, value));
                case "skein.buffer.max.bytes" -> bufferMaxBytes(ConfigValues.longValue(key, value, 1024, Long.MAX_VALUE));
                case "default.api.timeout.ms" -> defaultApiTimeout(ConfigValues.millis(key, value, 1));
                case "interceptor.classes" -> interceptorClasses(value instanceof Class<?> c ? List.of(c)
                        : value instanceof List<?> l ? l : ConfigValues.list(key, value));
                case "key.deserializer", "value.deserializer" -> throw new ConfigException(key,
                        "Skein takes deserializers as objects: Consumer.builder(keyDeserializer, valueDeserializer)");
                default -> client.set(key, value);
            }
            return this;
        }

        private void parseOffsetReset(String key, Object value) {
            if (value instanceof OffsetReset r) {
                if (r == OffsetReset.BY_DURATION) {
                    throw new ConfigException(key, "BY_DURATION needs its duration: by_duration:<ISO-8601 duration>");
                }
                offsetReset(r);
                return;
            }
            String text = ConfigValues.string(key, value).toLowerCase(Locale.ROOT);
            switch (text) {
                case "earliest", "latest", "none" -> offsetReset(OffsetReset.valueOf(text.toUpperCase(Locale.ROOT)));
                default -> {
                    if (!text.startsWith("by_duration:")) {
                        throw new ConfigException(key, "'" + value + "' is not one of earliest, latest, none,"
                                + " by_duration:<ISO-8601 duration>");
                    }
                    offsetReset(parseResetDuration(key, text.substring("by_duration:".length())));
                }
            }
        }

        private static Duration parseResetDuration(String key, String iso) {
            Duration d;
            try {
                d = Duration.parse(iso.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new ConfigException(key, "by_duration takes an ISO-8601 duration such as by_duration:P1DT6H, was \""
                        + iso + "\"");
            }
            if (d.isNegative()) {
                throw new ConfigException(key, "the duration of by_duration must not be negative, was " + iso);
            }
            return d;
        }

        /** Names (or Apache Kafka's class names) as a list or comma-separated; {@link ClassicAssignor}s taken as they are. */
        private static List<ClassicAssignor> parseAssignors(String key, Object value) {
            List<ClassicAssignor> out = new ArrayList<>();
            if (value instanceof List<?> l) {
                for (Object o : l) {
                    out.add(o instanceof ClassicAssignor a ? a : ClassicAssignor.forName(ConfigValues.string(key, o)));
                }
            } else {
                ConfigValues.list(key, value).forEach(name -> out.add(ClassicAssignor.forName(name)));
            }
            return out;
        }

        /**
         * Checks every value and how they combine, and resolves the isolation level ({@code read_committed}
         * under {@link Delivery#EXACTLY_ONCE}).
         *
         * @throws ConfigException naming the property at fault
         */
        public ConsumerOptions build() {
            ClientOptions options = client.build();
            boolean generated = options.clientId() == UNSET_CLIENT_ID; // identity: see UNSET_CLIENT_ID
            ConfigValues.millis("auto.commit.interval.ms", autoCommitInterval, 1);
            ConfigValues.longValue("max.poll.records", maxPollRecords, 1, Integer.MAX_VALUE);
            ConfigValues.millis("max.poll.interval.ms", maxPollInterval, 1);
            ConfigValues.millis("session.timeout.ms", sessionTimeout, 1);
            ConfigValues.millis("heartbeat.interval.ms", heartbeatInterval, 1);
            ConfigValues.longValue("fetch.min.bytes", fetchMinBytes, 0, Integer.MAX_VALUE);
            ConfigValues.longValue("fetch.max.bytes", fetchMaxBytes, 1, Integer.MAX_VALUE);
            ConfigValues.longValue("fetch.max.wait.ms", fetchMaxWait.toMillis(), 0, Integer.MAX_VALUE);
            ConfigValues.longValue("max.partition.fetch.bytes", maxPartitionFetchBytes, 1, Integer.MAX_VALUE);
            ConfigValues.longValue("skein.buffer.max.bytes", bufferMaxBytes, 1024, Long.MAX_VALUE);
            ConfigValues.millis("default.api.timeout.ms", defaultApiTimeout, 1);
            if (offsetReset == OffsetReset.BY_DURATION && offsetResetDuration.isNegative()) {
                throw new ConfigException("auto.offset.reset", "the duration must not be negative, was "
                        + offsetResetDuration);
            }
            if (groupId == null && (delivery != Delivery.MANUAL || autoCommit)) {
                throw new ConfigException("group.id", "is required for committing offsets (delivery " + delivery
                        + (autoCommit ? ", enable.auto.commit" : "") + "); use delivery MANUAL without a group");
            }
            IsolationLevel resolved = isolation != null ? isolation : DEFAULT_ISOLATION;
            if (delivery == Delivery.EXACTLY_ONCE) {
                if (isolation != null && isolation != IsolationLevel.READ_COMMITTED) {
                    throw new ConfigException("isolation.level", "must be read_committed with delivery EXACTLY_ONCE");
                }
                resolved = IsolationLevel.READ_COMMITTED;
            }
            if (autoCommit && delivery != Delivery.MANUAL) {
                throw new ConfigException("enable.auto.commit", "applies to the MANUAL delivery mode; " + delivery
                        + " commits by itself");
            }
            if (assignors.isEmpty()) {
                throw new ConfigException("partition.assignment.strategy", "must name at least one assignor");
            }
            if (groupProtocol == GroupProtocol.CONSUMER && !classicOnlySet.isEmpty()) {
                String key = classicOnlySet.iterator().next();
                throw new ConfigException(key, "applies to the classic group protocol only; with group.protocol=consumer"
                        + " the broker's group configs rule (use group.remote.assignor to pick the broker's assignor)");
            }
            if (groupProtocol == GroupProtocol.CLASSIC && remoteAssignor != null) {
                throw new ConfigException("group.remote.assignor", "applies to the consumer group protocol only;"
                        + " with group.protocol=classic use partition.assignment.strategy");
            }
            if (remoteAssignor != null && remoteAssignor.isBlank()) {
                throw new ConfigException("group.remote.assignor", "must not be blank");
            }
            if (heartbeatInterval.compareTo(sessionTimeout) >= 0) {
                throw new ConfigException("heartbeat.interval.ms", "must be lower than session.timeout.ms");
            }
            List<Class<? extends ConsumerInterceptor<?, ?>>> interceptors =
                    Plugins.classes("interceptor.classes", interceptorClasses, ConsumerInterceptor.class);
            if (generated) { // last, so that options refused take no number
                options = options.mutate().clientId(ClientIds.consumer(groupId)).build();
            }
            return new ConsumerOptions(this, options, generated, resolved, interceptors);
        }
    }
}
