package dev.skein.consumer;

import dev.skein.consumer.internal.ConsumerSettings;
import dev.skein.consumer.internal.SkeinConsumer;
import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.errors.ConfigException;
import dev.skein.core.internal.config.ConfigValues;
import dev.skein.serdes.Deserializer;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

/**
 * Options of a {@link Consumer}: typed setters and the standard Kafka property names through
 * {@link #property}. {@link #build()} validates and names the key at fault.
 */
public final class ConsumerBuilder<K, V> {
    /**
     * The property names this builder takes beyond the client-wide ones of
     * {@link dev.skein.core.ClientOptions#KEYS} (tools use it to route a mixed property set).
     */
    public static final Set<String> PROPERTY_NAMES = Set.of("group.id", "group.instance.id",
            "auto.offset.reset", "enable.auto.commit", "auto.commit.interval.ms", "max.poll.records",
            "max.poll.interval.ms", "session.timeout.ms", "heartbeat.interval.ms", "fetch.min.bytes", "fetch.max.bytes",
            "fetch.max.wait.ms", "max.partition.fetch.bytes", "isolation.level", "partition.assignment.strategy",
            "client.rack", "check.crcs", "default.api.timeout.ms", "skein.buffer.max.bytes", "skein.delivery",
            "group.protocol", "group.remote.assignor");

    /** Bound on record bytes buffered ahead of {@code poll()}, across partitions. Default 64 MiB. */
    public static final long DEFAULT_BUFFER_MAX_BYTES = 64L * 1024 * 1024;

    private final Deserializer<K> keys;
    private final Deserializer<V> values;
    private final ClientOptions.Builder client = ClientOptions.builder().clientId("skein-consumer");
    private String groupId;
    private String groupInstanceId;
    private Delivery delivery = Delivery.AT_LEAST_ONCE;
    private OffsetReset offsetReset = OffsetReset.LATEST;
    private Duration offsetResetDuration;
    private boolean autoCommit;
    private Duration autoCommitInterval = Duration.ofSeconds(5);
    private int maxPollRecords = 500;
    private Duration maxPollInterval = Duration.ofMinutes(5);
    private Duration sessionTimeout = Duration.ofSeconds(45);
    private Duration heartbeatInterval = Duration.ofSeconds(3);
    private int fetchMinBytes = 1;
    private int fetchMaxBytes = 50 * 1024 * 1024;
    private Duration fetchMaxWait = Duration.ofMillis(500);
    private int maxPartitionFetchBytes = 1024 * 1024;
    private IsolationLevel isolation = IsolationLevel.READ_UNCOMMITTED;
    private boolean isolationSet;
    private GroupProtocol groupProtocol = GroupProtocol.AUTO;
    /** Classic-only options the user set, in the order set: refused with {@code consumer}, noted with {@code auto}. */
    private final LinkedHashSet<String> classicOnlySet = new LinkedHashSet<>();
    private String remoteAssignor;
    private List<ClassicAssignor> assignors = List.of(ClassicAssignor.RANGE, ClassicAssignor.COOPERATIVE_STICKY);
    private String rack;
    private boolean checkCrcs = true;
    private long bufferMaxBytes = DEFAULT_BUFFER_MAX_BYTES;
    private Duration defaultApiTimeout = Duration.ofMinutes(1);
    private ClientResources resources;
    private MeterRegistry meterRegistry;

    ConsumerBuilder(Deserializer<K> keys, Deserializer<V> values) {
        this.keys = Objects.requireNonNull(keys, "key deserializer");
        this.values = Objects.requireNonNull(values, "value deserializer");
    }

    public ConsumerBuilder<K, V> bootstrapServers(String servers) { return property("bootstrap.servers", servers); }

    public ConsumerBuilder<K, V> clientId(String id) { return property("client.id", id); }

    /** The consumer group; required for commits and group membership. */
    public ConsumerBuilder<K, V> groupId(String id) { return property("group.id", id); }

    public ConsumerBuilder<K, V> delivery(Delivery d) { this.delivery = Objects.requireNonNull(d); return this; }

    /** Where to start without a committed offset; {@link OffsetReset#BY_DURATION} is set with {@link #offsetReset(Duration)}. */
    public ConsumerBuilder<K, V> offsetReset(OffsetReset r) {
        if (r == OffsetReset.BY_DURATION) {
            throw new IllegalArgumentException("BY_DURATION needs its duration: use offsetReset(Duration)");
        }
        this.offsetReset = Objects.requireNonNull(r);
        this.offsetResetDuration = null;
        return this;
    }

