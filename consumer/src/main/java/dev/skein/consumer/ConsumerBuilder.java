package dev.skein.consumer;

import dev.skein.consumer.internal.ConsumerInterceptors;
import dev.skein.consumer.internal.SkeinConsumer;
import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.errors.ConfigException;
import dev.skein.serdes.Deserializer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

/**
 * Builds a {@link Consumer}: its deserializers, its {@link ConsumerOptions} (whole, through
 * {@link #options(ConsumerOptions)}, or one typed setter at a time; the standard Kafka names through
 * {@link #property}), and what is not an option: interceptor instances, the meter and observation
 * registries and shared event loops.
 * {@link #build()} validates and names the key at fault.
 */
public final class ConsumerBuilder<K, V> {
    /** {@link ConsumerOptions#KEYS}. */
    public static final Set<String> PROPERTY_NAMES = ConsumerOptions.KEYS;

    /** {@link ConsumerOptions#DEFAULT_BUFFER_MAX_BYTES}. */
    public static final long DEFAULT_BUFFER_MAX_BYTES = ConsumerOptions.DEFAULT_BUFFER_MAX_BYTES;

    private final Deserializer<K> keys;
    private final Deserializer<V> values;
    private ConsumerOptions.Builder options = ConsumerOptions.builder();
    private MeterRegistry meterRegistry;
    private ObservationRegistry observationRegistry;
    private ClientResources resources;
    private final List<ConsumerInterceptor<K, V>> interceptors = new ArrayList<>();

    ConsumerBuilder(Deserializer<K> keys, Deserializer<V> values) {
        this.keys = Objects.requireNonNull(keys, "key deserializer");
        this.values = Objects.requireNonNull(values, "value deserializer");
    }

    /** Starts from these options (what is set after this changes a copy of them). */
    public ConsumerBuilder<K, V> options(ConsumerOptions o) { this.options = o.mutate(); return this; }

    /** Changes the options through {@link ConsumerOptions.Builder}'s typed setters. */
    public ConsumerBuilder<K, V> options(java.util.function.Consumer<ConsumerOptions.Builder> changes) {
        changes.accept(options);
        return this;
    }

    public ConsumerBuilder<K, V> bootstrapServers(String servers) { options.bootstrapServers(servers); return this; }

    public ConsumerBuilder<K, V> clientId(String id) { options.clientId(id); return this; }

    /** See {@link ConsumerOptions.Builder#groupId}. */
    public ConsumerBuilder<K, V> groupId(String id) { options.groupId(id); return this; }

    /** See {@link ConsumerOptions.Builder#delivery}. */
    public ConsumerBuilder<K, V> delivery(Delivery d) { options.delivery(d); return this; }

    /** See {@link ConsumerOptions.Builder#offsetReset(OffsetReset)}. */
    public ConsumerBuilder<K, V> offsetReset(OffsetReset r) { options.offsetReset(r); return this; }

    /** See {@link ConsumerOptions.Builder#offsetReset(Duration)}. */
    public ConsumerBuilder<K, V> offsetReset(Duration back) { options.offsetReset(back); return this; }

    /** See {@link ConsumerOptions.Builder#maxPollRecords}. */
    public ConsumerBuilder<K, V> maxPollRecords(int n) { options.maxPollRecords(n); return this; }

    /** See {@link ConsumerOptions.Builder#isolation}. */
    public ConsumerBuilder<K, V> isolation(IsolationLevel level) { options.isolation(level); return this; }

    /** See {@link ConsumerOptions.Builder#bufferMaxBytes}. */
    public ConsumerBuilder<K, V> bufferMaxBytes(long bytes) { options.bufferMaxBytes(bytes); return this; }

    /** See {@link ConsumerOptions.Builder#maxPartitionFetchBytes}. */
    public ConsumerBuilder<K, V> maxPartitionFetchBytes(int bytes) { options.maxPartitionFetchBytes(bytes); return this; }

    /** See {@link ConsumerOptions.Builder#fetchMaxWait}. */
    public ConsumerBuilder<K, V> fetchMaxWait(Duration d) { options.fetchMaxWait(d); return this; }

    /** See {@link ConsumerOptions.Builder#checkCrcs}. */
    public ConsumerBuilder<K, V> checkCrcs(boolean on) { options.checkCrcs(on); return this; }

    /** See {@link ConsumerOptions.Builder#allowAutoCreateTopics}. */
    public ConsumerBuilder<K, V> allowAutoCreateTopics(boolean on) { options.allowAutoCreateTopics(on); return this; }

