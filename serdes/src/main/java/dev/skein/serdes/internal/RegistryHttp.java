package dev.skein.serdes.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.serdes.SchemaRegistryException;
import dev.skein.serdes.SchemaRegistryException.Kind;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * HTTP to a Schema Registry at one or more URLs (instances of one registry, as Confluent's
 * {@code schema.registry.url} lists them): JSON bodies, auth header, timeouts, retries of 5xx and 429
 * answers, timeouts and connection failures with exponential backoff and jitter. Other 4xx answers are
 * final and mapped to a {@link Kind}; every error names the registry URL it came from, and the subject
 * and version when the call has them.
 *
 * <p>Failover: a call tries each URL once, starting at the one that answered last, moving on after a
 * failure worth retrying; only then do retries with backoff count, still moving on each time. The URL
 * in use is one shared field, so threads that fail over together may each move it one step: harmless,
 * as any URL will do and the next failure moves it again.
 */
public final class RegistryHttp {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> baseUrls;
    private final AtomicInteger current = new AtomicInteger();
    private final HttpClient http;
    private final Supplier<String> authorization;
    private final Duration timeout;
    private final int maxRetries;
    private final Duration retryBackoff;

    public RegistryHttp(List<String> baseUrls, HttpClient http, Supplier<String> authorization, Duration timeout,
                        int maxRetries, Duration retryBackoff) {
        if (baseUrls.isEmpty()) {
            throw new IllegalArgumentException("no registry URL");
        }
        this.baseUrls = baseUrls.stream().map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u).toList();
        this.http = http;
        this.authorization = authorization;
        this.timeout = timeout;
        this.maxRetries = maxRetries;
        this.retryBackoff = retryBackoff;
    }

    /** The registry's URLs, comma-separated as configured. */
    public String baseUrl() {
        return String.join(",", baseUrls);
    }

    public static ObjectMapper json() {
        return JSON;
    }

    /**
     * Sends one call and returns the parsed JSON answer.
     *
     * @param subject named in error messages; may be null
     * @param version named in error messages ("3", "latest"); may be null
     */
    public JsonNode call(String method, String path, Object body, String subject, String version) {
        String about = (subject == null ? "" : ", subject " + subject) + (version == null ? "" : ", version " + version);
        byte[] payload;
        try {
            payload = body == null ? null : JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode request body", e);
        }
        SchemaRegistryException last = null;
        int urls = baseUrls.size();
        for (int attempt = 0; attempt < urls + maxRetries; attempt++) {
            int index = current.get();
            if (attempt > 0 && urls > 1) { // the last attempt failed in a way worth retrying: the next URL
                current.compareAndSet(index, (index + 1) % urls);
                index = current.get();
            }
            String baseUrl = baseUrls.get(index);
            String url = baseUrl + path;
            String where = "schema registry " + baseUrl + about;
            if (attempt >= urls) { // each URL has had its try: back off before the next
                long base = retryBackoff.toMillis() << Math.min(10, attempt - urls);
                // jitter, so that many clients that failed together do not retry together
                try {
                    Thread.sleep(base + ThreadLocalRandom.current().nextLong(base / 2 + 1));
                } catch (InterruptedException e) {
                    // Stop at once, keeping the failure that made us wait as the cause.
                    Thread.currentThread().interrupt();
                    SchemaRegistryException stopped = new SchemaRegistryException(Kind.UNREACHABLE,
                            where + ": interrupted while waiting to retry " + method + " " + path, -1, -1, last);
                    throw stopped;
                }
            }
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                    .header("Accept", CONTENT_TYPE + ", application/json");
            if (authorization != null) {
                req.header("Authorization", authorization.get());
            }
            if (payload == null) {
                req.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                req.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofByteArray(payload));
            }
            HttpResponse<byte[]> resp;
            try {
                resp = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (HttpTimeoutException e) {
                last = new SchemaRegistryException(Kind.TIMEOUT, where + ": " + method + " " + path
                        + " timed out after " + timeout, -1, -1, e);
                continue;
            } catch (IOException e) {
                last = new SchemaRegistryException(Kind.UNREACHABLE, where + " is unreachable: " + e, -1, -1, e);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException(Kind.UNREACHABLE, where + ": interrupted", -1, -1, e);
            }
            int status = resp.statusCode();
            if (status >= 200 && status < 300) {
                return success(resp.body(), where + ": " + method + " " + path + " answered " + status, status);
            }
            JsonNode answer = parse(resp.body());
            int code = answer != null && answer.has("error_code") ? answer.get("error_code").asInt() : -1;
            String message = answer != null && answer.has("message") ? answer.get("message").asText() : "";
            Kind kind = kind(status, code);
            SchemaRegistryException e = new SchemaRegistryException(kind,
                    where + ": " + method + " " + path + " answered " + status
                            + (code > 0 ? " (error " + code + ")" : "") + (message.isEmpty() ? "" : ": " + message)
                            + hint(kind),
                    status, code, null);
            // 429 (rate limited) is worth another try, like a 5xx; other 4xx answers would repeat
            if (status < 500 && status != 429) {
                throw e;
            }
            last = e;
        }
        throw last;
    }

    private static Kind kind(int status, int code) {
        return switch (code) {
            case 40401 -> Kind.SUBJECT_NOT_FOUND;
            case 40402 -> Kind.VERSION_NOT_FOUND;
            case 40403 -> Kind.SCHEMA_NOT_FOUND;
            case 42201 -> Kind.INVALID_SCHEMA;
            default -> switch (status) {
                case 401 -> Kind.UNAUTHORIZED;
                case 403 -> Kind.FORBIDDEN;
                case 404 -> Kind.SCHEMA_NOT_FOUND;
                case 409 -> Kind.INCOMPATIBLE_SCHEMA;
                case 422 -> Kind.INVALID_SCHEMA;
                case 429 -> Kind.RATE_LIMITED;
                default -> status >= 500 ? Kind.SERVER_ERROR : Kind.BAD_REQUEST;
            };
        };
    }

    private static String hint(Kind kind) {
        return switch (kind) {
            case UNAUTHORIZED -> " (no or wrong credentials: see basicAuth / bearerToken)";
            case FORBIDDEN -> " (the credentials are valid but not allowed this operation on this subject)";
            case SUBJECT_NOT_FOUND -> " (no schema registered under this subject)";
            case VERSION_NOT_FOUND -> " (the subject has no such version)";
            case INCOMPATIBLE_SCHEMA -> " (the schema breaks the subject's compatibility level)";
            case INVALID_SCHEMA -> " (the registry cannot parse the schema or resolve its references)";
            default -> "";
        };
    }

    private static JsonNode success(byte[] body, String what, int status) {
        if (body == null || body.length == 0) {
            return JSON.missingNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new SchemaRegistryException(Kind.MALFORMED_RESPONSE, what + " with a body that is not JSON: "
                    + preview(new String(body, StandardCharsets.UTF_8)), status, -1, e);
        }
    }

    /** The start of an answer, for an error message. */
    public static String preview(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "...";
    }

    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.getNodeFactory().objectNode().put("message", new String(body, StandardCharsets.UTF_8));
        }
    }

}
