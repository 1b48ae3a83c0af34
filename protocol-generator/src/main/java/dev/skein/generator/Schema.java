package dev.skein.generator;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The parsed form of one schema file: a message (request, response, header or data) and its structs. */
final class Schema {
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.ALLOW_COMMENTS);

    /** One field of a struct. {@code type} is the schema's type, without the array prefix. */
    record Field(String name, String type, boolean array, Versions versions, Versions nullableVersions,
                 Versions taggedVersions, int tag, String defaultValue, boolean ignorable,
                 Versions flexibleOverride, String about, StructDef inlineStruct) {

        String javaName() {
            String n = Character.toLowerCase(name.charAt(0)) + name.substring(1);
            return JavaNames.escape(n);
        }

        /** The name with its first letter upper-cased, for accessor names (schemas mix styles). */
        String capitalized() {
            return Character.toUpperCase(name.charAt(0)) + name.substring(1);
        }

        boolean isStruct() {
            return !Types.isPrimitive(type);
        }
    }

    /** A struct: the message's top level, an inline struct of a field, or a common struct. */
    record StructDef(String name, Versions versions, List<Field> fields) {}

    final String name;
    final String kind;
    final Integer apiKey;
    final Versions validVersions;
    final Versions flexibleVersions;
    final boolean latestVersionUnstable;
    final List<String> listeners = new ArrayList<>();
    final StructDef top;
    final List<StructDef> commonStructs = new ArrayList<>();

    private Schema(JsonNode root) {
        this.name = root.get("name").asText();
        this.kind = root.get("type").asText();
        this.apiKey = root.has("apiKey") ? root.get("apiKey").asInt() : null;
        this.validVersions = Versions.parse(root.get("validVersions").asText());
        this.flexibleVersions = root.has("flexibleVersions")
                ? Versions.parse(root.get("flexibleVersions").asText()) : Versions.NONE;
        this.latestVersionUnstable = root.path("latestVersionUnstable").asBoolean(false);
        root.path("listeners").forEach(n -> listeners.add(n.asText()));
        this.top = new StructDef(name, validVersions, fields(root.path("fields"), validVersions));
        for (JsonNode cs : root.path("commonStructs")) {
            Versions v = cs.has("versions") ? Versions.parse(cs.get("versions").asText()) : validVersions;
            commonStructs.add(new StructDef(cs.get("name").asText(), v, fields(cs.path("fields"), v)));
        }
    }

    static Schema read(Path file) throws IOException {
        try {
            return new Schema(JSON.readTree(file.toFile()));
        } catch (RuntimeException e) {
            throw new IOException("cannot parse " + file + ": " + e, e);
        }
    }

    private static List<Field> fields(JsonNode array, Versions parent) {
        List<Field> out = new ArrayList<>();
        for (JsonNode f : array) {
            String rawType = f.get("type").asText();
            boolean isArray = rawType.startsWith("[]");
            String type = isArray ? rawType.substring(2) : rawType;
            Versions versions = Versions.parse(f.get("versions").asText());
            StructDef inline = null;
            if (f.has("fields")) {
                inline = new StructDef(type, versions, fields(f.get("fields"), versions));
            }
            out.add(new Field(
                    f.get("name").asText(),
                    type,
                    isArray,
                    versions,
                    f.has("nullableVersions") ? Versions.parse(f.get("nullableVersions").asText()) : Versions.NONE,
                    f.has("taggedVersions") ? Versions.parse(f.get("taggedVersions").asText()) : Versions.NONE,
                    f.has("tag") ? f.get("tag").asInt() : -1,
                    f.has("default") ? f.get("default").asText() : null,
                    f.path("ignorable").asBoolean(false),
                    f.has("flexibleVersions") ? Versions.parse(f.get("flexibleVersions").asText()) : null,
                    f.path("about").asText(""),
                    inline));
        }
        return out;
    }
}
