package dev.skein.core;

import dev.skein.core.errors.ConfigException;
import dev.skein.core.internal.config.ConfigValues;
import dev.skein.core.internal.security.ClientCredentialsTokenSource;
import dev.skein.core.internal.security.Jaas;
import dev.skein.core.internal.security.TlsConfig;
import dev.skein.core.security.OAuthBearerLoginOptions;
import dev.skein.core.security.OAuthBearerTokenSource;
import dev.skein.core.security.SaslCredentials;
import dev.skein.core.security.Secret;
import dev.skein.core.security.SecurityProtocol;
import dev.skein.core.security.TlsOptions;
import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Connection options shared by every client: where the cluster is, timeouts, backoff, limits, and
 * security (TLS and SASL). Immutable; {@link #mutate()} derives a changed copy. Producer, consumer
 * and admin builders embed these and accept the same standard Kafka property names through
 * {@link Builder#set}.
 *
 * <p>Secrets (passwords, keys, tokens, {@code sasl.jaas.config}) are held as {@link Secret}s and
 * never appear in {@code toString()} or in error messages. No value is read from a file, an
 * environment variable or a URL on Skein's own initiative: {@code config.providers} is refused, and
 * the only files read are the key and trust stores the options name.
 */
public final class ClientOptions {
    private static final Logger log = LoggerFactory.getLogger(ClientOptions.class);
    private static final AtomicBoolean HOSTNAME_WARNING = new AtomicBoolean();

    /**
     * {@code client.id} of a bare connection (tools, tests) when none is set. A producer, consumer or admin
     * client without one names itself instead, uniquely in the JVM as Apache Kafka's clients do
     * ({@code producer-1}, {@code consumer-group-1}, {@code adminclient-1}; see {@link #withDefaultClientId}).
     */
    public static final String DEFAULT_CLIENT_ID = "skein";
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** {@code socket.connection.setup.timeout.max.ms}: the cap of the setup timeout as it doubles per failure. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT_MAX = Duration.ofSeconds(30);
    /** {@code connections.max.idle.ms}: a connection with nothing in flight for this long is closed (9 minutes). */
    public static final Duration DEFAULT_CONNECTIONS_MAX_IDLE = Duration.ofMinutes(9);
    public static final Duration DEFAULT_RECONNECT_BACKOFF = Duration.ofMillis(50);
    public static final Duration DEFAULT_RECONNECT_BACKOFF_MAX = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);
    public static final Duration DEFAULT_RETRY_BACKOFF_MAX = Duration.ofSeconds(1);
    public static final Duration DEFAULT_METADATA_MAX_AGE = Duration.ofMinutes(5);
    public static final Duration DEFAULT_REBOOTSTRAP_TRIGGER = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_IN_FLIGHT = 5;
    /** 100 MiB: a response announcing more is refused before anything is allocated. */
    public static final int DEFAULT_MAX_RESPONSE_BYTES = 100 * 1024 * 1024;

    /**
     * The standard property names (and Skein's own) that {@link Builder#set} accepts, the OAuth login's
     * ({@link OAuthBearerLoginOptions#KEYS}) among them.
     */
    public static final Set<String> KEYS = union(OAuthBearerLoginOptions.KEYS, Set.of("bootstrap.servers", "client.id", "request.timeout.ms",
            "socket.connection.setup.timeout.ms", "socket.connection.setup.timeout.max.ms", "reconnect.backoff.ms",
            "reconnect.backoff.max.ms", "retry.backoff.ms", "retry.backoff.max.ms", "metadata.max.age.ms",
            "max.in.flight.requests.per.connection", "client.dns.lookup", "send.buffer.bytes", "receive.buffer.bytes",
            "metadata.recovery.strategy", "metadata.recovery.rebootstrap.trigger.ms", "security.protocol",
            "connections.max.idle.ms", "skein.max.response.bytes",
            "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.type", "ssl.truststore.certificates",
            "ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.type", "ssl.key.password",
            "ssl.keystore.certificate.chain", "ssl.keystore.key", "ssl.endpoint.identification.algorithm",
            "ssl.enabled.protocols", "ssl.protocol", "ssl.cipher.suites", "sasl.mechanism", "sasl.jaas.config",
            "sasl.oauthbearer.token.endpoint.url", "sasl.oauthbearer.client.credentials.client.id",
            "sasl.oauthbearer.client.credentials.client.secret", "sasl.oauthbearer.scope",
            "skein.sasl.oauthbearer.allowed.urls"));

    /** Keys that would make the client load classes or resolve values elsewhere; refused with a reason. */
    private static final Set<String> REFUSED = Set.of("config.providers", "sasl.login.class",
            "sasl.login.callback.handler.class", "sasl.client.callback.handler.class", "ssl.engine.factory.class",
            "security.providers", "ssl.keymanager.algorithm", "ssl.trustmanager.algorithm");

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    private final List<String> bootstrapServers;
    private final String clientId;
    private final Duration requestTimeout;
    private final Duration connectTimeout;
    private final Duration connectTimeoutMax;
    private final Duration connectionsMaxIdle;
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
    private final SecurityProtocol securityProtocol;
    private final TlsOptions tls;
    private final SslContext sslContext;
    private final SaslCredentials sasl;
    private final Builder securitySource; // what mutate() starts from: the security options as given

    private ClientOptions(Builder b, TlsOptions tls, SslContext sslContext, SaslCredentials sasl) {
        this.bootstrapServers = List.copyOf(b.bootstrapServers);
        this.clientId = b.clientId;
        this.requestTimeout = b.requestTimeout;
        this.connectTimeout = b.connectTimeout;
        this.connectTimeoutMax = b.connectTimeoutMax;
        this.connectionsMaxIdle = b.connectionsMaxIdle;
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
        this.securityProtocol = b.securityProtocol;
        this.tls = tls;
        this.sslContext = sslContext;
        this.sasl = sasl;
        this.securitySource = b.copySecurity(new Builder());
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
        b.connectTimeoutMax = connectTimeoutMax;
        b.connectionsMaxIdle = connectionsMaxIdle;
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
        securitySource.copySecurity(b);
        return b;
    }

    /** {@code host:port} entries to bootstrap from. */
    public List<String> bootstrapServers() { return bootstrapServers; }

    /** {@code client.id}: as set, or {@link #DEFAULT_CLIENT_ID} when not set ({@link #hasClientId()}). */
    public String clientId() { return clientId != null ? clientId : DEFAULT_CLIENT_ID; }

    /** Whether {@code client.id} was set; a client without one names itself ({@link #withDefaultClientId}). */
    public boolean hasClientId() { return clientId != null; }

    /**
     * These options when {@code client.id} is set; otherwise a copy with the id {@code generate} gives. Each
     * client calls it once as it starts, with its own default ({@code dev.skein.core.internal.ClientIds}), so
     * that options shared by several clients still give each its own id.
     */
    public ClientOptions withDefaultClientId(java.util.function.Supplier<String> generate) {
        return clientId != null ? this : mutate().clientId(generate.get()).build();
    }

    /** How long a request may wait for its response before it fails (and its connection is closed). */
    public Duration requestTimeout() { return requestTimeout; }

    /**
     * How long a TCP connect plus the ApiVersions handshake may take at the first attempt to a broker
     * ({@code socket.connection.setup.timeout.ms}); see {@link #connectTimeoutMax()}.
     */
    public Duration connectTimeout() { return connectTimeout; }

    /**
     * {@code socket.connection.setup.timeout.max.ms}: after each failed attempt to a broker its setup
     * timeout doubles, up to this (with +/-20% jitter), as Apache Kafka's clients do.
     */
    public Duration connectTimeoutMax() { return connectTimeoutMax; }

    /** {@code connections.max.idle.ms}: a connection with nothing in flight this long is closed; zero never closes. */
    public Duration connectionsMaxIdle() { return connectionsMaxIdle; }

    public Duration reconnectBackoff() { return reconnectBackoff; }

    public Duration reconnectBackoffMax() { return reconnectBackoffMax; }

    public Duration retryBackoff() { return retryBackoff; }

    public Duration retryBackoffMax() { return retryBackoffMax; }

    /** Metadata is refreshed at least this often even without errors. */
    public Duration metadataMaxAge() { return metadataMaxAge; }

    /** Requests written to one connection before their responses arrive. */
    public int maxInFlight() { return maxInFlight; }

    /** {@code client.dns.lookup=use_all_dns_ips}: try every address a bootstrap server's or broker's host resolves to (KIP-302). */
    public boolean useAllDnsIps() { return useAllDnsIps; }

    /** Socket send buffer; -1 leaves the OS default. */
    public int sendBufferBytes() { return sendBufferBytes; }

    /** Socket receive buffer; -1 leaves the OS default. */
    public int receiveBufferBytes() { return receiveBufferBytes; }

    /**
     * {@code metadata.recovery.strategy}: with {@code rebootstrap} (the default) metadata is asked of the
     * bootstrap servers again when no known broker can be reached, or when none has answered for
     * {@link #rebootstrapTrigger()} (KIP-899, KIP-1102); with {@code none}, once the first metadata
     * arrived only the brokers it names are asked.
     */
    public boolean rebootstrap() { return rebootstrap; }

    /** {@code metadata.recovery.rebootstrap.trigger.ms}: how long without a metadata answer before rebootstrapping. */
    public Duration rebootstrapTrigger() { return rebootstrapTrigger; }

    /** The largest response accepted; larger ones fail their request before any allocation. */
    public int maxResponseBytes() { return maxResponseBytes; }

    /** {@code security.protocol}: whether connections use TLS, SASL, both or neither. */
    public SecurityProtocol securityProtocol() { return securityProtocol; }

    /** The TLS context for broker connections, or null unless {@link #securityProtocol()} uses TLS. */
    public SslContext sslContext() { return sslContext; }

    /** The TLS options (used when {@link #securityProtocol()} uses TLS). */
    public TlsOptions tls() { return tls; }

    /** Whether the broker's certificate must name the host connected to. */
    public boolean hostnameVerification() { return tls.hostnameVerification(); }

    /** The SASL credentials, or null unless {@link #securityProtocol()} uses SASL. */
    public SaslCredentials sasl() { return sasl; }

    @Override
    public String toString() {
        return "ClientOptions(bootstrap=" + bootstrapServers + ", clientId=" + clientId() + ", requestTimeout="
                + requestTimeout + ", security=" + securityProtocol + (sasl != null ? ", " + sasl : "") + ")";
    }

    /** Builder of {@link ClientOptions}; {@link #build()} validates. */
    public static final class Builder {
        private List<String> bootstrapServers = List.of();
        /** Null until set: each client then names itself (see {@link ClientOptions#withDefaultClientId}). */
        private String clientId;
        private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration connectTimeoutMax = DEFAULT_CONNECT_TIMEOUT_MAX;
        private Duration connectionsMaxIdle = DEFAULT_CONNECTIONS_MAX_IDLE;
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
        private SecurityProtocol securityProtocol = SecurityProtocol.PLAINTEXT;
        private TlsOptions.Builder tls = TlsOptions.builder();
        private SaslCredentials saslCredentials;
        private String saslMechanism;
        private Secret jaasConfig;
        private URI tokenEndpoint;
        private String oauthClientId;
        private Secret oauthClientSecret;
        private String oauthScope;
        private List<String> allowedTokenEndpoints = List.of();
        private OAuthBearerLoginOptions.Builder oauthLogin = OAuthBearerLoginOptions.builder();

        private Builder() {}

        private Builder copySecurity(Builder to) {
            to.securityProtocol = securityProtocol;
            to.tls = tls.build().mutate();
            to.saslCredentials = saslCredentials;
            to.saslMechanism = saslMechanism;
            to.jaasConfig = jaasConfig;
            to.tokenEndpoint = tokenEndpoint;
            to.oauthClientId = oauthClientId;
            to.oauthClientSecret = oauthClientSecret;
            to.oauthScope = oauthScope;
            to.allowedTokenEndpoints = allowedTokenEndpoints;
            to.oauthLogin = oauthLogin.build().mutate();
            return to;
        }

        /** {@code bootstrap.servers}: {@code host:port} entries, e.g. {@code "kafka-1:9092,kafka-2:9092"}. */
        public Builder bootstrapServers(String servers) {
            return bootstrapServers(ConfigValues.list("bootstrap.servers", servers));
        }

        /** {@code bootstrap.servers}: {@code host:port} entries. */
        public Builder bootstrapServers(List<String> servers) {
            this.bootstrapServers = List.copyOf(servers);
            return this;
        }

        /** {@code client.id}: names this client in broker logs, quotas and metrics. */
        public Builder clientId(String id) {
            this.clientId = Objects.requireNonNull(id, "clientId");
            return this;
        }

        /** {@code request.timeout.ms}. Default {@link #DEFAULT_REQUEST_TIMEOUT}. */
        public Builder requestTimeout(Duration d) {
            this.requestTimeout = Objects.requireNonNull(d, "requestTimeout");
            return this;
        }

        /** {@code socket.connection.setup.timeout.ms}. Default {@link #DEFAULT_CONNECT_TIMEOUT}. */
        public Builder connectTimeout(Duration d) {
            this.connectTimeout = Objects.requireNonNull(d, "connectTimeout");
            return this;
        }

        /** {@code socket.connection.setup.timeout.max.ms}. Default {@link #DEFAULT_CONNECT_TIMEOUT_MAX}. */
        public Builder connectTimeoutMax(Duration d) {
            this.connectTimeoutMax = Objects.requireNonNull(d, "connectTimeoutMax");
            return this;
        }

        /** {@code connections.max.idle.ms}; zero never closes. Default {@link #DEFAULT_CONNECTIONS_MAX_IDLE}. */
        public Builder connectionsMaxIdle(Duration d) {
            this.connectionsMaxIdle = Objects.requireNonNull(d, "connectionsMaxIdle");
            return this;
        }

        /** {@code reconnect.backoff.ms} and {@code reconnect.backoff.max.ms}. */
        public Builder reconnectBackoff(Duration initial, Duration max) {
            this.reconnectBackoff = Objects.requireNonNull(initial, "initial");
            this.reconnectBackoffMax = Objects.requireNonNull(max, "max");
            return this;
        }

        /** {@code retry.backoff.ms} and {@code retry.backoff.max.ms}. */
        public Builder retryBackoff(Duration initial, Duration max) {
            this.retryBackoff = Objects.requireNonNull(initial, "initial");
            this.retryBackoffMax = Objects.requireNonNull(max, "max");
            return this;
        }

        /** {@code metadata.max.age.ms}. Default {@link #DEFAULT_METADATA_MAX_AGE}. */
        public Builder metadataMaxAge(Duration d) {
            this.metadataMaxAge = Objects.requireNonNull(d, "metadataMaxAge");
            return this;
        }

        /** {@code max.in.flight.requests.per.connection}. Default {@link #DEFAULT_MAX_IN_FLIGHT}. */
        public Builder maxInFlight(int n) {
            this.maxInFlight = n;
            return this;
        }

        /** {@code skein.max.response.bytes}. Default {@link #DEFAULT_MAX_RESPONSE_BYTES}. */
        public Builder maxResponseBytes(int n) {
            this.maxResponseBytes = n;
            return this;
        }

        /** {@code client.dns.lookup}: {@code use_all_dns_ips} (true, the default) or {@code resolve_canonical_bootstrap_servers_only}. */
        public Builder useAllDnsIps(boolean on) {
            this.useAllDnsIps = on;
            return this;
        }

        /** {@code send.buffer.bytes} and {@code receive.buffer.bytes}; -1 leaves the OS default (the default). */
        public Builder socketBuffers(int sendBytes, int receiveBytes) {
            this.sendBufferBytes = sendBytes;
            this.receiveBufferBytes = receiveBytes;
            return this;
        }

        /** {@code metadata.recovery.strategy}: {@code rebootstrap} (true, the default) or {@code none}. */
        public Builder rebootstrap(boolean on) {
            this.rebootstrap = on;
            return this;
        }

        /** {@code metadata.recovery.rebootstrap.trigger.ms}. Default {@link #DEFAULT_REBOOTSTRAP_TRIGGER}. */
        public Builder rebootstrapTrigger(Duration d) {
            this.rebootstrapTrigger = Objects.requireNonNull(d, "rebootstrapTrigger");
            return this;
        }

        /** {@code security.protocol}; it must match the broker listener's. Default PLAINTEXT. */
        public Builder securityProtocol(SecurityProtocol protocol) {
            this.securityProtocol = Objects.requireNonNull(protocol);
            return this;
        }

        /** The TLS options, replacing any set before. */
        public Builder tls(TlsOptions options) {
            this.tls = options.mutate();
            return this;
        }

        /** Trust the CAs in a JKS, PKCS12 or PEM trust store; see {@link TlsOptions.Builder#trustStore}. */
        public Builder trustStore(Path location, Secret password) {
            tls.trustStore(location, password);
            return this;
        }

        /** Trust the CA certificates in this PEM text; see {@link TlsOptions.Builder#trustCertificates}. */
        public Builder trustCertificates(String pem) {
            tls.trustCertificates(pem);
            return this;
        }

        /** The client certificate for mutual TLS; see {@link TlsOptions.Builder#keyStore}. */
        public Builder keyStore(Path location, Secret storePassword, Secret keyPassword) {
            tls.keyStore(location, storePassword, keyPassword);
            return this;
        }

        /** The client certificate for mutual TLS, as PEM; see {@link TlsOptions.Builder#clientCertificate}. */
        public Builder clientCertificate(String certificateChainPem, Secret privateKeyPem, Secret keyPassword) {
            tls.clientCertificate(certificateChainPem, privateKeyPem, keyPassword);
            return this;
        }

        /** See {@link TlsOptions.Builder#hostnameVerification}. */
        public Builder hostnameVerification(boolean on) {
            tls.hostnameVerification(on);
            return this;
        }

        /**
         * SASL credentials; {@link #securityProtocol} must be SASL_SSL or SASL_PLAINTEXT. They are the
         * typed form of {@code sasl.mechanism}, {@code sasl.jaas.config} and the {@code sasl.oauthbearer.*}
         * properties.
         */
        public Builder sasl(SaslCredentials credentials) {
            this.saslCredentials = Objects.requireNonNull(credentials);
            return this;
        }

        /**
         * How the OAuth client-credentials source made from {@code sasl.oauthbearer.token.endpoint.url}
         * refreshes and checks tokens (the {@code sasl.login.refresh.*} and {@code sasl.oauthbearer.*}
         * settings of {@link OAuthBearerLoginOptions}), replacing any set before. A source given with
         * {@link #sasl} takes its own.
         */
        public Builder oauthBearerLogin(OAuthBearerLoginOptions options) {
            this.oauthLogin = options.mutate();
            return this;
        }

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
                case "bootstrap.servers" -> bootstrapServers(ConfigValues.list(key, value));
                case "client.id" -> clientId(ConfigValues.string(key, value));
                case "request.timeout.ms" -> requestTimeout(ConfigValues.millis(key, value, 1));
                case "socket.connection.setup.timeout.ms" -> connectTimeout(ConfigValues.millis(key, value, 1));
                case "socket.connection.setup.timeout.max.ms" -> connectTimeoutMax(ConfigValues.millis(key, value, 1));
                case "connections.max.idle.ms" -> connectionsMaxIdle(ConfigValues.millis(key, value, 0));
                case "reconnect.backoff.ms" -> reconnectBackoff(ConfigValues.millis(key, value, 0), reconnectBackoffMax);
                case "reconnect.backoff.max.ms" -> reconnectBackoff(reconnectBackoff, ConfigValues.millis(key, value, 0));
                case "retry.backoff.ms" -> retryBackoff(ConfigValues.millis(key, value, 0), retryBackoffMax);
                case "retry.backoff.max.ms" -> retryBackoff(retryBackoff, ConfigValues.millis(key, value, 0));
                case "metadata.max.age.ms" -> metadataMaxAge(ConfigValues.millis(key, value, 0));
                case "max.in.flight.requests.per.connection" -> maxInFlight(ConfigValues.intValue(key, value, 1, 1000));
                case "client.dns.lookup" -> useAllDnsIps(ConfigValues.oneOf(key, value, "use_all_dns_ips",
                        "resolve_canonical_bootstrap_servers_only").equals("use_all_dns_ips"));
                case "send.buffer.bytes" -> socketBuffers(ConfigValues.intValue(key, value, -1, Integer.MAX_VALUE),
                        receiveBufferBytes);
                case "receive.buffer.bytes" -> socketBuffers(sendBufferBytes,
                        ConfigValues.intValue(key, value, -1, Integer.MAX_VALUE));
                case "metadata.recovery.strategy" -> rebootstrap(ConfigValues.oneOf(key, value, "rebootstrap", "none")
                        .equals("rebootstrap"));
                case "metadata.recovery.rebootstrap.trigger.ms" -> rebootstrapTrigger(ConfigValues.millis(key, value, 0));
                case "security.protocol" -> securityProtocol(value instanceof SecurityProtocol sp ? sp
                        : SecurityProtocol.valueOf(ConfigValues.oneOf(key, value, "PLAINTEXT", "SSL", "SASL_PLAINTEXT",
                        "SASL_SSL")));
                case "ssl.truststore.location" -> tls.trustStoreLocation(Path.of(ConfigValues.string(key, value)));
                case "ssl.truststore.password" -> tls.trustStorePassword(secret(key, value));
                case "ssl.truststore.type" -> tls.trustStoreType(ConfigValues.string(key, value));
                case "ssl.truststore.certificates" -> tls.trustCertificates(ConfigValues.string(key, value));
                case "ssl.keystore.location" -> tls.keyStoreLocation(Path.of(ConfigValues.string(key, value)));
                case "ssl.keystore.password" -> tls.keyStorePassword(secret(key, value));
                case "ssl.keystore.type" -> tls.keyStoreType(ConfigValues.string(key, value));
                case "ssl.key.password" -> tls.keyPassword(secret(key, value));
                case "ssl.keystore.certificate.chain" -> tls.certificateChain(ConfigValues.string(key, value));
                case "ssl.keystore.key" -> tls.privateKey(secret(key, value));
                case "ssl.endpoint.identification.algorithm" -> {
                    String a = value == null ? "" : value.toString().trim();
                    if (!a.isEmpty() && !a.equalsIgnoreCase("https")) {
                        throw new ConfigException(key, "must be https (verify the broker's host name) or empty (do not)");
                    }
                    tls.hostnameVerification(!a.isEmpty());
                }
                case "ssl.enabled.protocols" -> tls.enabledProtocols(ConfigValues.list(key, value));
                case "ssl.protocol" -> tls.protocol(ConfigValues.string(key, value));
                case "ssl.cipher.suites" -> tls.cipherSuites(ConfigValues.list(key, value));
                case "sasl.mechanism" -> {
                    String m = ConfigValues.string(key, value);
                    if (SaslCredentials.Mechanism.forName(m) == null) {
                        throw new ConfigException(key, "'" + m + "' is not supported; Skein speaks PLAIN, SCRAM-SHA-256,"
                                + " SCRAM-SHA-512 and OAUTHBEARER");
                    }
                    saslMechanism = m.toUpperCase();
                }
                case "sasl.jaas.config" -> jaasConfig = secret(key, value);
                case "sasl.oauthbearer.token.endpoint.url" -> tokenEndpoint = uri(key, ConfigValues.string(key, value));
                case "sasl.oauthbearer.client.credentials.client.id" -> oauthClientId = ConfigValues.string(key, value);
                case "sasl.oauthbearer.client.credentials.client.secret" -> oauthClientSecret = secret(key, value);
                case "sasl.oauthbearer.scope" -> oauthScope = ConfigValues.string(key, value);
                case "skein.sasl.oauthbearer.allowed.urls" -> allowedTokenEndpoints = List.copyOf(ConfigValues.list(key, value));
                case "skein.max.response.bytes" -> maxResponseBytes = ConfigValues.intValue(key, value, 1024, Integer.MAX_VALUE);
                default -> {
                    if (!OAuthBearerLoginOptions.KEYS.contains(key)) {
                        throw REFUSED.contains(key)
                                ? new ConfigException(key, "is refused: Skein loads no classes and resolves no values"
                                + " named in configuration; use the typed builder methods (sasl(...), trustStore(...))"
                                + " instead")
                                : new ConfigException(key, "unknown configuration key");
                    }
                    oauthLogin.set(key, value);
                }
            }
            return this;
        }

        private static Secret secret(String key, Object value) {
            if (value instanceof Secret s) {
                return s;
            }
            if (value == null) {
                throw new ConfigException(key, "must not be null");
            }
            return Secret.of(value.toString());
        }

        private static URI uri(String key, String value) {
            try {
                return new URI(value);
            } catch (URISyntaxException e) {
                throw new ConfigException(key, "is not a URL");
            }
        }

        private static void checkServers(String key, List<String> servers) {
            for (String s : servers) {
                int colon = s.lastIndexOf(':');
                if (colon <= 0 || colon == s.length() - 1) {
                    throw new ConfigException(key, "'" + s + "' is not host:port");
                }
                ConfigValues.intValue(key, s.substring(colon + 1), 1, 65535);
            }
        }

        /** @throws ConfigException when a required option is missing or options contradict */
        public ClientOptions build() {
            if (bootstrapServers.isEmpty()) {
                throw new ConfigException("bootstrap.servers", "is required (host:port[,host:port...])");
            }
            checkServers("bootstrap.servers", bootstrapServers);
            ConfigValues.millis("request.timeout.ms", requestTimeout, 1);
            ConfigValues.millis("socket.connection.setup.timeout.ms", connectTimeout, 1);
            ConfigValues.millis("socket.connection.setup.timeout.max.ms", connectTimeoutMax, 1);
            ConfigValues.millis("connections.max.idle.ms", connectionsMaxIdle, 0);
            ConfigValues.millis("reconnect.backoff.ms", reconnectBackoff, 0);
            ConfigValues.millis("retry.backoff.ms", retryBackoff, 0);
            ConfigValues.millis("metadata.max.age.ms", metadataMaxAge, 0);
            ConfigValues.millis("metadata.recovery.rebootstrap.trigger.ms", rebootstrapTrigger, 0);
            ConfigValues.intValue("max.in.flight.requests.per.connection", maxInFlight, 1, 1000);
            ConfigValues.intValue("send.buffer.bytes", sendBufferBytes, -1, Integer.MAX_VALUE);
            ConfigValues.intValue("receive.buffer.bytes", receiveBufferBytes, -1, Integer.MAX_VALUE);
            ConfigValues.intValue("skein.max.response.bytes", maxResponseBytes, 1024, Integer.MAX_VALUE);
            if (reconnectBackoffMax.compareTo(reconnectBackoff) < 0) {
                throw new ConfigException("reconnect.backoff.max.ms", "must be at least reconnect.backoff.ms");
            }
            if (retryBackoffMax.compareTo(retryBackoff) < 0) {
                throw new ConfigException("retry.backoff.max.ms", "must be at least retry.backoff.ms");
            }
            OAuthBearerLoginOptions login = oauthLogin.build();
            TlsOptions tlsOptions = tls.build();
            TlsConfig tlsConfig = TlsConfig.of(tlsOptions);
            SslContext ssl = null;
            if (securityProtocol.usesTls()) {
                ssl = tlsConfig.nettyContext();
                if (!tlsOptions.hostnameVerification() && HOSTNAME_WARNING.compareAndSet(false, true)) {
                    log.warn("TLS hostname verification is off (ssl.endpoint.identification.algorithm is empty): any"
                            + " holder of a certificate from a trusted CA can pose as a broker");
                }
            }
            SaslCredentials credentials = saslCredentials != null ? saslCredentials : credentialsFromProperties(tlsConfig, login);
            if (securityProtocol.usesSasl() && credentials == null) {
                throw new ConfigException("sasl.jaas.config", "is required with security.protocol=" + securityProtocol
                        + " (or set credentials with ClientOptions.Builder.sasl(...))");
            }
            if (!securityProtocol.usesSasl() && credentials != null) {
                throw new ConfigException("security.protocol", "is " + securityProtocol + " but SASL credentials are set;"
                        + " use SASL_SSL (or SASL_PLAINTEXT)");
            }
            if (credentials != null && saslMechanism != null && !saslMechanism.equals(credentials.mechanism().wireName())) {
                throw new ConfigException("sasl.mechanism", "is " + saslMechanism + " but the credentials are for "
                        + credentials.mechanism().wireName());
            }
            return new ClientOptions(this, tlsOptions, ssl, credentials);
        }

        /** Credentials from {@code sasl.jaas.config} and {@code sasl.mechanism}, or null when there are none. */
        private SaslCredentials credentialsFromProperties(TlsConfig tls, OAuthBearerLoginOptions login) {
            if (jaasConfig == null) {
                if ("OAUTHBEARER".equals(saslMechanism) && tokenEndpoint != null) {
                    return SaslCredentials.oauthBearer(clientCredentials(tls, login, oauthClientId, oauthClientSecret, oauthScope));
                }
                return null;
            }
            Jaas.Entry entry = Jaas.parse(jaasConfig.reveal());
            Map<String, String> o = entry.options();
            switch (entry.loginModule()) {
                case Jaas.PLAIN -> {
                    String mechanism = saslMechanism == null ? "PLAIN" : saslMechanism;
                    if (!mechanism.equals("PLAIN")) {
                        throw new ConfigException("sasl.mechanism", "is " + mechanism + " but sasl.jaas.config names PlainLoginModule");
                    }
                    return SaslCredentials.plain(required(o, "username"), Secret.of(required(o, "password")));
                }
                case Jaas.SCRAM -> {
                    if (saslMechanism == null || !saslMechanism.startsWith("SCRAM-")) {
                        throw new ConfigException("sasl.mechanism", "must be SCRAM-SHA-256 or SCRAM-SHA-512 with ScramLoginModule");
                    }
                    Secret password = Secret.of(required(o, "password"));
                    String tokenAuth = o.getOrDefault("tokenauth", "false");
                    if (!tokenAuth.equalsIgnoreCase("true") && !tokenAuth.equalsIgnoreCase("false")) {
                        throw new ConfigException("sasl.jaas.config", "option tokenauth must be true or false");
                    }
                    SaslCredentials.Mechanism mechanism = SaslCredentials.Mechanism.forName(saslMechanism);
                    if (tokenAuth.equalsIgnoreCase("true")) { // a delegation token (KIP-48): its id and HMAC
                        return SaslCredentials.delegationToken(mechanism, required(o, "username"), password);
                    }
                    return mechanism == SaslCredentials.Mechanism.SCRAM_SHA_256 ? SaslCredentials.scramSha256(required(o, "username"), password)
                            : SaslCredentials.scramSha512(required(o, "username"), password);
                }
                default -> {
                    if (saslMechanism != null && !saslMechanism.equals("OAUTHBEARER")) {
                        throw new ConfigException("sasl.mechanism", "is " + saslMechanism + " but sasl.jaas.config names"
                                + " OAuthBearerLoginModule");
                    }
                    if (tokenEndpoint != null) {
                        String id = oauthClientId != null ? oauthClientId : o.get("clientId");
                        Secret secret = oauthClientSecret != null ? oauthClientSecret
                                : o.containsKey("clientSecret") ? Secret.of(o.get("clientSecret")) : null;
                        return oauthBearer(clientCredentials(tls, login, id, secret,
                                oauthScope != null ? oauthScope : o.get("scope")), entry);
                    }
                    String sub = o.get("unsecuredLoginStringClaim_sub");
                    if (sub == null) {
                        throw new ConfigException("sasl.oauthbearer.token.endpoint.url", "is required with"
                                + " OAuthBearerLoginModule (or, for brokers that accept unsecured tokens,"
                                + " the unsecuredLoginStringClaim_sub option)");
                    }
                    long lifetime = ConfigValues.longValue("sasl.jaas.config unsecuredLoginLifetimeSeconds",
                            o.getOrDefault("unsecuredLoginLifetimeSeconds", "3600"), 1, Integer.MAX_VALUE);
                    return oauthBearer(OAuthBearerTokenSource.unsecured(sub, Duration.ofSeconds(lifetime)), entry);
                }
            }
        }

        /** OAUTHBEARER credentials with the entry's SASL extensions (KIP-342). */
        private static SaslCredentials oauthBearer(OAuthBearerTokenSource tokens, Jaas.Entry entry) {
            try {
                return SaslCredentials.oauthBearer(tokens, Jaas.extensions(entry));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("sasl.jaas.config", e.getMessage());
            }
        }

        private OAuthBearerTokenSource clientCredentials(TlsConfig tls, OAuthBearerLoginOptions login, String id,
                                                         Secret secret, String scope) {
            String key = "sasl.oauthbearer.token.endpoint.url";
            if (tokenEndpoint.getRawUserInfo() != null) {
                throw new ConfigException(key, "must not hold user credentials (user:password@): they would be printed"
                        + " wherever the endpoint is named; give the client id and secret as their own options");
            }
            if (!"https".equalsIgnoreCase(tokenEndpoint.getScheme()) || tokenEndpoint.getHost() == null) {
                throw new ConfigException(key, "must be an https URL; Skein sends client secrets over TLS only");
            }
            Set<String> allowed = new HashSet<>(allowedTokenEndpoints);
            if (!allowed.contains(tokenEndpoint.toString())) {
                throw new ConfigException(key, "is not listed in skein.sasl.oauthbearer.allowed.urls; Skein asks for"
                        + " tokens only at endpoints listed there");
            }
            if (id == null || secret == null) {
                throw new ConfigException("sasl.oauthbearer.client.credentials.client.id", "and the client secret are"
                        + " required for the client-credentials grant (or clientId and clientSecret in sasl.jaas.config)");
            }
            boolean ownTrust = tls.trustCertificates != null || tls.trustStoreLocation != null;
            return new ClientCredentialsTokenSource(tokenEndpoint, id, secret, scope, ownTrust ? tls.jdkContext() : null,
                    login);
        }

        private static String required(Map<String, String> options, String name) {
            String v = options.get(name);
            if (v == null || v.isEmpty()) {
                throw new ConfigException("sasl.jaas.config", "has no " + name + " option");
            }
            return v;
        }
    }
}
