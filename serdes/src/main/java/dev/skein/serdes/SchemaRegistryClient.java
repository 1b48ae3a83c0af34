package dev.skein.serdes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skein.core.errors.ConfigException;
import dev.skein.serdes.internal.BoundedCache;
import dev.skein.core.internal.config.ConfigValues;
import dev.skein.serdes.internal.RegistryHttp;
import dev.skein.serdes.internal.RegistryJson;
import dev.skein.serdes.internal.RegistryTls;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * A client of a Confluent-compatible Schema Registry REST API.
 *
 * <pre>{@code
 * SchemaRegistryClient registry = SchemaRegistryClient.builder()
 *         .url("https://registry:8081")
 *         .basicAuth("user", "secret")
 *         .build();
 * int id = registry.register("orders-value", schemaJson);
 * }</pre>
 *
 * <p>Schemas by id, ids by (subject, schema) and schemas by (subject, version) never change, so they
 * are cached in bounded LRU caches ({@link Builder#cacheCapacity}); the latest version of a subject is
 * cached for {@link Builder#latestCacheTtl}, and kept past it while the registry cannot be reached.
 * Calls block the calling thread (never a Skein network thread) for at most the timeout per attempt;
 * 5xx, 429 and 408 answers, timeouts and connection failures are retried with exponential backoff and
 * jitter (with several URLs, on the next one); other 4xx answers raise {@link SchemaRegistryException}
 * at once, naming the registry, the subject and the version. An answer larger than 16 MiB is refused
 * ({@link SchemaRegistryException.Kind#RESPONSE_TOO_LARGE}), never buffered whole. Thread-safe.
 */
public final class SchemaRegistryClient {
    /** Default capacity of each schema cache. */
    public static final int DEFAULT_CACHE_CAPACITY = 1000;

    private final RegistryHttp http;
    private final long latestTtlNanos;
    private final boolean normalize;
    private final int cacheCapacity;
    private final BoundedCache<Integer, RegisteredSchema> byId;
    private final BoundedCache<String, RegisteredSchema> bySubjectAndSchema;
    private final BoundedCache<String, RegisteredSchema> bySubjectAndVersion;
    private final BoundedCache<String, Latest> latestBySubject;

    private record Latest(RegisteredSchema schema, long fetchedNanos) {}

    private SchemaRegistryClient(Builder b) {
        HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(b.timeout);
        if (b.sslContext != null) {
            hb.sslContext(b.sslContext);
        }
        this.http = new RegistryHttp(RegistryJson.urls(b.url), hb.build(), b.authorization, b.timeout, b.maxRetries, b.retryBackoff);
        this.latestTtlNanos = b.latestCacheTtl.toNanos();
        this.normalize = b.normalize;
        this.cacheCapacity = b.cacheCapacity;
        this.byId = new BoundedCache<>(b.cacheCapacity);
        this.bySubjectAndSchema = new BoundedCache<>(b.cacheCapacity);
        this.bySubjectAndVersion = new BoundedCache<>(b.cacheCapacity);
        this.latestBySubject = new BoundedCache<>(b.cacheCapacity);
    }

    /** {@link Builder#cacheCapacity}: the registry serdes size their own caches by it too. */
    int cacheCapacity() {
        return cacheCapacity;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The registry's base URL, or its URLs comma-separated. */
    public String url() {
        return http.baseUrl();
    }

    /** Registers an Avro schema under {@code subject} (or finds it registered) and returns its id. */
    public int register(String subject, String schema) {
        return register(subject, schema, "AVRO");
    }

    /** Registers a schema of {@code schemaType} (AVRO, JSON, PROTOBUF) without references. */
    public int register(String subject, String schema, String schemaType) {
        return register(subject, schema, schemaType, List.of());
    }

    /**
     * Registers a schema that uses other registered schemas (Protobuf imports, JSON Schema
     * {@code $ref}s) under {@code subject}, or finds it registered, and returns its id. With
     * {@link Builder#normalize} the registry normalizes it first. Cached per (subject, schema, refs).
     */
    public int register(String subject, String schema, String schemaType, List<SchemaReference> references) {
        String key = key(subject, schema, schemaType, references);
        RegisteredSchema cached = bySubjectAndSchema.get(key);
        if (cached != null) {
            return cached.id();
        }
        JsonNode r = http.call("POST", "/subjects/" + enc(subject) + "/versions" + normalizeQuery(),
                RegistryJson.body(schema, schemaType, references), subject, null);
        int id = required(r, "id", "registering under subject " + subject).asInt();
        bySubjectAndSchema.put(key, new RegisteredSchema(subject, -1, id, schema, schemaType, references));
        byId.putIfAbsent(id, new RegisteredSchema(null, -1, id, schema, schemaType, references));
        return id;
    }

    /** Finds {@code schema} among the versions of {@code subject} without registering it. */
    public RegisteredSchema lookup(String subject, String schema, String schemaType) {
        return lookup(subject, schema, schemaType, List.of());
    }

    /**
     * Finds {@code schema} (with these references) among the versions of {@code subject} without
     * registering it.
     *
     * @throws SchemaRegistryException of kind SUBJECT_NOT_FOUND or SCHEMA_NOT_FOUND when it is not there
     */
    public RegisteredSchema lookup(String subject, String schema, String schemaType, List<SchemaReference> references) {
        String key = key(subject, schema, schemaType, references);
        RegisteredSchema cached = bySubjectAndSchema.get(key);
        if (cached != null && cached.version() > 0) {
            return cached;
        }
        RegisteredSchema s = parse(http.call("POST", "/subjects/" + enc(subject) + normalizeQuery(),
                RegistryJson.body(schema, schemaType, references), subject, null), subject);
        bySubjectAndSchema.put(key, s);
        return s;
    }

    /** The schema with this id (cached: ids never change). */
    public RegisteredSchema schemaById(int id) {
        RegisteredSchema cached = byId.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode r = http.call("GET", "/schemas/ids/" + id, null, null, null);
        RegisteredSchema s = new RegisteredSchema(null, -1, id, required(r, "schema", "schema id " + id).asText(),
                r.has("schemaType") ? r.get("schemaType").asText() : "AVRO", RegistryJson.references(r));
        byId.put(id, s);
        return s;
    }

    /**
     * The latest version of {@code subject}, cached for the latest-cache TTL. When the TTL has passed
     * and the registry cannot answer now (a retriable failure: unreachable, timed out, 5xx, 429), the
     * last answer is returned again: a use-latest serializer keeps writing through a registry outage,
     * as Confluent's do (their latest cache never expires by default). Any other answer is thrown.
     */
    public RegisteredSchema latest(String subject) {
        Latest l = latestBySubject.get(subject);
        if (l != null && System.nanoTime() - l.fetchedNanos() < latestTtlNanos) {
            return l.schema();
        }
        RegisteredSchema s;
        try {
            s = fetchVersion(subject, "latest");
        } catch (SchemaRegistryException e) {
            if (l != null && e.isRetriable()) {
                // for another TTL: calls meanwhile answer at once, not each after the full retry time
                latestBySubject.put(subject, new Latest(l.schema(), System.nanoTime()));
                return l.schema();
            }
            throw e;
        }
        latestBySubject.put(subject, new Latest(s, System.nanoTime()));
        return s;
    }

    /** Version {@code version} (1, 2, ...) of {@code subject} (cached: a version never changes). */
    public RegisteredSchema version(String subject, int version) {
        String key = subject + '\u0000' + version;
        RegisteredSchema cached = bySubjectAndVersion.get(key);
        if (cached != null) {
            return cached;
        }
        RegisteredSchema s = fetchVersion(subject, Integer.toString(version));
        bySubjectAndVersion.put(key, s);
        return s;
    }

    private RegisteredSchema fetchVersion(String subject, String version) {
        RegisteredSchema s = parse(http.call("GET", "/subjects/" + enc(subject) + "/versions/" + version, null,
                subject, version), subject);
        byId.putIfAbsent(s.id(), s);
        return s;
    }

    public List<String> subjects() {
        List<String> out = new ArrayList<>();
        http.call("GET", "/subjects", null, null, null).forEach(n -> out.add(n.asText()));
        return out;
    }

    public List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        http.call("GET", "/subjects/" + enc(subject) + "/versions", null, subject, null).forEach(n -> out.add(n.asInt()));
        return out;
    }

    /** Whether {@code schema} is compatible with the latest version of {@code subject}, under its level. */
    public boolean isCompatible(String subject, String schema) {
        return isCompatible(subject, schema, "AVRO", List.of());
    }

    /**
     * Whether {@code schema} of {@code schemaType} ("AVRO", "PROTOBUF", "JSON"), with these references,
     * is compatible with the latest version of {@code subject}, under its level.
     */
    public boolean isCompatible(String subject, String schema, String schemaType, List<SchemaReference> references) {
        return http.call("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest",
                RegistryJson.body(schema, schemaType, references), subject, "latest").path("is_compatible").asBoolean(false);
    }

    /** The subject's compatibility level, or the global one when {@code subject} is null. */
    public Compatibility compatibility(String subject) {
        JsonNode r = http.call("GET", subject == null ? "/config" : "/config/" + enc(subject) + "?defaultToGlobal=true",
                null, subject, null);
        String level = r.has("compatibilityLevel") ? r.get("compatibilityLevel").asText() : r.path("compatibility").asText();
        try {
            return Compatibility.valueOf(level);
        } catch (IllegalArgumentException e) {
            throw new SchemaRegistryException(SchemaRegistryException.Kind.MALFORMED_RESPONSE, "schema registry " + url()
                    + ": unknown compatibility level '" + level + "' for " + (subject == null ? "the registry" : "subject " + subject),
                    200, -1, e);
        }
    }

    /** Sets the subject's compatibility level, or the global one when {@code subject} is null. */
    public void setCompatibility(String subject, Compatibility level) {
        http.call("PUT", subject == null ? "/config" : "/config/" + enc(subject),
                Map.of("compatibility", level.name()), subject, null);
    }

    private String normalizeQuery() {
        return normalize ? "?normalize=true" : "";
    }

    private static String key(String subject, String schema, String schemaType, List<SchemaReference> references) {
        return subject + '\u0000' + schemaType + '\u0000' + references + '\u0000' + schema;
    }

    /** A field every registry sends; its absence means the answer came from something else. */
    private JsonNode required(JsonNode answer, String field, String what) {
        JsonNode v = answer.get(field);
        if (v == null || v.isNull()) {
            throw new SchemaRegistryException(SchemaRegistryException.Kind.MALFORMED_RESPONSE, "schema registry " + url()
                    + ": the answer for " + what + " has no \"" + field + "\": "
                    + RegistryHttp.preview(answer.toString()), 200, -1, null);
        }
        return v;
    }

    private RegisteredSchema parse(JsonNode r, String subject) {
        return new RegisteredSchema(r.has("subject") ? r.get("subject").asText() : subject, r.path("version").asInt(-1),
                required(r, "id", "subject " + subject).asInt(), required(r, "schema", "subject " + subject).asText(),
                r.has("schemaType") ? r.get("schemaType").asText() : "AVRO",
                RegistryJson.references(r));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Options of a {@link SchemaRegistryClient}. */
    public static final class Builder {
        private String url;
        private Supplier<String> authorization;
        private SSLContext sslContext;
        private Duration timeout = Duration.ofSeconds(10);
        private int maxRetries = 3;
        private Duration retryBackoff = Duration.ofMillis(100);
        private Duration latestCacheTtl = Duration.ofMinutes(1);
        private int cacheCapacity = DEFAULT_CACHE_CAPACITY;
        private boolean normalize;
        private String basicUserInfo;
        private String bearerToken;
        private Path trustStore;
        private char[] trustStorePassword;
        private Path keyStore;
        private char[] keyStorePassword;

        private Builder() {}

        /** Sets every entry by its standard (Confluent client) name; see {@link #set}. */
        public Builder properties(Map<String, ?> props) {
            props.forEach(this::set);
            return this;
        }

        /** Sets every entry by its standard (Confluent client) name; see {@link #set}. */
        public Builder properties(Properties props) {
            props.stringPropertyNames().forEach(k -> set(k, props.getProperty(k)));
            return this;
        }

        /**
         * Sets one option by the name Confluent's registry clients use, the value a string or the typed
         * value: {@code schema.registry.url} (one URL or several, comma-separated),
         * {@code basic.auth.credentials.source} ({@code USER_INFO}) with {@code basic.auth.user.info} ({@code user:password}),
         * {@code bearer.auth.credentials.source} ({@code STATIC_TOKEN}) with {@code bearer.auth.token},
         * {@code schema.registry.ssl.truststore.location} / {@code .password} / {@code .type},
         * {@code schema.registry.ssl.keystore.location} / {@code .password} / {@code .type} (PKCS12 or
         * JKS), {@code max.schemas.per.subject} (the cache capacity), {@code latest.cache.ttl.sec},
         * {@code normalize.schemas}, {@code http.read.timeout.ms}, {@code max.retries} and
         * {@code retries.wait.ms}.
         *
         * @throws ConfigException naming the key when it is unknown or its value cannot be read
         */
        public Builder set(String key, Object value) {
            switch (key) {
                case "schema.registry.url" -> url(ConfigValues.string(key, value));
                case "basic.auth.credentials.source" -> ConfigValues.oneOf(key, value, "USER_INFO");
                case "basic.auth.user.info" -> basicUserInfo = ConfigValues.string(key, value);
                case "bearer.auth.credentials.source" -> ConfigValues.oneOf(key, value, "STATIC_TOKEN");
                case "bearer.auth.token" -> bearerToken = ConfigValues.string(key, value);
                case "schema.registry.ssl.truststore.location" -> trustStore = Path.of(ConfigValues.string(key, value));
                case "schema.registry.ssl.truststore.password" -> trustStorePassword = ConfigValues.string(key, value).toCharArray();
                case "schema.registry.ssl.keystore.location" -> keyStore = Path.of(ConfigValues.string(key, value));
                case "schema.registry.ssl.keystore.password" -> keyStorePassword = ConfigValues.string(key, value).toCharArray();
                case "schema.registry.ssl.truststore.type", "schema.registry.ssl.keystore.type" ->
                        ConfigValues.oneOf(key, value, "PKCS12", "JKS"); // both read by the PKCS12 loader
                case "max.schemas.per.subject" -> cacheCapacity((int) ConfigValues.longValue(key, value, 1, Integer.MAX_VALUE));
                case "latest.cache.ttl.sec" -> latestCacheTtl(Duration.ofSeconds(ConfigValues.longValue(key, value, 0, Long.MAX_VALUE / 1_000_000_000L)));
                case "normalize.schemas" -> normalize(ConfigValues.bool(key, value));
                case "http.read.timeout.ms" -> timeout(Duration.ofMillis(ConfigValues.longValue(key, value, 1, Integer.MAX_VALUE)));
                case "max.retries" -> maxRetries = (int) ConfigValues.longValue(key, value, 0, 100);
                case "retries.wait.ms" -> retryBackoff = Duration.ofMillis(ConfigValues.longValue(key, value, 0, Integer.MAX_VALUE));
                default -> throw new ConfigException(key, "not a Schema Registry client option");
            }
            return this;
        }

        /**
         * The registry's base URL, http or https, or the URLs of several instances of one registry
         * comma-separated (as Confluent's {@code schema.registry.url}): a call that cannot reach one, or
         * gets a 5xx or 429 from it, tries the next. Required.
         */
        public Builder url(String url) {
            this.url = url;
            return this;
        }

        public Builder basicAuth(String user, String password) {
            String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            this.authorization = () -> "Basic " + token;
            return this;
        }

        /** A bearer token, asked for on every call (so it can rotate). */
        public Builder bearerToken(Supplier<String> token) {
            Objects.requireNonNull(token, "token");
            this.authorization = () -> "Bearer " + token.get();
            return this;
        }

        /** Trust and key material for https registries; the JDK default otherwise. */
        public Builder sslContext(SSLContext context) {
            this.sslContext = context;
            return this;
        }

        /** Connect and per-attempt request timeout. Default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * Retries of 5xx, 429 and 408 answers, timeouts and connection failures. Default 3, backoff 100 ms
         * doubling, with up to 50% random jitter.
         */
        public Builder retries(int maxRetries, Duration backoff) {
            this.maxRetries = maxRetries;
            this.retryBackoff = backoff;
            return this;
        }

        /** How long {@link #latest} answers from cache. Default 1 minute. */
        public Builder latestCacheTtl(Duration ttl) {
            this.latestCacheTtl = ttl;
            return this;
        }

        /**
         * How many schemas each cache (by id, by subject and schema, by subject and version) holds,
         * least recently used out first. Default {@value #DEFAULT_CACHE_CAPACITY}. The registry serdes
         * built on this client hold about as many ids, schemas, readers, writers and validators each.
         */
        public Builder cacheCapacity(int capacity) {
            this.cacheCapacity = capacity;
            return this;
        }

        /**
         * Ask the registry to normalize schemas on register and lookup ({@code ?normalize=true}), so
         * that schemas that differ only in form (whitespace, order of Protobuf options, ...) share one
         * id. Default off, as in Confluent's clients.
         */
        public Builder normalize(boolean on) {
            this.normalize = on;
            return this;
        }

        /**
         * TLS from key stores (PKCS12 or JKS): {@code trustStore} holds the registry's CA, and
         * {@code keyStore} (may be null) this client's certificate for mutual TLS. Host names are
         * verified (the JDK HTTP client always does).
         *
         * @throws ConfigException when a store cannot be read or opened with its password
         */
        public Builder tls(Path trustStore, char[] trustStorePassword, Path keyStore, char[] keyStorePassword) {
            this.sslContext = RegistryTls.context(trustStore, trustStorePassword, keyStore, keyStorePassword);
            return this;
        }

        public SchemaRegistryClient build() {
            if (basicUserInfo != null) {
                int colon = basicUserInfo.indexOf(':');
                if (colon < 0) {
                    throw new ConfigException("basic.auth.user.info", "must be user:password");
                }
                basicAuth(basicUserInfo.substring(0, colon), basicUserInfo.substring(colon + 1));
            }
            if (bearerToken != null) {
                String token = bearerToken;
                bearerToken(() -> token);
            }
            if (trustStore != null || keyStore != null) {
                tls(trustStore, trustStorePassword, keyStore, keyStorePassword);
            }
            // Each check names the Confluent key that sets the option. Without them a bad value surfaced
            // late and as something else: a negative backoff as IllegalArgumentException from
            // Thread.sleep at the first retry, hiding the registry error that caused the retry.
            if (cacheCapacity < 1) {
                throw new ConfigException("max.schemas.per.subject", "must be >= 1, was " + cacheCapacity);
            }
            RegistryJson.urls(url); // each URL checked
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new ConfigException("http.read.timeout.ms", "must be > 0, was " + timeout);
            }
            if (maxRetries < 0) {
                throw new ConfigException("max.retries", "must be >= 0, was " + maxRetries);
            }
            if (retryBackoff == null || retryBackoff.isNegative()) {
                throw new ConfigException("retries.wait.ms", "must be >= 0, was " + retryBackoff);
            }
            if (latestCacheTtl == null || latestCacheTtl.isNegative()) {
                throw new ConfigException("latest.cache.ttl.sec", "must be >= 0, was " + latestCacheTtl);
            }
            return new SchemaRegistryClient(this);
        }
    }
}
