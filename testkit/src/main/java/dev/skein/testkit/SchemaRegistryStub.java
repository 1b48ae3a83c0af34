package dev.skein.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Schema Registry for tests and samples: register (ids shared by identical schemas), get by id,
 * latest version of a subject. Confluent's server is not on Maven Central; this speaks the same REST
 * subset over real HTTP on a free port of 127.0.0.1.
 */
public final class SchemaRegistryStub implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, Integer> idBySchema = new HashMap<>();
    private final Map<Integer, String> schemaById = new HashMap<>();
    private final Map<String, List<Integer>> versions = new HashMap<>();

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
        String path = ex.getRequestURI().getPath();
        String[] p = path.split("/");
        try {
            if (ex.getRequestMethod().equals("POST") && p.length == 4 && p[1].equals("subjects") && p[3].equals("versions")) {
                String schema = stringField(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), "schema");
                int id = idBySchema.computeIfAbsent(schema, s -> {
                    int next = schemaById.size() + 1;
                    schemaById.put(next, s);
                    return next;
                });
                List<Integer> v = versions.computeIfAbsent(p[2], k -> new ArrayList<>());
                if (!v.contains(id)) {
                    v.add(id);
                }
                reply(ex, 200, Map.of("id", id));
            } else if (ex.getRequestMethod().equals("GET") && p.length == 4 && p[1].equals("schemas") && p[2].equals("ids")) {
                String s = schemaById.get(Integer.parseInt(p[3]));
                if (s == null) {
                    reply(ex, 404, Map.of("error_code", 40403, "message", "Schema not found"));
                } else {
                    reply(ex, 200, Map.of("schema", s));
                }
            } else if (ex.getRequestMethod().equals("GET") && p.length == 5 && p[4].equals("latest")) {
                List<Integer> v = versions.get(p[2]);
                if (v == null) {
                    reply(ex, 404, Map.of("error_code", 40401, "message", "Subject not found"));
                } else {
                    int id = v.get(v.size() - 1);
                    reply(ex, 200, Map.of("subject", p[2], "version", v.size(), "id", id, "schema", schemaById.get(id)));
                }
            } else {
                reply(ex, 404, Map.of("error_code", 404, "message", "not supported by the test registry: " + path));
            }
        } catch (RuntimeException e) {
            reply(ex, 500, Map.of("error_code", 50001, "message", e.toString()));
        }
    }

    /** The string value of {@code key} in a flat JSON object (the register request's body). */
    static String stringField(String json, String key) {
        int k = json.indexOf("\"" + key + "\"");
        if (k < 0) {
            throw new IllegalArgumentException("no \"" + key + "\" in " + json);
        }
        int i = json.indexOf('"', json.indexOf(':', k + key.length() + 2) + 1);
        StringBuilder out = new StringBuilder();
        for (i++; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"') {
                return out.toString();
            }
            if (c == '\\') {
                char e = json.charAt(++i);
                switch (e) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'u' -> {
                        out.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
                        i += 4;
                    }
                    default -> out.append(e); // " \ /
                }
            } else {
                out.append(c);
            }
        }
        throw new IllegalArgumentException("unterminated string in " + json);
    }

    /** A JSON object of the given values (strings and numbers only). */
    static String json(Map<String, ?> values) {
        StringBuilder b = new StringBuilder("{");
        values.forEach((k, v) -> {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append(quote(k)).append(':').append(v instanceof Number ? v.toString() : quote(String.valueOf(v)));
        });
        return b.append('}').toString();
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
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
        return b.append('"').toString();
    }

    private static void reply(HttpExchange ex, int status, Map<String, ?> body) throws IOException {
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
}
