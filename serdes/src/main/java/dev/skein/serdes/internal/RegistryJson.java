package dev.skein.serdes.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skein.core.errors.ConfigException;
import dev.skein.serdes.SchemaReference;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry client's request bodies, the references in its answers, and its URL list. */
public final class RegistryJson {
    private RegistryJson() {}

    /** The body of a register, lookup or compatibility call; AVRO is the registry's default type. */
    public static Map<String, Object> body(String schema, String schemaType, List<SchemaReference> references) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("schema", schema);
        if (!"AVRO".equals(schemaType)) {
            body.put("schemaType", schemaType);
        }
        if (!references.isEmpty()) {
            List<Map<String, Object>> refs = new ArrayList<>();
            for (SchemaReference r : references) {
                refs.add(Map.of("name", r.name(), "subject", r.subject(), "version", r.version()));
            }
            body.put("references", refs);
        }
        return body;
    }

    public static List<SchemaReference> references(JsonNode answer) {
        List<SchemaReference> refs = new ArrayList<>();
        answer.path("references").forEach(n -> refs.add(new SchemaReference(n.path("name").asText(),
                n.path("subject").asText(), n.path("version").asInt())));
        return refs;
    }

    /**
     * The URLs of {@code schema.registry.url}: one, or several comma-separated (trimmed, empty entries
     * dropped), each an http or https URL with a host.
     *
     * @throws ConfigException naming {@code schema.registry.url} otherwise
     */
    public static List<String> urls(String list) {
        List<String> out = new ArrayList<>();
        for (String u : list == null ? new String[0] : list.split(",")) {
            if (!u.isBlank()) {
                out.add(check(u.trim()));
            }
        }
        if (out.isEmpty()) {
            throw new ConfigException("schema.registry.url", "is required (one URL, or several comma-separated)");
        }
        return out;
    }

    private static String check(String u) {
        String why = null;
        if (!(u.startsWith("http://") || u.startsWith("https://"))) {
            why = "not an http:// or https:// URL";
        } else {
            try {
                if (URI.create(u).getHost() == null) {
                    why = "no host";
                }
            } catch (IllegalArgumentException e) {
                why = e.getMessage();
            }
        }
        if (why != null) {
            throw new ConfigException("schema.registry.url", "'" + u + "': " + why);
        }
        return u;
    }
}
