package dev.skein.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Schema Registry for tests and samples, speaking the Confluent REST subset that serializers use,
 * over real HTTP on a free port of 127.0.0.1:
 * <ul>
 *   <li>{@code POST /subjects/{subject}/versions}: register (identical schemas, with the same type and
 *       references, share one id; a subject gets a new version only for a schema it does not have);</li>
 *   <li>{@code POST /subjects/{subject}}: look a schema up under a subject;</li>
 *   <li>{@code GET /schemas/ids/{id}}, {@code GET /subjects/{subject}/versions/{n|latest}},
 *       {@code GET /subjects}, {@code GET /subjects/{subject}/versions}.</li>
 * </ul>
 * Schema types AVRO (the default), JSON and PROTOBUF, and references (name, subject, version; the
 * referenced version must exist, as the real registry requires). Schemas are stored as given, not
 * parsed nor normalized, and compatibility is not checked. Confluent's server is not on Maven Central.
 */
public final class SchemaRegistryStub implements AutoCloseable {
    private record Stored(String schema, String type, List<Object> references) {}

    private final HttpServer server;
    private final Map<Stored, Integer> idBySchema = new HashMap<>();
    private final Map<Integer, Stored> schemaById = new HashMap<>();
    private final Map<String, List<Integer>> versions = new LinkedHashMap<>();

    public SchemaRegistryStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The base URL to give a Schema Registry client. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private synchronized void handle(HttpExchange ex) throws IOException {
        String[] p = ex.getRequestURI().getRawPath().split("/");
        for (int i = 0; i < p.length; i++) {
            p[i] = URLDecoder.decode(p[i], StandardCharsets.UTF_8);
        }
        String method = ex.getRequestMethod();
        try {
            if (method.equals("POST") && p.length == 4 && p[1].equals("subjects") && p[3].equals("versions")) {
                reply(ex, 200, register(p[2], stored(ex)));
            } else if (method.equals("POST") && p.length == 3 && p[1].equals("subjects")) {
                lookup(ex, p[2], stored(ex));
            } else if (method.equals("GET") && p.length == 4 && p[1].equals("schemas") && p[2].equals("ids")) {
                Stored s = schemaById.get(Integer.parseInt(p[3]));
                if (s == null) {
                    reply(ex, 404, Map.of("error_code", 40403, "message", "Schema " + p[3] + " not found"));
                } else {
                    reply(ex, 200, describe(null, -1, -1, s));
                }
            } else if (method.equals("GET") && p.length == 2 && p[1].equals("subjects")) {
                reply(ex, 200, new ArrayList<>(versions.keySet()));
            } else if (method.equals("GET") && p.length == 4 && p[1].equals("subjects") && p[3].equals("versions")) {
                List<Integer> v = versions.get(p[2]);
                if (v == null) {
                    reply(ex, 404, Map.of("error_code", 40401, "message", "Subject '" + p[2] + "' not found."));
                } else {
                    List<Integer> numbers = new ArrayList<>();
                    for (int i = 1; i <= v.size(); i++) {
                        numbers.add(i);
                    }
                    reply(ex, 200, numbers);
                }
            } else if (method.equals("GET") && p.length == 5 && p[1].equals("subjects") && p[3].equals("versions")) {
                version(ex, p[2], p[4]);
            } else {
                reply(ex, 404, Map.of("error_code", 404, "message", "not supported by the test registry: "
                        + method + " " + ex.getRequestURI()));
            }
        } catch (RuntimeException e) {
            reply(ex, 422, Map.of("error_code", 42201, "message", "Invalid schema: " + e.getMessage()));
        }
    }

    private Stored stored(HttpExchange ex) throws IOException {
        Object body = Json.parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (!(body instanceof Map<?, ?> m) || !(m.get("schema") instanceof String schema)) {
            throw new IllegalArgumentException("the body needs a \"schema\" string");
        }
        String type = m.get("schemaType") == null ? "AVRO" : String.valueOf(m.get("schemaType"));
        if (!List.of("AVRO", "JSON", "PROTOBUF").contains(type)) {
            throw new IllegalArgumentException("unknown schemaType " + type);
        }
        List<Object> refs = new ArrayList<>();
        if (m.get("references") instanceof List<?> list) {
            for (Object o : list) {
                Map<?, ?> r = (Map<?, ?>) o;
                String subject = (String) Objects.requireNonNull(r.get("subject"), "reference subject");
                int version = ((Number) Objects.requireNonNull(r.get("version"), "reference version")).intValue();
                List<Integer> v = versions.get(subject);
                if (v == null || version < 1 || version > v.size()) {
                    throw new IllegalArgumentException("reference " + r.get("name") + ": no version " + version
                            + " of subject " + subject);
                }
                Map<String, Object> ref = new LinkedHashMap<>();
                ref.put("name", Objects.requireNonNull(r.get("name"), "reference name"));
                ref.put("subject", subject);
                ref.put("version", version);
                refs.add(ref);
            }
        }
        return new Stored(schema, type, refs);
    }

    private Map<String, Object> register(String subject, Stored s) {
        int id = idBySchema.computeIfAbsent(s, k -> {
            int next = schemaById.size() + 1;
            schemaById.put(next, k);
            return next;
        });
        List<Integer> v = versions.computeIfAbsent(subject, k -> new ArrayList<>());
        if (!v.contains(id)) {
            v.add(id);
        }
        return Map.of("id", id);
    }

