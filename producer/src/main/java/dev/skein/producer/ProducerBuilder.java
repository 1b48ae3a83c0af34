package dev.skein.producer;

import dev.skein.core.ClientOptions;
import dev.skein.core.ClientResources;
import dev.skein.core.Compression;
import dev.skein.core.errors.ConfigException;
import dev.skein.core.internal.config.ConfigValues;
import dev.skein.producer.internal.ProducerSettings;
import dev.skein.producer.internal.SkeinProducer;
import dev.skein.serdes.Serializer;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Options of a {@link Producer}: typed setters, and {@link #property} for the standard Kafka names
 * ({@code acks}, {@code linger.ms}, {@code batch.size}, ...). {@link #build()} validates and names the
 * key at fault.
 */
public final class ProducerBuilder<K, V> {
    /**
     * The property names this builder takes beyond the client-wide ones of
     * {@link dev.skein.core.ClientOptions#KEYS} (tools use it to route a mixed property set).
     */
    public static final Set<String> PROPERTY_NAMES = Set.of("acks", "linger.ms", "batch.size",
            "buffer.memory", "max.block.ms", "delivery.timeout.ms", "retries", "enable.idempotence", "max.request.size",
            "max.in.flight.requests.per.connection", "request.timeout.ms", "compression.type", "compression.gzip.level",
            "compression.lz4.level", "compression.zstd.level", "partitioner.class", "partitioner.ignore.keys",
            "transactional.id", "transaction.timeout.ms");

    public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);
    public static final int DEFAULT_BATCH_SIZE = 16 * 1024;
    public static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(60);
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofMinutes(2);
    public static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    private final Serializer<K> keySerializer;
    private final Serializer<V> valueSerializer;
    private final ClientOptions.Builder client = ClientOptions.builder().clientId("skein-producer");
    private Acks acks = Acks.ALL;
    private boolean acksSet;
    private String transactionalId;
    private Duration transactionTimeout = Duration.ofMinutes(1);
    private Duration linger = DEFAULT_LINGER;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private long bufferMemory = DEFAULT_BUFFER_MEMORY;
    private Duration maxBlock = DEFAULT_MAX_BLOCK;
    private Duration deliveryTimeout = DEFAULT_DELIVERY_TIMEOUT;
    private int retries = Integer.MAX_VALUE;
    private Boolean idempotence;
    private int maxInFlight = 5;
    private Compression compression = Compression.NONE;
    private Integer compressionLevel;
    private int maxRequestSize = DEFAULT_MAX_REQUEST_SIZE;
    private Partitioner partitioner = Partitioners.murmur2();
    private MeterRegistry meterRegistry;
    private ClientResources resources;
    private Duration requestTimeout = ClientOptions.DEFAULT_REQUEST_TIMEOUT;

    ProducerBuilder(Serializer<K> keySerializer, Serializer<V> valueSerializer) {
        this.keySerializer = Objects.requireNonNull(keySerializer, "keySerializer");
        this.valueSerializer = Objects.requireNonNull(valueSerializer, "valueSerializer");
    }

    public ProducerBuilder<K, V> bootstrapServers(String servers) { return property("bootstrap.servers", servers); }

    public ProducerBuilder<K, V> clientId(String id) { return property("client.id", id); }

    /**
     * Makes this a transactional producer: {@code initTransactions()}, then {@code beginTransaction()},
     * sends, {@code commitTransaction()}. A newer instance with the same id fences this one.
     */
    public ProducerBuilder<K, V> transactionalId(String id) { return property("transactional.id", id); }

    /** How long a transaction may stay open before the coordinator aborts it. Default one minute. */
    public ProducerBuilder<K, V> transactionTimeout(Duration d) { return property("transaction.timeout.ms", d); }

    public ProducerBuilder<K, V> acks(Acks a) { this.acks = Objects.requireNonNull(a); this.acksSet = true; return this; }

    /** How long a batch waits for more records before it is sent. Default 5 ms. */
    public ProducerBuilder<K, V> linger(Duration d) { return property("linger.ms", d); }

    /** Target batch size in bytes, per partition. Default 16 KiB. */
    public ProducerBuilder<K, V> batchSize(int bytes) { return property("batch.size", bytes); }

    /** Bound on everything buffered, across partitions. Default 32 MiB. */
    public ProducerBuilder<K, V> bufferMemory(long bytes) { return property("buffer.memory", bytes); }

    /** Longest {@code send()} waits for metadata or buffer memory. Default 60 s. */
    public ProducerBuilder<K, V> maxBlock(Duration d) { return property("max.block.ms", d); }

    /** Bound on the time from {@code send()} to success or failure, retries included. Default 2 min. */
    public ProducerBuilder<K, V> deliveryTimeout(Duration d) { return property("delivery.timeout.ms", d); }

    public ProducerBuilder<K, V> requestTimeout(Duration d) { return property("request.timeout.ms", d); }

    public ProducerBuilder<K, V> retries(int n) { return property("retries", n); }

    public ProducerBuilder<K, V> retryBackoff(Duration initial, Duration max) {
        client.retryBackoff(initial, max);
        return this;
    }

    /** Idempotent delivery (no duplicates from retries, order kept). Default on. */
    public ProducerBuilder<K, V> idempotence(boolean on) { return property("enable.idempotence", on); }

    /** Requests in flight per connection; at most 5 with idempotence. Default 5. */
    public ProducerBuilder<K, V> maxInFlight(int n) { return property("max.in.flight.requests.per.connection", n); }

    public ProducerBuilder<K, V> compression(Compression c) { this.compression = Objects.requireNonNull(c); return this; }

    /** Codec level (gzip 1-9, lz4 1-17, zstd -131072..22); the codec's default otherwise. */
    public ProducerBuilder<K, V> compressionLevel(int level) { this.compressionLevel = level; return this; }

    public ProducerBuilder<K, V> maxRequestSize(int bytes) { return property("max.request.size", bytes); }

    /** The partitioner for keyed records. Default {@link Partitioners#murmur2()}. */
    public ProducerBuilder<K, V> partitioner(Partitioner p) { this.partitioner = Objects.requireNonNull(p); return this; }

    /** Publish meters (records, bytes, latency, errors, buffer) to this registry. */
    public ProducerBuilder<K, V> meterRegistry(MeterRegistry registry) { this.meterRegistry = registry; return this; }

    /** Event loops shared with other clients; by default the producer has its own. */
    public ProducerBuilder<K, V> resources(ClientResources shared) { this.resources = shared; return this; }

    /**
     * Connection and security options through {@link ClientOptions.Builder}'s typed methods, e.g.
     * {@code b -> b.securityProtocol(SecurityProtocol.SASL_SSL).trustStore(path, password)
     * .sasl(SaslCredentials.scramSha512(user, password))}. The same options as properties work too.
     */
    public ProducerBuilder<K, V> clientOptions(Consumer<ClientOptions.Builder> options) {
        options.accept(client);
        return this;
    }

    public ProducerBuilder<K, V> properties(Map<String, ?> props) {
        props.forEach(this::property);
        return this;
    }

    public ProducerBuilder<K, V> properties(Properties props) {
        props.stringPropertyNames().forEach(k -> property(k, props.getProperty(k)));
        return this;
    }

    /**
     * Sets an option by its standard Kafka property name.
     *
     * @throws ConfigException naming the key when it is unknown or its value invalid
     */
    public ProducerBuilder<K, V> property(String key, Object value) {
        switch (key) {
            case "acks" -> acks(value instanceof Acks a ? a : Acks.fromConfig(ConfigValues.string(key, value)));
            case "linger.ms" -> linger = ConfigValues.millis(key, value, 0);
            case "batch.size" -> batchSize = ConfigValues.intValue(key, value, 0, Integer.MAX_VALUE);
            case "buffer.memory" -> bufferMemory = ConfigValues.longValue(key, value, 1024, Long.MAX_VALUE);
            case "max.block.ms" -> maxBlock = ConfigValues.millis(key, value, 0);
            case "delivery.timeout.ms" -> deliveryTimeout = ConfigValues.millis(key, value, 1);
            case "retries" -> retries = ConfigValues.intValue(key, value, 0, Integer.MAX_VALUE);
            case "enable.idempotence" -> idempotence = ConfigValues.bool(key, value);
            case "transactional.id" -> transactionalId = ConfigValues.string(key, value);
            case "transaction.timeout.ms" -> transactionTimeout = ConfigValues.millis(key, value, 1);
            case "max.request.size" -> maxRequestSize = ConfigValues.intValue(key, value, 1024, Integer.MAX_VALUE);
            case "max.in.flight.requests.per.connection" -> {
                maxInFlight = ConfigValues.intValue(key, value, 1, 1000);
                client.set(key, value);
            }
            case "request.timeout.ms" -> {
                requestTimeout = ConfigValues.millis(key, value, 1);
                client.set(key, value);
            }
            case "compression.type" -> compression = value instanceof Compression c ? c : parseCompression(value);
            case "compression.gzip.level", "compression.lz4.level", "compression.zstd.level" ->
                    compressionLevel = ConfigValues.intValue(key, value, -131072, 22);
            case "partitioner.class" -> partitioner = value instanceof Partitioner p ? p : namedPartitioner(ConfigValues.string(key, value));
            case "partitioner.ignore.keys" -> {
                if (ConfigValues.bool(key, value)) {
                    partitioner = Partitioners.roundRobin();
                }
            }
            case "key.serializer", "value.serializer" -> throw new ConfigException(key,
                    "Skein takes serializers as objects: Producer.builder(keySerializer, valueSerializer)");
            default -> client.set(key, value);
        }
        return this;
    }

    private static Compression parseCompression(Object value) {
        try {
            return Compression.forName(ConfigValues.string("compression.type", value));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("compression.type", e.getMessage());
        }
    }

    private static Partitioner namedPartitioner(String name) {
        return switch (name) {
            case "murmur2", "default", "org.apache.kafka.clients.producer.internals.DefaultPartitioner" -> Partitioners.murmur2();
            case "round_robin", "org.apache.kafka.clients.producer.RoundRobinPartitioner" -> Partitioners.roundRobin();
            case "crc32", "consistent" -> Partitioners.crc32();
            case "fnv1a" -> Partitioners.fnv1a();
            default -> throw new ConfigException("partitioner.class", "'" + name + "' is not one of murmur2, round_robin,"
                    + " crc32, fnv1a (or pass a Partitioner object to partitioner(...))");
        };
    }

    /**
     * Builds and starts the producer.
     *
     * @throws ConfigException when options are missing or contradict, naming the key
     */
    public Producer<K, V> build() {
        ClientOptions options = client.build();
        boolean idem = idempotence == null ? (acks == Acks.ALL && maxInFlight <= 5 && retries > 0) : idempotence;
        if (transactionalId != null) {
            if (transactionalId.isEmpty()) {
                throw new ConfigException("transactional.id", "must not be empty");
            }
            if (Boolean.FALSE.equals(idempotence) || !idem) {
                throw new ConfigException("transactional.id", "needs idempotence (enable.idempotence, acks=all, retries > 0,"
                        + " max.in.flight.requests.per.connection <= 5)");
            }
        }
        if (idem) {
            if (acks != Acks.ALL) {
                throw new ConfigException("acks", "must be all with enable.idempotence=true, was " + acks);
            }
            if (maxInFlight > 5) {
                throw new ConfigException("max.in.flight.requests.per.connection", "must be at most 5 with idempotence");
            }
            if (retries == 0) {
                throw new ConfigException("retries", "must be above 0 with idempotence");
            }
        }
        if (deliveryTimeout.compareTo(linger.plus(requestTimeout)) < 0) {
            throw new ConfigException("delivery.timeout.ms", "must be at least linger.ms + request.timeout.ms ("
                    + linger.plus(requestTimeout).toMillis() + " ms), was " + deliveryTimeout.toMillis());
        }
        if (maxRequestSize > bufferMemory) {
            throw new ConfigException("max.request.size", "must not exceed buffer.memory");
        }
        ProducerSettings s = new ProducerSettings(options, acks, linger, Math.max(1, batchSize), bufferMemory, maxBlock,
                deliveryTimeout, retries, idem, maxInFlight, compression, compressionLevel, maxRequestSize,
                partitioner, meterRegistry, transactionalId, transactionTimeout);
        return new SkeinProducer<>(s, keySerializer, valueSerializer, resources);
    }
}