    /**
     * Without a committed offset, start at the first record no older than {@code back} (by record
     * timestamp), or at the end when every record is older: {@code auto.offset.reset=by_duration:PnDTnHnM}
     * (KIP-842).
     */
    public ConsumerBuilder<K, V> offsetReset(Duration back) {
        if (back.isNegative()) {
            throw new ConfigException("auto.offset.reset", "the duration must not be negative, was " + back);
        }
        this.offsetReset = OffsetReset.BY_DURATION;
        this.offsetResetDuration = back;
        return this;
    }

    public ConsumerBuilder<K, V> maxPollRecords(int n) { return property("max.poll.records", n); }

    public ConsumerBuilder<K, V> isolation(IsolationLevel level) {
        this.isolation = Objects.requireNonNull(level);
        this.isolationSet = true;
        return this;
    }

    /** The most bytes of records buffered ahead of {@code poll()} across all partitions. Default 64 MiB. */
    public ConsumerBuilder<K, V> bufferMaxBytes(long bytes) { return property("skein.buffer.max.bytes", bytes); }

    public ConsumerBuilder<K, V> maxPartitionFetchBytes(int bytes) { return property("max.partition.fetch.bytes", bytes); }

    public ConsumerBuilder<K, V> fetchMaxWait(Duration d) { return property("fetch.max.wait.ms", d); }

    public ConsumerBuilder<K, V> checkCrcs(boolean on) { return property("check.crcs", on); }

    public ConsumerBuilder<K, V> heartbeatInterval(Duration d) { return property("heartbeat.interval.ms", d); }

    public ConsumerBuilder<K, V> sessionTimeout(Duration d) { return property("session.timeout.ms", d); }

    public ConsumerBuilder<K, V> maxPollInterval(Duration d) { return property("max.poll.interval.ms", d); }