    /** See {@link ConsumerOptions.Builder#heartbeatInterval}. */
    public ConsumerBuilder<K, V> heartbeatInterval(Duration d) { options.heartbeatInterval(d); return this; }

    /** See {@link ConsumerOptions.Builder#sessionTimeout}. */
    public ConsumerBuilder<K, V> sessionTimeout(Duration d) { options.sessionTimeout(d); return this; }

    /** See {@link ConsumerOptions.Builder#maxPollInterval}. */
    public ConsumerBuilder<K, V> maxPollInterval(Duration d) { options.maxPollInterval(d); return this; }

    /** See {@link ConsumerOptions.Builder#assignors(ClassicAssignor...)}. */
    public ConsumerBuilder<K, V> assignors(ClassicAssignor... assignors) { options.assignors(assignors); return this; }

    /** See {@link ConsumerOptions.Builder#groupProtocol}. */
    public ConsumerBuilder<K, V> groupProtocol(GroupProtocol protocol) { options.groupProtocol(protocol); return this; }

    /** See {@link ConsumerOptions.Builder#remoteAssignor}. */
    public ConsumerBuilder<K, V> remoteAssignor(String name) { options.remoteAssignor(name); return this; }

    /** See {@link ConsumerOptions.Builder#defaultApiTimeout}. */
    public ConsumerBuilder<K, V> defaultApiTimeout(Duration d) { options.defaultApiTimeout(d); return this; }

    public ConsumerBuilder<K, V> requestTimeout(Duration d) { options.requestTimeout(d); return this; }

    /**
     * Adds an interceptor; they run in the order added, after those of {@code interceptor.classes}.
     * The consumer closes it when it closes. See {@link ConsumerInterceptor}.
     */
    public ConsumerBuilder<K, V> interceptor(ConsumerInterceptor<K, V> interceptor) {
        interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
        return this;
    }

    /**
     * Marks each {@code poll()} that returns records with a "skein.receive" observation (Apache Kafka's
     * convention under OpenTelemetry: one receive per poll). Per-record processing spans, children of
     * the producer's trace context in the record's headers, are opened by the application with
     * {@link RecordTracing} (the consumer cannot tell when a record is done). Off by default; with no
     * registry, or one without handlers, nothing is done or allocated. See consumer/README.md, Tracing.
     */
    public ConsumerBuilder<K, V> observationRegistry(ObservationRegistry registry) {
        this.observationRegistry = registry;
        return this;
    }

    /** Event loops shared with other clients; by default the consumer has its own. */
    public ConsumerBuilder<K, V> resources(ClientResources shared) { this.resources = shared; return this; }

    /** Publish meters (records, bytes, fetch latency, lag) to this registry. */
    public ConsumerBuilder<K, V> meterRegistry(MeterRegistry r) { this.meterRegistry = r; return this; }

    /**
     * Connection and security options through {@link ClientOptions.Builder}'s typed methods, e.g.
     * {@code b -> b.securityProtocol(SecurityProtocol.SASL_SSL).trustStore(path, password)
     * .sasl(SaslCredentials.scramSha512(user, password))}. The same options as properties work too.
     */
    public ConsumerBuilder<K, V> clientOptions(java.util.function.Consumer<ClientOptions.Builder> changes) {
        options.client(changes);
        return this;
    }

    public ConsumerBuilder<K, V> properties(Map<String, ?> props) { options.properties(props); return this; }

    public ConsumerBuilder<K, V> properties(Properties props) { options.properties(props); return this; }

    /**
     * Sets an option by its standard Kafka property name; see {@link ConsumerOptions.Builder#set}.
     *
     * @throws ConfigException naming the key when it is unknown or its value invalid
     */
    public ConsumerBuilder<K, V> property(String key, Object value) { options.set(key, value); return this; }

    /**
     * The options as set so far, validated, without building a consumer.
     *
     * @throws ConfigException when options are missing or contradict, naming the key
     */
    public ConsumerOptions options() { return options.build(); }

    /**
     * Builds the consumer.
     *
     * @throws ConfigException when options are missing or contradict, naming the key
     */
    public Consumer<K, V> build() {
        ConsumerOptions o = options.build();
        List<ConsumerInterceptor<K, V>> all = ConsumerInterceptors.instantiate(o.interceptorClasses());
        all.addAll(interceptors);
        try {
            return new SkeinConsumer<>(o, keys, values, meterRegistry, observationRegistry, resources, all);
        } catch (RuntimeException e) {
            ConsumerInterceptors.closeAll(all, e);
            throw e;
        }
    }
}
