package dev.skein.serdes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skein.core.errors.ConfigException;
import dev.skein.serdes.internal.RegistryHttp;

import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
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
 * <p>Schemas by id, and ids by (subject, schema), are cached for the client's lifetime (they never
 * change); the latest version of a subject is cached for {@link Builder#latestCacheTtl}. Calls block
 * the calling thread (never a Skein network thread) for at most the timeout per attempt; 5xx answers
 * and connection failures are retried, 4xx answers raise {@link SchemaRegistryException} at once.
 * Thread-safe.
 */
public final class SchemaRegistryClient {
    private final RegistryHttp http;
    private final long latestTtlNanos;
    private final Map<Integer, RegisteredSchema> byId = new ConcurrentHashMap<>();
    private final Map<String, Integer> idBySubjectAndSchema = new ConcurrentHashMap<>();
    private final Map<String, Latest> latestBySubject = new ConcurrentHashMap<>();

    private record Latest(RegisteredSchema schema, long fetchedNanos) {}

    private SchemaRegistryClient(Builder b) {
        HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(b.timeout);
        if (b.sslContext != null) {
            hb.sslContext(b.sslContext);
        }
        this.http = new RegistryHttp(b.url, hb.build(), b.authorization, b.timeout, b.maxRetries, b.retryBackoff);
        this.latestTtlNanos = b.latestCacheTtl.toNanos();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The registry's base URL. */
    public String url() {
        return http.baseUrl();
    }

    /** Registers an Avro schema under {@code subject} (or finds it registered) and returns its id. */
    public int register(String subject, String schema) {
        return register(subject, schema, "AVRO");
    }

    public int register(String subject, String schema, String schemaType) {
        String key = subject + '\u0000' + schemaType + '\u0000' + schema;
        Integer cached = idBySubjectAndSchema.get(key);
        if (cached != null) {
            return cached;
        }
        JsonNode r = http.call("POST", "/subjects/" + enc(subject) + "/versions", body(schema, schemaType), subject);
        int id = r.get("id").asInt();
        idBySubjectAndSchema.put(key, id);
        byId.putIfAbsent(id, new RegisteredSchema(null, -1, id, schema, schemaType));
        return id;
    }

    /** Finds {@code schema} among the versions of {@code subject} without registering it. */
    public RegisteredSchema lookup(String subject, String schema, String schemaType) {
        String key = subject + '\u0000' + schemaType + '\u0000' + schema;
        Integer cached = idBySubjectAndSchema.get(key);
        if (cached != null && byId.containsKey(cached)) {
            RegisteredSchema s = byId.get(cached);
            return new RegisteredSchema(subject, s.version(), cached, schema, schemaType);
        }
        RegisteredSchema s = parse(http.call("POST", "/subjects/" + enc(subject), body(schema, schemaType), subject), subject);
        idBySubjectAndSchema.put(key, s.id());
        return s;
    }

    /** The schema with this id. */
    public RegisteredSchema schemaById(int id) {
        RegisteredSchema cached = byId.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode r = http.call("GET", "/schemas/ids/" + id, null, null);
        RegisteredSchema s = new RegisteredSchema(null, -1, id, r.get("schema").asText(),
                r.has("schemaType") ? r.get("schemaType").asText() : "AVRO");
        byId.put(id, s);
        return s;
    }

    /** The latest version of {@code subject}, cached for the latest-cache TTL. */
    public RegisteredSchema latest(String subject) {
        Latest l = latestBySubject.get(subject);
        if (l != null && System.nanoTime() - l.fetchedNanos() < latestTtlNanos) {
            return l.schema();
        }
        RegisteredSchema s = version(subject, "latest");
        latestBySubject.put(subject, new Latest(s, System.nanoTime()));
        return s;
    }

    public RegisteredSchema version(String subject, int version) {
        return version(subject, Integer.toString(version));
    }

    private RegisteredSchema version(String subject, String version) {
        RegisteredSchema s = parse(http.call("GET", "/subjects/" + enc(subject) + "/versions/" + version, null, subject),
                subject);
        byId.putIfAbsent(s.id(), s);
        return s;
    }

    public List<String> subjects() {
        List<String> out = new ArrayList<>();
        http.call("GET", "/subjects", null, null).forEach(n -> out.add(n.asText()));
        return out;
    }

    public List<Integer> versions(String subject) {
        List<Integer> out = new ArrayList<>();
        http.call("GET", "/subjects/" + enc(subject) + "/versions", null, subject).forEach(n -> out.add(n.asInt()));
        return out;
    }

    /** Whether {@code schema} is compatible with the latest version of {@code subject}, under its level. */
    public boolean isCompatible(String subject, String schema) {
        return http.call("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest",
                body(schema, "AVRO"), subject).path("is_compatible").asBoolean(false);
    }

    /** The subject's compatibility level, or the global one when {@code subject} is null. */
    public Compatibility compatibility(String subject) {
        JsonNode r = http.call("GET", subject == null ? "/config" : "/config/" + enc(subject) + "?defaultToGlobal=true",
                null, subject);
        String level = r.has("compatibilityLevel") ? r.get("compatibilityLevel").asText() : r.path("compatibility").asText();
        return Compatibility.valueOf(level);
    }

    /** Sets the subject's compatibility level, or the global one when {@code subject} is null. */
    public void setCompatibility(String subject, Compatibility level) {
        http.call("PUT", subject == null ? "/config" : "/config/" + enc(subject),
                Map.of("compatibility", level.name()), subject);
    }

    private static Map<String, Object> body(String schema, String schemaType) {
        return "AVRO".equals(schemaType) ? Map.of("schema", schema) : Map.of("schema", schema, "schemaType", schemaType);
    }

    private static RegisteredSchema parse(JsonNode r, String subject) {
        return new RegisteredSchema(r.has("subject") ? r.get("subject").asText() : subject, r.path("version").asInt(-1),
                r.get("id").asInt(), r.get("schema").asText(), r.has("schemaType") ? r.get("schemaType").asText() : "AVRO");
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

        private Builder() {}

        /** The registry's base URL, http or https. Required. */
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

        /** Retries of 5xx answers, timeouts and connection failures. Default 3, backoff 100 ms doubling. */
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

        public SchemaRegistryClient build() {
            if (url == null || !(url.startsWith("http://") || url.startsWith("https://"))) {
                throw new ConfigException("schema.registry.url", "must be an http:// or https:// URL, was " + url);
            }
            if (maxRetries < 0) {
                throw new ConfigException("retries", "must be >= 0");
            }
            return new SchemaRegistryClient(this);
        }
    }
}