    /**
     * Assignors offered to a classic group, in preference order ({@code partition.assignment.strategy}
     * takes their names, or Apache Kafka's class names for them). The default, [RANGE,
     * COOPERATIVE_STICKY], is Apache Kafka's: such a group uses range, and can move to
     * cooperative-sticky by a rolling restart. Rebalancing is cooperative only when every listed
     * assignor is.
     */
    public ConsumerBuilder<K, V> assignors(ClassicAssignor... assignors) {
        return property("partition.assignment.strategy", Arrays.stream(assignors).map(ClassicAssignor::configName).toList());
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
    public ConsumerBuilder<K, V> groupProtocol(GroupProtocol protocol) {
        return property("group.protocol", protocol.configName());
    }

    /**
     * The broker-side assignor for the consumer protocol: {@code uniform} or {@code range} on Apache
     * Kafka brokers (or one the cluster added). Unset, the broker picks (its first in
     * {@code group.consumer.assignors}). Refused with {@code group.protocol=classic}.
     */
    public ConsumerBuilder<K, V> remoteAssignor(String name) { return property("group.remote.assignor", name); }

    public ConsumerBuilder<K, V> defaultApiTimeout(Duration d) { return property("default.api.timeout.ms", d); }

    public ConsumerBuilder<K, V> requestTimeout(Duration d) { return property("request.timeout.ms", d); }

    public ConsumerBuilder<K, V> resources(ClientResources shared) { this.resources = shared; return this; }

    public ConsumerBuilder<K, V> meterRegistry(MeterRegistry r) { this.meterRegistry = r; return this; }

    /**
     * Connection and security options through {@link ClientOptions.Builder}'s typed methods, e.g.
     * {@code b -> b.securityProtocol(SecurityProtocol.SASL_SSL).trustStore(path, password)
     * .sasl(SaslCredentials.scramSha512(user, password))}. The same options as properties work too.
     */
    public ConsumerBuilder<K, V> clientOptions(java.util.function.Consumer<ClientOptions.Builder> options) {
        options.accept(client);
        return this;
    }

    public ConsumerBuilder<K, V> properties(Map<String, ?> props) {
        props.forEach(this::property);
        return this;
    }

    public ConsumerBuilder<K, V> properties(Properties props) {
        props.stringPropertyNames().forEach(k -> property(k, props.getProperty(k)));
        return this;
    }

    /**
     * Sets an option by its standard Kafka property name ({@code skein.delivery} selects the delivery
     * mode: at-least-once, at-most-once or manual).
     *
     * @throws ConfigException naming the key when it is unknown or its value invalid
     */
    public ConsumerBuilder<K, V> property(String key, Object value) {
        switch (key) {
            case "group.id" -> groupId = ConfigValues.string(key, value);
            case "group.instance.id" -> groupInstanceId = ConfigValues.string(key, value);
            case "auto.offset.reset" -> {
                String text = ConfigValues.string(key, value).trim().toLowerCase(Locale.ROOT);
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
            case "enable.auto.commit" -> autoCommit = ConfigValues.bool(key, value);
            case "auto.commit.interval.ms" -> autoCommitInterval = ConfigValues.millis(key, value, 1);
            case "max.poll.records" -> maxPollRecords = ConfigValues.intValue(key, value, 1, Integer.MAX_VALUE);
            case "max.poll.interval.ms" -> maxPollInterval = ConfigValues.millis(key, value, 1);
            case "session.timeout.ms" -> {
                sessionTimeout = ConfigValues.millis(key, value, 1);
                classicOnlySet.add(key);
            }
            case "heartbeat.interval.ms" -> {
                heartbeatInterval = ConfigValues.millis(key, value, 1);
                classicOnlySet.add(key);
            }
            case "fetch.min.bytes" -> fetchMinBytes = ConfigValues.intValue(key, value, 0, Integer.MAX_VALUE);
            case "fetch.max.bytes" -> fetchMaxBytes = ConfigValues.intValue(key, value, 1, Integer.MAX_VALUE);
            case "fetch.max.wait.ms" -> fetchMaxWait = ConfigValues.millis(key, value, 0);
            case "max.partition.fetch.bytes" -> maxPartitionFetchBytes = ConfigValues.intValue(key, value, 1, Integer.MAX_VALUE);
            case "isolation.level" -> {
                isolation = IsolationLevel.valueOf(
                        ConfigValues.oneOf(key, value, "read_uncommitted", "read_committed").toUpperCase());
                isolationSet = true;
            }
            case "partition.assignment.strategy" -> {
                assignors = ConfigValues.list(key, value).stream().map(ClassicAssignor::forName).toList();
                classicOnlySet.add(key);
            }
            case "client.rack" -> rack = ConfigValues.string(key, value);
            case "check.crcs" -> checkCrcs = ConfigValues.bool(key, value);
            case "group.protocol" -> groupProtocol = GroupProtocol.forName(ConfigValues.string(key, value));
            case "group.remote.assignor" -> remoteAssignor = ConfigValues.string(key, value);
            case "default.api.timeout.ms" -> defaultApiTimeout = ConfigValues.millis(key, value, 1);
            case "skein.buffer.max.bytes" -> bufferMaxBytes = ConfigValues.longValue(key, value, 1024, Long.MAX_VALUE);
            case "skein.delivery" -> delivery = Delivery.valueOf(ConfigValues.oneOf(key, value,
                    "at-least-once", "at-most-once", "manual", "exactly-once").toUpperCase().replace('-', '_'));
            case "key.deserializer", "value.deserializer" -> throw new ConfigException(key,
                    "Skein takes deserializers as objects: Consumer.builder(keyDeserializer, valueDeserializer)");
            default -> client.set(key, value);
        }
        return this;
    }

    /** @throws ConfigException when options are missing or contradict, naming the key */
    public Consumer<K, V> build() {
        ClientOptions options = client.build();
        if (groupId == null && (delivery != Delivery.MANUAL || autoCommit)) {
            throw new ConfigException("group.id", "is required for committing offsets (delivery " + delivery
                    + (autoCommit ? ", enable.auto.commit" : "") + "); use delivery MANUAL without a group");
        }
        if (delivery == Delivery.EXACTLY_ONCE) {
            if (isolationSet && isolation != IsolationLevel.READ_COMMITTED) {
                throw new ConfigException("isolation.level", "must be read_committed with delivery EXACTLY_ONCE");
            }
            isolation = IsolationLevel.READ_COMMITTED;
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
        ConsumerSettings s = new ConsumerSettings(options, groupId, groupInstanceId, delivery, offsetReset, offsetResetDuration, autoCommit,
                autoCommitInterval, maxPollRecords, maxPollInterval, sessionTimeout, heartbeatInterval, fetchMinBytes,
                fetchMaxBytes, fetchMaxWait, maxPartitionFetchBytes, isolation, List.copyOf(assignors), rack, checkCrcs,
                bufferMaxBytes, defaultApiTimeout, meterRegistry, groupProtocol, remoteAssignor, List.copyOf(classicOnlySet));
        return new SkeinConsumer<>(s, keys, values, resources);
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
}
