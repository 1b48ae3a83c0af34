package dev.skein.producer;

import com.fasterxml.jackson.databind.ObjectMapper;
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
 * A Schema Registry for tests: register (ids shared by identical schemas), get by id, latest version.
 * Confluent's server is not on Maven Central; this speaks the same REST subset over real HTTP.
 */
final class InMemorySchemaRegistry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final Map<String, Integer> idBySchema = new HashMap<>();
    private final Map<Integer, String> schemaById = new HashMap<>();
    private final Map<String, List<Integer>> versions = new HashMap<>();

    InMemorySchemaRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private synchronized void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String[] p = path.split("/");
        try {
            if (ex.getRequestMethod().equals("POST") && p.length == 4 && p[1].equals("subjects") && p[3].equals("versions")) {
                String schema = JSON.readTree(ex.getRequestBody()).get("schema").asText();
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

    private static void reply(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
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
