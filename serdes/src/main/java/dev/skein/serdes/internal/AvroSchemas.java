package dev.skein.serdes.internal;

import dev.skein.serdes.RegisteredSchema;
import dev.skein.serdes.SchemaReference;
import dev.skein.serdes.SchemaRegistryClient;
import org.apache.avro.Schema;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Avro schemas that use schema references. A reference names another registered schema (by subject and
 * version) that defines named types the referring schema uses by their full name, undefined in its own
 * text. As Confluent's Avro serdes do, the referenced schemas are parsed first, depth first and each
 * once, into the one {@link Schema.Parser} that then parses the referring schema; a type defined twice
 * (two references defining the same name) is the parser's error.
 */
public final class AvroSchemas {
    private AvroSchemas() {}

    /**
     * The Avro schema of {@code schema} with every named type of its references resolved.
     *
     * @throws dev.skein.serdes.SchemaRegistryException when a referenced version cannot be fetched
     * @throws IllegalArgumentException when the references form a cycle or one is not an Avro schema
     * @throws org.apache.avro.AvroRuntimeException when a schema does not parse (a type it uses is
     *     defined nowhere, for one)
     */
    public static Schema resolve(RegisteredSchema schema, SchemaRegistryClient registry) {
        Schema.Parser parser = new Schema.Parser();
        parseReferences(schema.references(), registry, parser, new HashSet<>(), new LinkedHashSet<>());
        return parser.parse(schema.schema());
    }

    /**
     * The named types {@code references} define (each referenced schema and everything it defines or
     * references in turn): the types to print by name, not inline, when a schema using them is registered
     * with these references.
     */
    public static List<Schema> referencedTypes(List<SchemaReference> references, SchemaRegistryClient registry) {
        Schema.Parser parser = new Schema.Parser();
        parseReferences(references, registry, parser, new HashSet<>(), new LinkedHashSet<>());
        return new ArrayList<>(parser.getTypes().values());
    }

    private static void parseReferences(List<SchemaReference> references, SchemaRegistryClient registry,
                                        Schema.Parser parser, Set<String> parsed, LinkedHashSet<String> path) {
        for (SchemaReference ref : references) {
            String key = ref.subject() + " version " + ref.version();
            if (parsed.contains(key)) {
                continue; // a diamond: its types are in the parser already
            }
            if (!path.add(key)) {
                throw new IllegalArgumentException("the schema references form a cycle: " + String.join(" -> ", path)
                        + " -> " + key);
            }
            RegisteredSchema referenced = registry.version(ref.subject(), ref.version());
            if (!"AVRO".equals(referenced.schemaType())) {
                throw new IllegalArgumentException("reference " + ref.name() + " (" + key + ") is a "
                        + referenced.schemaType() + " schema, not Avro");
            }
            parseReferences(referenced.references(), registry, parser, parsed, path);
            parser.parse(referenced.schema());
            path.remove(key);
            parsed.add(key);
        }
    }
}
