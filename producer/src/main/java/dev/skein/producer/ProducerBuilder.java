package dev.skein.producer;

import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.Compression;
import dev.skein.core.errors.ConfigException;
import dev.skein.producer.internal.ProducerInterceptors;
import dev.skein.producer.internal.SkeinProducer;
import dev.skein.serdes.Serializer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Builds a {@link Producer}: its serializers, its {@link ProducerOptions} (whole, through
 * {@link #options}, or one typed setter at a time; the standard Kafka names through {@link #property}),
 * and what is not an option: interceptor instances, the meter and observation registries and shared
 * event loops. {@link #build()} validates
 * and names the key at fault.
 */
public final class ProducerBuilder<K, V> {
    /** {@link ProducerOptions#KEYS}. */
    public static final Set<String> PROPERTY_NAMES = ProducerOptions.KEYS;

    private final Serializer<K> keySerializer;
    private final Serializer<V> valueSerializer;
    private ProducerOptions.Builder options = ProducerOptions.builder();
    private MeterRegistry meterRegistry;
    private ObservationRegistry observationRegistry;
    private ClientResources resources;
    private final List<ProducerInterceptor<K, V>> interceptors = new ArrayList<>();

    ProducerBuilder(Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        this.keySerializer = Objects.requireNonNull(keySerializer, "keySerializer");
        this.valueSerializer = Objects.requireNonNull(valueSerializer, "valueSerializer");
    }

    /** Starts from these options (what is set after this changes a copy of them). */
    public ProducerBuilder<K, V> options(ProducerOptions o) { this.options = o.mutate(); return this; }

    /** Changes the options through {@link ProducerOptions.Builder}'s typed setters. */
    public ProducerBuilder<K, V> options(Consumer<ProducerOptions.Builder> changes) {
        changes.accept(options);
        return this;
    }

    public ProducerBuilder<K, V> bootstrapServers(String servers) { options.bootstrapServers(servers); return this; }

    public ProducerBuilder<K, V> clientId(String id) { options.clientId(id); return this; }

    /** See {@link ProducerOptions.Builder#transactionalId}. */
    public ProducerBuilder<K, V> transactionalId(String id) { options.transactionalId(id); return this; }

    /** See {@link ProducerOptions.Builder#transactionTimeout}. */
    public ProducerBuilder<K, V> transactionTimeout(Duration d) { options.transactionTimeout(d); return this; }

    public ProducerBuilder<K, V> acks(Acks a) { options.acks(a); return this; }

    /** See {@link ProducerOptions.Builder#linger}. */
    public ProducerBuilder<K, V> linger(Duration d) { options.linger(d); return this; }

    /** See {@link ProducerOptions.Builder#batchSize}. */
    public ProducerBuilder<K, V> batchSize(int bytes) { options.batchSize(bytes); return this; }

    /** See {@link ProducerOptions.Builder#bufferMemory}. */
    public ProducerBuilder<K, V> bufferMemory(long bytes) { options.bufferMemory(bytes); return this; }

    /** See {@link ProducerOptions.Builder#metadataMaxIdle}. */
    public ProducerBuilder<K, V> metadataMaxIdle(Duration d) { options.metadataMaxIdle(d); return this; }

    /** See {@link ProducerOptions.Builder#maxBlock}. */
    public ProducerBuilder<K, V> maxBlock(Duration d) { options.maxBlock(d); return this; }

    /** See {@link ProducerOptions.Builder#deliveryTimeout}. */
    public ProducerBuilder<K, V> deliveryTimeout(Duration d) { options.deliveryTimeout(d); return this; }

    public ProducerBuilder<K, V> requestTimeout(Duration d) { options.requestTimeout(d); return this; }

    public ProducerBuilder<K, V> retries(int n) { options.retries(n); return this; }

    public ProducerBuilder<K, V> retryBackoff(Duration initial, Duration max) {
        options.retryBackoff(initial, max);
        return this;
    }

    /** See {@link ProducerOptions.Builder#idempotence}. */
    public ProducerBuilder<K, V> idempotence(boolean on) { options.idempotence(on); return this; }

    /** See {@link ProducerOptions.Builder#maxInFlight}. */
    public ProducerBuilder<K, V> maxInFlight(int n) { options.maxInFlight(n); return this; }

    public ProducerBuilder<K, V> compression(Compression c) { options.compression(c); return this; }

    /** See {@link ProducerOptions.Builder#compressionLevel}. */
    public ProducerBuilder<K, V> compressionLevel(Compression codec, int level) {
        options.compressionLevel(codec, level);
        return this;
    }

    public ProducerBuilder<K, V> maxRequestSize(int bytes) { options.maxRequestSize(bytes); return this; }

    /** See {@link ProducerOptions.Builder#partitioner}. */
    public ProducerBuilder<K, V> partitioner(Partitioner p) { options.partitioner(p); return this; }

    /** Publish meters (records, bytes, latency, errors, buffer) to this registry. */
    public ProducerBuilder<K, V> meterRegistry(MeterRegistry registry) { this.meterRegistry = registry; return this; }

    /**
     * Adds an interceptor; they run in the order added, after those of {@code interceptor.classes}.
     * The producer closes it when it closes. See {@link ProducerInterceptor}.
     */
    public ProducerBuilder<K, V> interceptor(ProducerInterceptor<K, V> interceptor) {
        interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
        return this;
    }

    /**
     * Traces each record through Micrometer's Observation API: a "skein.send" observation (kind
     * PRODUCER) from {@code send()} to the acknowledgement, a child of the caller's current observation,
     * whose trace context the registry's propagating handler writes into the record's headers (W3C
     * {@code traceparent}/{@code tracestate} with an OpenTelemetry bridge, as OpenTelemetry's Kafka
     * instrumentation reads them). Off by default; with no registry, or one without handlers, nothing is
     * done or allocated per record. See producer/README.md, Tracing.
     */
    public ProducerBuilder<K, V> observationRegistry(ObservationRegistry registry) {
        this.observationRegistry = registry;
        return this;
    }

    /** Event loops shared with other clients; by default the producer has its own. */
    public ProducerBuilder<K, V> resources(ClientResources shared) { this.resources = shared; return this; }

    /**
     * Connection and security options through {@link ClientOptions.Builder}'s typed methods, e.g.
     * {@code b -> b.securityProtocol(SecurityProtocol.SASL_SSL).trustStore(path, password)
     * .sasl(SaslCredentials.scramSha512(user, password))}. The same options as properties work too.
     */
    public ProducerBuilder<K, V> clientOptions(Consumer<ClientOptions.Builder> changes) {
        options.client(changes);
        return this;
    }

    public ProducerBuilder<K, V> properties(Map<String, ?> props) { options.properties(props); return this; }

    public ProducerBuilder<K, V> properties(Properties props) { options.properties(props); return this; }

    /**
     * Sets an option by its standard Kafka property name; see {@link ProducerOptions.Builder#set}.
     *
     * @throws ConfigException naming the key when it is unknown or its value invalid
     */
    public ProducerBuilder<K, V> property(String key, Object value) { options.set(key, value); return this; }

    /**
     * The options as set so far, validated, without building a producer.
     *
     * @throws ConfigException when options are missing or contradict, naming the key
     */
    public ProducerOptions options() { return options.build(); }

    /**
     * Builds and starts the producer.
     *
     * @throws ConfigException when options are missing or contradict, naming the key
     */
    public Producer<K, V> build() {
        ProducerOptions o = options.build();
        List<ProducerInterceptor<K, V>> all = ProducerInterceptors.instantiate(o.interceptorClasses());
        all.addAll(interceptors);
        try {
            return new SkeinProducer<>(o, keySerializer, valueSerializer, meterRegistry, observationRegistry, resources, all);
        } catch (RuntimeException e) {
            ProducerInterceptors.closeAll(all, e);
            throw e;
        }
    }
}
