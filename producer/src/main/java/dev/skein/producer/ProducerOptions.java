package dev.skein.producer;

import dev.skein.core.internal.config.Plugins;
import dev.skein.core.ClientOptions;
import dev.skein.core.Compression;
import dev.skein.core.errors.ConfigException;
import dev.skein.core.internal.config.ConfigValues;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A producer's options, validated and immutable: the connection options ({@link #client()}) and how
 * records are batched, acknowledged, retried and compressed. Build them with {@link #builder()}'s
 * typed setters, or with the standard Kafka property names through {@link Builder#set}; derive a
 * changed copy with {@link #mutate()}. {@link Producer#builder} takes them whole
 * ({@link ProducerBuilder#options}) or one setter at a time.
 *
 * <pre>{@code
 * ProducerOptions base = ProducerOptions.builder()
 *         .bootstrapServers("kafka-1:9092")
 *         .linger(Duration.ofMillis(10))
 *         .compression(Compression.LZ4)
 *         .build();
 * ProducerOptions bulk = base.mutate().batchSize(256 * 1024).build();
 * }</pre>
 */
public final class ProducerOptions {
    /** {@code acks}: every in-sync replica. */
    public static final Acks DEFAULT_ACKS = Acks.ALL;
    /** {@code linger.ms}: 5 ms, as Apache Kafka's producer since 4.0. */
    public static final Duration DEFAULT_LINGER = Duration.ofMillis(5);
    /** {@code batch.size}: 16 KiB. */
    public static final int DEFAULT_BATCH_SIZE = 16 * 1024;
    /** {@code buffer.memory}: 32 MiB. */
    public static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;
    /** {@code max.block.ms}: 60 s. */
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(60);
    /** {@code delivery.timeout.ms}: 2 minutes. */
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofMinutes(2);
    /** {@code retries}: unbounded; {@code delivery.timeout.ms} bounds a record's retries instead. */
    public static final int DEFAULT_RETRIES = Integer.MAX_VALUE;
    /** {@code max.request.size}: 1 MiB. */
    public static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;
    /** {@code transaction.timeout.ms}: one minute. */
    public static final Duration DEFAULT_TRANSACTION_TIMEOUT = Duration.ofMinutes(1);
    /** {@code metadata.max.idle.ms}: 5 minutes, as Apache Kafka's producer (KIP-526). */
    public static final Duration DEFAULT_METADATA_MAX_IDLE = Duration.ofMinutes(5);
    /** The least {@code metadata.max.idle.ms}, as Apache Kafka's producer allows. */
    public static final Duration MIN_METADATA_MAX_IDLE = Duration.ofSeconds(5);
    /** The highest {@code max.in.flight.requests.per.connection} idempotence allows. */
    public static final int MAX_IN_FLIGHT_WITH_IDEMPOTENCE = 5;

    /**
     * The property names {@link Builder#set} takes beyond the client-wide ones of
     * {@link ClientOptions#KEYS} (tools use it to route a mixed property set).
     */
    public static final Set<String> KEYS = Set.of("acks", "linger.ms", "batch.size",
            "buffer.memory", "max.block.ms", "delivery.timeout.ms", "retries", "enable.idempotence", "max.request.size",
            "max.in.flight.requests.per.connection", "request.timeout.ms", "compression.type", "compression.gzip.level",
            "compression.lz4.level", "compression.zstd.level", "partitioner.class", "partitioner.ignore.keys",
            "transactional.id", "transaction.timeout.ms", "interceptor.classes", "metadata.max.idle.ms");

    private final ClientOptions client;
    private final Acks acks;
    private final Duration linger;
    private final int batchSize;
    private final long bufferMemory;
    private final Duration maxBlock;
    private final Duration deliveryTimeout;
    private final int retries;
    private final Boolean idempotenceRequested;
    private final boolean idempotence;
    private final Compression compression;
    private final Integer gzipLevel;
    private final Integer lz4Level;
    private final Integer zstdLevel;
    private final int maxRequestSize;
    private final Partitioner partitioner;
    private final String transactionalId;
    private final Duration transactionTimeout;
    private final Duration metadataMaxIdle;
    private final List<Class<? extends ProducerInterceptor<?, ?>>> interceptorClasses;

    private ProducerOptions(Builder b, ClientOptions client, boolean idempotence,
                            List<Class<? extends ProducerInterceptor<?, ?>>> interceptorClasses) {
        this.client = client;
        this.acks = b.acks;
        this.linger = b.linger;
        this.batchSize = Math.max(1, b.batchSize);
        this.bufferMemory = b.bufferMemory;
        this.maxBlock = b.maxBlock;
        this.deliveryTimeout = b.deliveryTimeout;
        this.retries = b.retries;
        this.idempotenceRequested = b.idempotence;
        this.idempotence = idempotence;
        this.compression = b.compression;
        this.gzipLevel = b.gzipLevel;
        this.lz4Level = b.lz4Level;
        this.zstdLevel = b.zstdLevel;
        this.maxRequestSize = b.maxRequestSize;
        this.partitioner = b.partitioner;
        this.transactionalId = b.transactionalId;
        this.transactionTimeout = b.transactionTimeout;
        this.metadataMaxIdle = b.metadataMaxIdle;
        this.interceptorClasses = interceptorClasses;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to derive a changed copy. */
    public Builder mutate() {
        Builder b = new Builder();
        b.client = client.mutate();
        b.acks = acks;
        b.linger = linger;
        b.batchSize = batchSize;
        b.bufferMemory = bufferMemory;
        b.maxBlock = maxBlock;
        b.deliveryTimeout = deliveryTimeout;
        b.retries = retries;
        b.idempotence = idempotenceRequested;
        b.compression = compression;
        b.gzipLevel = gzipLevel;
        b.lz4Level = lz4Level;
        b.zstdLevel = zstdLevel;
        b.maxRequestSize = maxRequestSize;
        b.partitioner = partitioner;
        b.transactionalId = transactionalId;
        b.transactionTimeout = transactionTimeout;
        b.metadataMaxIdle = metadataMaxIdle;
        b.interceptorClasses = List.copyOf(interceptorClasses);
        return b;
    }

    /** Where the cluster is, timeouts, backoff, limits and security. */
    public ClientOptions client() { return client; }

    /** {@code acks}: how many replicas must have a batch before it is acknowledged. */
    public Acks acks() { return acks; }

    /** {@code linger.ms}: how long a batch waits for more records before it is sent. */
    public Duration linger() { return linger; }

    /**
     * {@code batch.size}: the target batch size in bytes, per partition (0 given is 1: a record per batch);
     * with compression, of the batch as sent, as Apache Kafka's producer: a batch takes as many records as
     * the topic's recent batches say will compress to it (up to 16 times as many uncompressed bytes, and
     * {@code max.request.size}); a partition that has no batch waiting to be sent and is not the sticky
     * partitioner's takes that many only while half of {@code buffer.memory} is free, and
     * {@code batch.size} uncompressed otherwise.
     */
    public int batchSize() { return batchSize; }

    /** {@code buffer.memory}: the bound on everything buffered, across partitions. */
    public long bufferMemory() { return bufferMemory; }

    /** {@code max.block.ms}: the longest {@code send()} waits for metadata or buffer memory. */
    public Duration maxBlock() { return maxBlock; }

    /** {@code delivery.timeout.ms}: the bound on the time from {@code send()} to success or failure, retries included. */
    public Duration deliveryTimeout() { return deliveryTimeout; }

    /** {@code retries}: how often a failed batch is sent again (within {@link #deliveryTimeout()}). */
    public int retries() { return retries; }

    /**
     * {@code enable.idempotence}, as resolved: on unless turned off or unless {@code acks},
     * {@code retries} or {@code max.in.flight.requests.per.connection} rule it out without it being asked for.
     */
    public boolean idempotence() { return idempotence; }

    /** {@code max.in.flight.requests.per.connection}: the client's {@link ClientOptions#maxInFlight()}. */
    public int maxInFlight() { return client.maxInFlight(); }

    /** {@code request.timeout.ms}: the client's {@link ClientOptions#requestTimeout()}. */
    public Duration requestTimeout() { return client.requestTimeout(); }

    /** {@code compression.type}. */
    public Compression compression() { return compression; }

    /** The level of {@link #compression()}'s codec ({@link #compressionLevel(Compression)}), or null for its default. */
    public Integer compressionLevel() { return compressionLevel(compression); }

    /**
     * {@code compression.gzip.level}, {@code compression.lz4.level} or {@code compression.zstd.level}: the level
     * set for {@code codec}, or null for its default (and for none and snappy, which have no levels). Each codec
     * keeps its own; only that of the codec in use has an effect.
     */
    public Integer compressionLevel(Compression codec) {
        return switch (codec) {
            case GZIP -> gzipLevel;
            case LZ4 -> lz4Level;
            case ZSTD -> zstdLevel;
            case NONE, SNAPPY -> null;
        };
    }

    /** {@code max.request.size}: the largest record batch (and Produce request) sent. */
    public int maxRequestSize() { return maxRequestSize; }

    /** Picks the partition of a keyed record without one. */
    public Partitioner partitioner() { return partitioner; }

    /** {@code transactional.id}, or null for a producer without transactions. */
    public String transactionalId() { return transactionalId; }

    /** {@code transaction.timeout.ms}: how long a transaction may stay open before the coordinator aborts it. */
    public Duration transactionTimeout() { return transactionTimeout; }

    /**
     * {@code metadata.max.idle.ms}: a topic not sent to for this long leaves the producer's metadata requests
     * until it is sent to again (KIP-526); at least 5 s.
     */
    public Duration metadataMaxIdle() { return metadataMaxIdle; }

    /**
     * {@code interceptor.classes}: the interceptors each producer built with these options makes one
     * instance of (public no-arg constructor), in this order, before those given to
     * {@link ProducerBuilder#interceptor}. Empty by default.
     */
    public List<Class<? extends ProducerInterceptor<?, ?>>> interceptorClasses() { return interceptorClasses; }

    @Override
    public String toString() {
        return "ProducerOptions(" + client + ", acks=" + acks + ", linger=" + linger + ", batchSize=" + batchSize
                + ", compression=" + compression + ", idempotence=" + idempotence
                + (transactionalId != null ? ", transactionalId=" + transactionalId : "") + ")";
    }

    /**
     * Builder of {@link ProducerOptions}. The typed setters store their value; {@link #set} maps a
     * standard Kafka property name onto them; {@link #build()} checks every value and how they combine,
     * and names the property at fault.
     */
    public static final class Builder {
        private ClientOptions.Builder client = ClientOptions.builder();
        private Acks acks = DEFAULT_ACKS;
        private Duration linger = DEFAULT_LINGER;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private long bufferMemory = DEFAULT_BUFFER_MEMORY;
        private Duration maxBlock = DEFAULT_MAX_BLOCK;
        private Duration deliveryTimeout = DEFAULT_DELIVERY_TIMEOUT;
        private int retries = DEFAULT_RETRIES;
        private Boolean idempotence;
        private Compression compression = Compression.NONE;
        private Integer gzipLevel;
        private Integer lz4Level;
        private Integer zstdLevel;
        private int maxRequestSize = DEFAULT_MAX_REQUEST_SIZE;
        private Partitioner partitioner = Partitioners.murmur2();
        private String transactionalId;
        private Duration transactionTimeout = DEFAULT_TRANSACTION_TIMEOUT;
        private Duration metadataMaxIdle = DEFAULT_METADATA_MAX_IDLE;
        /** Class names or {@code Class} objects, resolved and checked by {@link #build()}. */
        private List<Object> interceptorClasses = List.of();

        private Builder() {}

        public Builder bootstrapServers(String servers) { client.bootstrapServers(servers); return this; }

        /**
         * {@code client.id}: names the producer in broker logs, quotas and its meters. Unset by default: each
         * producer then names itself {@code producer-<n>}, counted in the JVM ({@code producer-<transactional.id>}
         * when transactional), as Apache Kafka's producer does.
         */
        public Builder clientId(String id) { client.clientId(id); return this; }

        /** {@code request.timeout.ms}; see {@link ClientOptions#requestTimeout()}. */
        public Builder requestTimeout(Duration d) { client.requestTimeout(d); return this; }

        /** {@code retry.backoff.ms} and {@code retry.backoff.max.ms}. */
        public Builder retryBackoff(Duration initial, Duration max) { client.retryBackoff(initial, max); return this; }

        /** {@code max.in.flight.requests.per.connection}; at most 5 with idempotence. Default 5. */
        public Builder maxInFlight(int n) { client.maxInFlight(n); return this; }

        /**
         * Connection and security options through {@link ClientOptions.Builder}'s typed methods, e.g.
         * {@code b -> b.securityProtocol(SecurityProtocol.SASL_SSL).sasl(SaslCredentials.scramSha512(user, password))}.
         */
        public Builder client(Consumer<ClientOptions.Builder> options) { options.accept(client); return this; }

        /** Replaces the connection and security options with these. */
        public Builder client(ClientOptions options) { this.client = options.mutate(); return this; }

        /** {@code acks}. Default {@link #DEFAULT_ACKS}. */
        public Builder acks(Acks a) { this.acks = Objects.requireNonNull(a, "acks"); return this; }

        /** {@code linger.ms}: how long a batch waits for more records before it is sent. Default 5 ms. */
        public Builder linger(Duration d) { this.linger = Objects.requireNonNull(d, "linger"); return this; }

        /** {@code batch.size}: target batch size in bytes, per partition, compressed when compressing. Default 16 KiB. */
        public Builder batchSize(int bytes) { this.batchSize = bytes; return this; }

        /** {@code buffer.memory}: bound on everything buffered, across partitions. Default 32 MiB. */
        public Builder bufferMemory(long bytes) { this.bufferMemory = bytes; return this; }

        /** {@code max.block.ms}: the longest {@code send()} waits for metadata or buffer memory. Default 60 s. */
        public Builder maxBlock(Duration d) { this.maxBlock = Objects.requireNonNull(d, "maxBlock"); return this; }

        /** {@code delivery.timeout.ms}: from {@code send()} to success or failure, retries included. Default 2 min. */
        public Builder deliveryTimeout(Duration d) {
            this.deliveryTimeout = Objects.requireNonNull(d, "deliveryTimeout");
            return this;
        }

        /** {@code retries}. Default unbounded (within the delivery timeout). */
        public Builder retries(int n) { this.retries = n; return this; }

        /** {@code enable.idempotence}: no duplicates from retries, order kept. Default on. */
        public Builder idempotence(boolean on) { this.idempotence = on; return this; }

        /** {@code compression.type}. Default none. */
        public Builder compression(Compression c) { this.compression = Objects.requireNonNull(c, "compression"); return this; }

        /**
         * {@code compression.gzip.level}, {@code compression.lz4.level} or {@code compression.zstd.level}: the level
         * of {@code codec} (gzip 1..9 or -1, lz4 1..17, zstd -131072..22, see {@link Compression#acceptsLevel}),
         * checked by {@link #build()}; the codec's default unless set. Each codec keeps its own level, and only
         * that of the codec in use ({@link #compression}) has an effect, as with Apache Kafka's producer (KIP-390).
         *
         * @throws IllegalArgumentException for none and snappy, which have no levels
         */
        public Builder compressionLevel(Compression codec, int level) {
            switch (Objects.requireNonNull(codec, "codec")) {
                case GZIP -> gzipLevel = level;
                case LZ4 -> lz4Level = level;
                case ZSTD -> zstdLevel = level;
                case NONE, SNAPPY -> throw new IllegalArgumentException(codec.configName() + " has no compression levels");
            }
            return this;
        }

        /** {@code max.request.size}: the largest batch and request. Default 1 MiB. */
        public Builder maxRequestSize(int bytes) { this.maxRequestSize = bytes; return this; }

        /** The partitioner for keyed records. Default {@link Partitioners#murmur2()}. */
        public Builder partitioner(Partitioner p) { this.partitioner = Objects.requireNonNull(p, "partitioner"); return this; }

        /**
         * {@code transactional.id}: makes the producer transactional. A newer instance with the same id
         * fences this one.
         */
        public Builder transactionalId(String id) { this.transactionalId = id; return this; }

        /** {@code transaction.timeout.ms}. Default one minute. */
        public Builder transactionTimeout(Duration d) {
            this.transactionTimeout = Objects.requireNonNull(d, "transactionTimeout");
            return this;
        }

        /**
         * {@code metadata.max.idle.ms}: a topic not sent to for this long leaves the producer's metadata
         * requests until it is sent to again. At least 5 s; default 5 minutes.
         */
        public Builder metadataMaxIdle(Duration d) {
            this.metadataMaxIdle = Objects.requireNonNull(d, "metadataMaxIdle");
            return this;
        }

        /**
         * {@code interceptor.classes}: {@link ProducerInterceptor} classes, by name or as {@code Class}
         * objects, replacing any set before. Each must be public with a public no-arg constructor;
         * {@link #build()} checks that and names the key otherwise. For instances, use
         * {@link ProducerBuilder#interceptor}.
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
         * {@link ClientOptions#KEYS}); the value is a string or the typed value.
         *
         * @throws ConfigException naming the key when it is unknown or its value cannot be read
         */
        public Builder set(String key, Object value) {
            switch (key) {
                case "acks" -> acks(value instanceof Acks a ? a : Acks.fromConfig(ConfigValues.string(key, value)));
                case "linger.ms" -> linger(ConfigValues.millis(key, value, 0));
                case "batch.size" -> batchSize(ConfigValues.intValue(key, value, 0, Integer.MAX_VALUE));
                case "buffer.memory" -> bufferMemory(ConfigValues.longValue(key, value, 1024, Long.MAX_VALUE));
                case "max.block.ms" -> maxBlock(ConfigValues.millis(key, value, 0));
                case "delivery.timeout.ms" -> deliveryTimeout(ConfigValues.millis(key, value, 1));
                case "retries" -> retries(ConfigValues.intValue(key, value, 0, Integer.MAX_VALUE));
                case "enable.idempotence" -> idempotence(ConfigValues.bool(key, value));
                case "transactional.id" -> transactionalId(ConfigValues.string(key, value));
                case "transaction.timeout.ms" -> transactionTimeout(ConfigValues.millis(key, value, 1));
                case "metadata.max.idle.ms" -> metadataMaxIdle(ConfigValues.millis(key, value, MIN_METADATA_MAX_IDLE.toMillis()));
                case "max.request.size" -> maxRequestSize(ConfigValues.intValue(key, value, 1024, Integer.MAX_VALUE));
                case "compression.type" -> compression(value instanceof Compression c ? c : parseCompression(value));
                case "compression.gzip.level" -> compressionLevel(Compression.GZIP, ConfigValues.intValue(key, value,
                        Integer.MIN_VALUE, Integer.MAX_VALUE)); // the codec's range is checked by build()
                case "compression.lz4.level" -> compressionLevel(Compression.LZ4, ConfigValues.intValue(key, value,
                        Integer.MIN_VALUE, Integer.MAX_VALUE));
                case "compression.zstd.level" -> compressionLevel(Compression.ZSTD, ConfigValues.intValue(key, value,
                        Integer.MIN_VALUE, Integer.MAX_VALUE));
                case "partitioner.class" -> partitioner(value instanceof Partitioner p ? p
                        : namedPartitioner(ConfigValues.string(key, value)));
                case "partitioner.ignore.keys" -> {
                    if (ConfigValues.bool(key, value)) {
                        partitioner(Partitioners.roundRobin());
                    }
                }
                case "interceptor.classes" -> interceptorClasses(value instanceof Class<?> c ? List.of(c)
                        : value instanceof List<?> l ? l : ConfigValues.list(key, value));
                case "key.serializer", "value.serializer" -> throw new ConfigException(key,
                        "Skein takes serializers as objects: Producer.builder(keySerializer, valueSerializer)");
                default -> client.set(key, value);
            }
            return this;
        }

        private static void checkLevel(Compression codec, Integer level) {
            if (level != null && !codec.acceptsLevel(level)) {
                throw new ConfigException("compression." + codec.configName() + ".level", "must be " + codec.levels()
                        + ", was " + level);
            }
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
                case "murmur2", "default", "org.apache.kafka.clients.producer.internals.DefaultPartitioner" ->
                        Partitioners.murmur2();
                case "round_robin", "org.apache.kafka.clients.producer.RoundRobinPartitioner" -> Partitioners.roundRobin();
                case "crc32", "consistent" -> Partitioners.crc32();
                case "fnv1a" -> Partitioners.fnv1a();
                default -> throw new ConfigException("partitioner.class", "'" + name + "' is not one of murmur2,"
                        + " round_robin, crc32, fnv1a (or pass a Partitioner object to partitioner(...))");
            };
        }

        /**
         * Checks every value and how they combine.
         *
         * @throws ConfigException naming the property at fault
         */
        public ProducerOptions build() {
            ClientOptions options = client.build();
            ConfigValues.millis("linger.ms", linger, 0);
            ConfigValues.millis("max.block.ms", maxBlock, 0);
            ConfigValues.millis("delivery.timeout.ms", deliveryTimeout, 1);
            ConfigValues.millis("transaction.timeout.ms", transactionTimeout, 1);
            ConfigValues.millis("metadata.max.idle.ms", metadataMaxIdle, MIN_METADATA_MAX_IDLE.toMillis());
            ConfigValues.longValue("batch.size", batchSize, 0, Integer.MAX_VALUE);
            ConfigValues.longValue("buffer.memory", bufferMemory, 1024, Long.MAX_VALUE);
            ConfigValues.longValue("retries", retries, 0, Integer.MAX_VALUE);
            ConfigValues.longValue("max.request.size", maxRequestSize, 1024, Integer.MAX_VALUE);
            // Every level set is checked against its own codec's range, whichever codec is in use, as Apache
            // Kafka checks each property: a gzip level of 12 would otherwise fail every batch at send time.
            checkLevel(Compression.GZIP, gzipLevel);
            checkLevel(Compression.LZ4, lz4Level);
            checkLevel(Compression.ZSTD, zstdLevel);
            int maxInFlight = options.maxInFlight();
            boolean idem = idempotence == null
                    ? (acks == Acks.ALL && maxInFlight <= MAX_IN_FLIGHT_WITH_IDEMPOTENCE && retries > 0)
                    : idempotence;
            if (transactionalId != null) {
                if (transactionalId.isEmpty()) {
                    throw new ConfigException("transactional.id", "must not be empty");
                }
                if (!idem) {
                    throw new ConfigException("transactional.id", "needs idempotence (enable.idempotence, acks=all,"
                            + " retries > 0, max.in.flight.requests.per.connection <= 5)");
                }
            }
            if (idem) {
                if (acks != Acks.ALL) {
                        throw new ConfigException("acks", "must be all with enable.idempotence=true, was " + acks);
                }
                if (maxInFlight > MAX_IN_FLIGHT_WITH_IDEMPOTENCE) {
                    throw new ConfigException("max.in.flight.requests.per.connection", "must be at most "
                            + MAX_IN_FLIGHT_WITH_IDEMPOTENCE + " with idempotence");
                }
                if (retries == 0) {
                    throw new ConfigException("retries", "must be above 0 with idempotence");
                }
            }
            Duration requestTimeout = options.requestTimeout();
            if (deliveryTimeout.compareTo(linger.plus(requestTimeout)) < 0) {
                throw new ConfigException("delivery.timeout.ms", "must be at least linger.ms + request.timeout.ms ("
                        + linger.plus(requestTimeout).toMillis() + " ms), was " + deliveryTimeout.toMillis());
            }
            if (maxRequestSize > bufferMemory) {
                throw new ConfigException("max.request.size", "must not exceed buffer.memory");
            }
            List<Class<? extends ProducerInterceptor<?, ?>>> interceptors =
                    Plugins.classes("interceptor.classes", interceptorClasses, ProducerInterceptor.class);
            return new ProducerOptions(this, options, idem, interceptors);
        }
    }
}
