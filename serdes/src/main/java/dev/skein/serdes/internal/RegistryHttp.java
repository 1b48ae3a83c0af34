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
 * {@code schema.registry.url} lists them): JSON bodies, auth header, timeouts, retries of 5xx, 429 and
 * 408 answers, timeouts and connection failures with exponential backoff and jitter. Other 4xx answers
 * are final and mapped to a {@link Kind} by the registry's error code (Confluent's
 * {@code rest.exceptions.Errors}); every error names the registry URL it came from, and the subject and
 * version when the call has them. An answer's body is buffered up to {@link #MAX_RESPONSE_BYTES}; a
 * larger one is {@link Kind#RESPONSE_TOO_LARGE}, final.
 *
 * <p>Failover: a call tries each URL once, starting at the one that answered last, moving on after a
 * failure worth retrying; only then do retries with backoff count, still moving on each time. The URL
 * in use is one shared field, so threads that fail over together may each move it one step: harmless,
 * as any URL will do and the next failure moves it again.
 */
public final class RegistryHttp {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /**
     * The largest answer buffered: 16 MiB. Schemas are far smaller (Confluent Cloud refuses schemas over
     * 1 MB by default), and a subject list this size names some 300,000 subjects; past it the endpoint is
     * broken or hostile.
     */
    public static final int MAX_RESPONSE_BYTES = 16 << 20;
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
            CappedBody.Handler capped = new CappedBody.Handler(MAX_RESPONSE_BYTES);
            try {
                resp = http.send(req.build(), capped);
            } catch (IOException e) {
                CappedBody.TooLarge tooLarge = capped.tooLarge();
                if (tooLarge != null) { // the endpoint would send it again: final
                    throw new SchemaRegistryException(Kind.RESPONSE_TOO_LARGE, where + ": " + method + " " + path + ": "
                            + tooLarge.getMessage(), -1, -1, tooLarge);
                }
                last = e instanceof HttpTimeoutException
                        ? new SchemaRegistryException(Kind.TIMEOUT, where + ": " + method + " " + path
                                + " timed out after " + timeout, -1, -1, e)
                        : new SchemaRegistryException(Kind.UNREACHABLE, where + " is unreachable: " + e, -1, -1, e);
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
                            + hint(kind, code),
                    status, code, null);
            // 429 (rate limited) and 408 (request timeout: HTTP lets the client repeat the request, and
            // Confluent's clients do) are worth another try, like a 5xx; other 4xx answers would repeat
            if (status < 500 && status != 429 && status != 408) {
                throw e;
            }
            last = e;
        }
        throw last;
    }

    /** The registry's error codes are Confluent's ({@code io.confluent.kafka.schemaregistry.rest.exceptions.Errors}). */
    private static Kind kind(int status, int code) {
        return switch (code) {
            case 40401 -> Kind.SUBJECT_NOT_FOUND;
            case 40402 -> Kind.VERSION_NOT_FOUND;
            case 40403 -> Kind.SCHEMA_NOT_FOUND;
            case 42201, 42209 -> Kind.INVALID_SCHEMA; // 42209: schema too large
            case 42202 -> Kind.INVALID_VERSION;
            case 42203 -> Kind.INVALID_COMPATIBILITY_LEVEL;
            // invalid mode, operation not permitted, reference exists, id does not match, invalid subject
            case 42204, 42205, 42206, 42207, 42208 -> Kind.BAD_REQUEST;
            default -> switch (status) {
                case 401 -> Kind.UNAUTHORIZED;
                case 403 -> Kind.FORBIDDEN;
                case 404 -> Kind.SCHEMA_NOT_FOUND;
                case 408 -> Kind.TIMEOUT;
                case 409 -> Kind.INCOMPATIBLE_SCHEMA;
                case 422 -> Kind.INVALID_SCHEMA; // no code: register and lookup are where registries answer 422
                case 429 -> Kind.RATE_LIMITED;
                default -> status >= 500 ? Kind.SERVER_ERROR : Kind.BAD_REQUEST;
            };
        };
    }

    private static String hint(Kind kind, int code) {
        String byCode = switch (code) {
            case 42202 -> " (not a version number the registry accepts: 1 and up, or latest)";
            case 42203 -> " (not a compatibility level the registry knows)";
            case 42204 -> " (not a mode the registry knows)";
            case 42205 -> " (the registry does not permit this operation, in its current mode or at all)";
            case 42206 -> " (other schemas reference this one: delete them first)";
            case 42207 -> " (the id given does not match the one the registry has for this schema)";
            case 42208 -> " (not a subject name the registry accepts)";
            case 42209 -> " (the schema is larger than the registry accepts)";
            default -> null;
        };
        if (byCode != null) {
            return byCode;
        }
        return switch (kind) {
            case TIMEOUT -> " (the registry, or a proxy before it, gave up waiting for the request)";
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