    private void lookup(HttpExchange ex, String subject, Stored s) throws IOException {
        List<Integer> v = versions.get(subject);
        Integer id = idBySchema.get(s);
        if (v == null) {
            reply(ex, 404, Map.of("error_code", 40401, "message", "Subject '" + subject + "' not found."));
        } else if (id == null || !v.contains(id)) {
            reply(ex, 404, Map.of("error_code", 40403, "message", "Schema not found"));
        } else {
            reply(ex, 200, describe(subject, v.indexOf(id) + 1, id, s));
        }
    }

    private void version(HttpExchange ex, String subject, String version) throws IOException {
        List<Integer> v = versions.get(subject);
        if (v == null) {
            reply(ex, 404, Map.of("error_code", 40401, "message", "Subject '" + subject + "' not found."));
            return;
        }
        int n = version.equals("latest") ? v.size() : Integer.parseInt(version);
        if (n < 1 || n > v.size()) {
            reply(ex, 404, Map.of("error_code", 40402, "message", "Version " + version + " not found."));
            return;
        }
        int id = v.get(n - 1);
        reply(ex, 200, describe(subject, n, id, schemaById.get(id)));
    }

    private Map<String, Object> describe(String subject, int version, int id, Stored s) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (subject != null) {
            out.put("subject", subject);
            out.put("version", version);
            out.put("id", id);
        }
        if (!s.type().equals("AVRO")) {
            out.put("schemaType", s.type());
        }
        if (!s.references().isEmpty()) {
            out.put("references", s.references());
        }
        out.put("schema", s.schema());
        return out;
    }

    /** The string value of {@code key} in a JSON object. */
    static String stringField(String json, String key) {
        return (String) ((Map<?, ?>) Json.parse(json)).get(key);
    }

    /** JSON text of maps, lists, strings, numbers, booleans and null. */
    static String json(Object value) {
        return Json.write(value);
    }

    private static void reply(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = json(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** Just enough JSON for the registry's requests and answers (testkit has no JSON library). */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json j = new Json(text);
            Object v = j.value();
            j.ws();
            if (j.i != text.length()) {
                throw new IllegalArgumentException("trailing text after JSON at " + j.i);
            }
            return v;
        }

        private Object value() {
            ws();
            if (i >= s.length()) {
                throw new IllegalArgumentException("unexpected end of JSON");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    i++;
                    ws();
                    if (s.charAt(i) == '}') {
                        i++;
                        return m;
                    }
                    do {
                        ws();
                        String k = string();
                        ws();
                        expect(':');
                        m.put(k, value());
                        ws();
                    } while (s.charAt(i++) == ',');
                    if (s.charAt(i - 1) != '}') {
                        throw new IllegalArgumentException("expected } at " + (i - 1));
                    }
                    return m;
                }
                case '[' -> {
                    List<Object> l = new ArrayList<>();
                    i++;
                    ws();
                    if (s.charAt(i) == ']') {
                        i++;
                        return l;
                    }
                    do {
                        l.add(value());
                        ws();
                    } while (s.charAt(i++) == ',');
                    if (s.charAt(i - 1) != ']') {
                        throw new IllegalArgumentException("expected ] at " + (i - 1));
                    }
                    return l;
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    int start = i;
                    while (i < s.length() && "{}[],: \t\r\n".indexOf(s.charAt(i)) < 0) {
                        i++;
                    }
                    String word = s.substring(start, i);
                    return switch (word) {
                        case "true" -> Boolean.TRUE;
                        case "false" -> Boolean.FALSE;
                        case "null" -> null;
                        default -> word.matches("-?\\d+") ? (Object) Long.parseLong(word) : Double.parseDouble(word);
                    };
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder out = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return out.toString();
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> out.append('\n');
                        case 't' -> out.append('\t');
                        case 'r' -> out.append('\r');
                        case 'b' -> out.append('\b');
                        case 'f' -> out.append('\f');
                        case 'u' -> {
                            out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> out.append(e); // " \ /
                    }
                } else {
                    out.append(c);
                }
            }
        }

        private void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) {
                throw new IllegalArgumentException("expected " + c + " at " + i);
            }
            i++;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        static String write(Object v) {
            StringBuilder b = new StringBuilder();
            write(v, b);
            return b.toString();
        }

        private static void write(Object v, StringBuilder b) {
            if (v == null || v instanceof Number || v instanceof Boolean) {
                b.append(v);
            } else if (v instanceof Map<?, ?> m) {
                b.append('{');
                m.forEach((k, val) -> {
                    if (b.charAt(b.length() - 1) != '{') {
                        b.append(',');
                    }
                    quote(String.valueOf(k), b);
                    b.append(':');
                    write(val, b);
                });
                b.append('}');
            } else if (v instanceof List<?> l) {
                b.append('[');
                for (int k = 0; k < l.size(); k++) {
                    if (k > 0) {
                        b.append(',');
                    }
                    write(l.get(k), b);
                }
                b.append(']');
            } else {
                quote(String.valueOf(v), b);
            }
        }

        private static void quote(String s, StringBuilder b) {
            b.append('"');
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format("\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            b.append('"');
        }
    }
}
