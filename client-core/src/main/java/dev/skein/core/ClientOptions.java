package dev.skein.core;

import dev.skein.core.internal.config.ConfigValues;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Connection options shared by every client: where the cluster is, timeouts, backoff, limits.
 * Immutable; {@link #mutate()} derives a changed copy. Producer, consumer and admin builders
 * embed these and accept the same standard Kafka property names through {@link Builder#set}.
 */
public final class ClientOptions {
    public static final String DEFAULT_CLIENT_ID = "skein";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_RECONNECT_BACKOFF = Duration.ofMillis(50);
    public static final Duration DEFAULT_RECONNECT_BACKOFF_MAX = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    public static final Duration DEFAULT_RETRY_BACKOFF_MAX = Duration.ofSeconds(1);
    public static final Duration DEFAULT_METADATA_MAX_AGE = Duration.ofMinutes(5);
    public static final Duration DEFAULT_REBOOTSTRAP_TRIGGER = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_IN_FLIGHT = 5;
    /** 100 MiB: a response announcing more is refused before anything is allocated. */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 100 * 1024 * 1024;

    /** The standard property names (and Skein's own) that {@link Builder#set} accepts. */
    public static final Set<String> KEYS = Set.of("bootstrap.servers", "client.id", "request.timeout.ms",
            "socket.connection.setup.timeout.ms", "socket.connection.setup.timeout.max.ms", "reconnect.backoff.ms",
            "reconnect.backoff.max.ms", "retry.backoff.ms", "retry.backoff.max.ms", "metadata.max.age.ms",
            "max.in.flight.requests.per.connection", "client.dns.lookup", "send.buffer.bytes", "receive.buffer.bytes",
            "metadata.recovery.strategy", "metadata.recovery.rebootstrap.trigger.ms", "security.protocol",
            "connections.max.idle.ms", "skein.max.response.bytes");

    private final List<String> bootstrapServers;
    private final String clientId;
    private final Duration requestTimeout;
    private final Duration connectTimeout;
    private final Duration reconnectBackoff;
    private final Duration reconnectBackoffMax;
    private final Duration retryBackoff;
    private final Duration retryBackoffMax;
    private final Duration metadataMaxAge;
    private final int maxInFlight;
    private final boolean useAllDnsIps;
    private final int sendBufferBytes;
    private final int receiveBufferBytes;
    private final boolean rebootstrap;
    private final Duration rebootstrapTrigger;
    private final int maxResponseBytes;

    private ClientOptions(Builder b) {
        this.bootstrapServers = List.copyOf(b.bootstrapServers);
        this.clientId = b.clientId;
        this.requestTimeout = b.requestTimeout;
        this.connectTimeout = b.connectTimeout;
        this.reconnectBackoff = b.reconnectBackoff;
        this.reconnectBackoffMax = b.reconnectBackoffMax;
        this.retryBackoff = b.retryBackoff;
        this.retryBackoffMax = b.retryBackoffMax;
        this.metadataMaxAge = b.metadataMaxAge;
        this.maxInFlight = b.maxInFlight;
        this.useAllDnsIps = b.useAllDnsIps;
        this.sendBufferBytes = b.sendBufferBytes;
        this.receiveBufferBytes = b.receiveBufferBytes;
        this.rebootstrap = b.rebootstrap;
        this.rebootstrapTrigger = b.rebootstrapTrigger;
        this.maxResponseBytes = b.maxResponseBytes;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this instance's values. */
    public Builder mutate() {
        Builder b = new Builder();
        b.bootstrapServers = bootstrapServers;
        b.clientId = clientId;
        b.requestTimeout = requestTimeout;
        b.connectTimeout = connectTimeout;
        b.reconnectBackoff = reconnectBackoff;
        b.reconnectBackoffMax = reconnectBackoffMax;
        b.retryBackoff = retryBackoff;
        b.retryBackoffMax = retryBackoffMax;
        b.metadataMaxAge = metadataMaxAge;
        b.maxInFlight = maxInFlight;
        b.useAllDnsIps = useAllDnsIps;
        b.sendBufferBytes = sendBufferBytes;
        b.receiveBufferBytes = receiveBufferBytes;
        b.rebootstrap = rebootstrap;
        b.rebootstrapTrigger = rebootstrapTrigger;
        b.maxResponseBytes = maxResponseBytes;
        return b;
    }

    /** {@code host:port} entries to bootstrap from. */
    public List<String> bootstrapServers() { return bootstrapServers; }

    public String clientId() { return clientId; }

    /** How long a request may wait for its response before it fails (and its connection is closed). */
    public Duration requestTimeout() { return requestTimeout; }

    /** How long a TCP connect plus the ApiVersions handshake may take. */
    public Duration connectTimeout() { return connectTimeout; }

    public Duration reconnectBackoff() { return reconnectBackoff; }

    public Duration reconnectBackoffMax() { return reconnectBackoffMax; }

    public Duration retryBackoff() { return retryBackoff; }

    public Duration retryBackoffMax() { return retryBackoffMax; }

    /** Metadata is refreshed at least this often even without errors. */
    public Duration metadataMaxAge() { return metadataMaxAge; }

    /** Requests written to one connection before their responses arrive. */
    public int maxInFlight() { return maxInFlight; }

    /** {@code client.dns.lookup=use_all_dns_ips}: try every address a bootstrap host resolves to. */
    public boolean useAllDnsIps() { return useAllDnsIps; }

    /** Socket send buffer; -1 leaves the OS default. */
    public int sendBufferBytes() { return sendBufferBytes; }

    /** Socket receive buffer; -1 leaves the OS default. */
    public int receiveBufferBytes() { return receiveBufferBytes; }

    /** {@code metadata.recovery.strategy=rebootstrap}: go back to the bootstrap list when no known broker answers. */
    public boolean rebootstrap() { return rebootstrap; }

    public Duration rebootstrapTrigger() { return rebootstrapTrigger; }

    /** The largest response accepted; larger ones fail their request before any allocation. */
    public int maxResponseBytes() { return maxResponseBytes; }

    @Override
    public String toString() {
        return "ClientOptions(bootstrap=" + bootstrapServers + ", clientId=" + clientId + ", requestTimeout="
                + requestTimeout + ")";
    }

    /** Builder of {@link ClientOptions}; {@link #build()} validates. */
    public static final class Builder {
        private List<String> bootstrapServers = List.of();
        private String clientId = DEFAULT_CLIENT_ID;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration reconnectBackoff = DEFAULT_RECONNECT_BACKOFF;
        private Duration reconnectBackoffMax = DEFAULT_RECONNECT_BACKOFF_MAX;
        private Duration retryBackoff = DEFAULT_RETRY_BACKOFF;
        private Duration retryBackoffMax = DEFAULT_RETRY_BACKOFF_MAX;
        private Duration metadataMaxAge = DEFAULT_METADATA_MAX_AGE;
        private int maxInFlight = DEFAULT_MAX_IN_FLIGHT;
        private boolean useAllDnsIps = true;
        private int sendBufferBytes = -1;
        private int receiveBufferBytes = -1;
        private boolean rebootstrap = true;
        private Duration rebootstrapTrigger = DEFAULT_REBOOTSTRAP_TRIGGER;
        private int maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;

        private Builder() {}

        /** {@code host:port} entries, e.g. {@code "kafka-1:9092,kafka-2:9092"}. */
        public Builder bootstrapServers(String servers) { return set("bootstrap.servers", servers); }

        public Builder bootstrapServers(List<String> servers) { return set("bootstrap.servers", servers); }

        public Builder clientId(String id) { return set("client.id", id); }

        public Builder requestTimeout(Duration d) { return set("request.timeout.ms", d); }

        public Builder connectTimeout(Duration d) { return set("socket.connection.setup.timeout.ms", d); }

        public Builder reconnectBackoff(Duration initial, Duration max) {
            set("reconnect.backoff.ms", initial);
            return set("reconnect.backoff.max.ms", max);
        }

        public Builder retryBackoff(Duration initial, Duration max) {
            set("retry.backoff.ms", initial);
            return set("retry.backoff.max.ms", max);
        }

        public Builder metadataMaxAge(Duration d) { return set("metadata.max.age.ms", d); }

        public Builder maxInFlight(int n) { return set("max.in.flight.requests.per.connection", n); }

        public Builder maxResponseBytes(int n) { return set("skein.max.response.bytes", n); }

        public Builder rebootstrap(boolean on) { return set("metadata.recovery.strategy", on ? "rebootstrap" : "none"); }

        /** Sets every entry; each key must be one of {@link #KEYS}. */
        public Builder properties(Map<String, ?> props) {
            props.forEach(this::set);
            return this;
        }

        public Builder properties(Properties props) {
            props.stringPropertyNames().forEach(k -> set(k, props.getProperty(k)));
            return this;
        }

        /**
         * Sets one option by its standard Kafka property name.
         *
         * @throws ConfigException naming the key when it is unknown or its value is invalid
         */
        public Builder set(String key, Object value) {
            switch (key) {
                case "bootstrap.servers" -> bootstrapServers = parseServers(key, value);
                case "client.id" -> clientId = ConfigValues.string(key, value);
                case "request.timeout.ms" -> requestTimeout = ConfigValues.millis(key, value, 1);
                case "socket.connection.setup.timeout.ms" -> connectTimeout = ConfigValues.millis(key, value, 1);
                case "socket.connection.setup.timeout.max.ms", "connections.max.idle.ms" ->
                        ConfigValues.millis(key, value, 0); // accepted for compatibility; not used yet
                case "reconnect.backoff.ms" -> reconnectBackoff = ConfigValues.millis(key, value, 0);
                case "reconnect.backoff.max.ms" -> reconnectBackoffMax = ConfigValues.millis(key, value, 0);
                case "retry.backoff.ms" -> retryBackoff = ConfigValues.millis(key, value, 0);
                case "retry.backoff.max.ms" -> retryBackoffMax = ConfigValues.millis(key, value, 0);
                case "metadata.max.age.ms" -> metadataMaxAge = ConfigValues.millis(key, value, 0);
                case "max.in.flight.requests.per.connection" -> maxInFlight = ConfigValues.intValue(key, value, 1, 1000);
                case "client.dns.lookup" -> useAllDnsIps = ConfigValues.oneOf(key, value, "use_all_dns_ips",
                        "resolve_canonical_bootstrap_servers_only").equals("use_all_dns_ips");
                case "send.buffer.bytes" -> sendBufferBytes = ConfigValues.intValue(key, value, -1, Integer.MAX_VALUE);
                case "receive.buffer.bytes" -> receiveBufferBytes = ConfigValues.intValue(key, value, -1, Integer.MAX_VALUE);
                case "metadata.recovery.strategy" -> rebootstrap = ConfigValues.oneOf(key, value, "rebootstrap", "none")
                        .equals("rebootstrap");
                case "metadata.recovery.rebootstrap.trigger.ms" -> rebootstrapTrigger = ConfigValues.millis(key, value, 0);
                case "security.protocol" -> {
                    String p = ConfigValues.oneOf(key, value, "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
                    if (!p.equals("PLAINTEXT")) {
                        throw new ConfigException(key, p + " is not supported yet; only PLAINTEXT");
                    }
                }
                case "skein.max.response.bytes" -> maxResponseBytes = ConfigValues.intValue(key, value, 1024, Integer.MAX_VALUE);
                default -> throw new ConfigException(key, "unknown configuration key");
            }
            return this;
        }

        private static List<String> parseServers(String key, Object value) {
            List<String> servers = ConfigValues.list(key, value);
            for (String s : servers) {
                int colon = s.lastIndexOf(':');
                if (colon <= 0 || colon == s.length() - 1) {
                    throw new ConfigException(key, "'" + s + "' is not host:port");
                }
                ConfigValues.intValue(key, s.substring(colon + 1), 1, 65535);
            }
            return servers;
        }

        /** @throws ConfigException when a required option is missing or options contradict */
        public ClientOptions build() {
            if (bootstrapServers.isEmpty()) {
                throw new ConfigException("bootstrap.servers", "is required (host:port[,host:port...])");
            }
            if (reconnectBackoffMax.compareTo(reconnectBackoff) < 0) {
                throw new ConfigException("reconnect.backoff.max.ms", "must be at least reconnect.backoff.ms");
            }
            if (retryBackoffMax.compareTo(retryBackoff) < 0) {
                throw new ConfigException("retry.backoff.max.ms", "must be at least retry.backoff.ms");
            }
            return new ClientOptions(this);
        }
    }
}
