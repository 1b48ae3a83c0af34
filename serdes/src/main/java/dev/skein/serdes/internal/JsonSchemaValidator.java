package dev.skein.serdes.internal;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One JSON Schema, compiled once, checking JSON documents against it. Wraps networknt's
 * json-schema-validator (an optional dependency, loaded only when this class is first used).
 * Referenced schemas are given by the name the {@code $ref}s use; nothing is fetched from the network
 * (a {@code $ref} to anything else is an error, not a blocking download inside a serializer). Schemas
 * without {@code $schema} are read as draft-07 (what Confluent's registry assumes).
 */
public final class JsonSchemaValidator {
    private static final int MAX_REPORTED = 5;
    /** Never fetched: every referenced schema comes from the registry, under this base if relative. */
    private static final String BASE = "https://registry.skein.invalid/";
    private final Schema schema;

    /** @throws IllegalArgumentException when the schema itself does not parse */
    public JsonSchemaValidator(String schemaJson, Map<String, String> referencedByName) {
        try {
            // A reference's name is what the $ref says: absolute ("https://x/money.json") or relative
            // ("money.json", as Confluent's docs write them). Relative ones resolve against the root's
            // base, so the root gets a fixed base and each relative name is also mapped under it.
            Map<String, String> byIri = new HashMap<>(referencedByName);
            referencedByName.forEach((name, text) -> {
                if (!name.contains(":")) {
                    byIri.put(BASE + name, text);
                }
            });
            SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
                    b -> b.schemas(byIri).schemaLoader(l -> l.fetchRemoteResources(false)));
            this.schema = registry.getSchema(SchemaLocation.of(BASE + "schema.json"), schemaJson, InputFormat.JSON);
            schema.initializeValidators(); // fail here on bad refs, not on the first record
        } catch (SchemaException | IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException("not a usable JSON Schema: " + e.getMessage(), e);
        }
    }

    /**
     * The violations of {@code json}, each as "JSON pointer: what" (e.g. {@code /amount: must have a
     * minimum value of 0}; the document itself is "(root)"),
     * at most five; empty when it conforms.
     */
    public List<String> violations(String json) {
        List<Error> errors = schema.validate(json, InputFormat.JSON);
        List<String> out = new ArrayList<>();
        for (Error e : errors) {
            if (out.size() == MAX_REPORTED) {
                out.add("... " + (errors.size() - MAX_REPORTED) + " more");
                break;
            }
            String where = String.valueOf(e.getInstanceLocation());
            where = where.isEmpty() ? "(root)" : where;
            String what = e.getMessage();
            out.add(what.startsWith(where) ? what : where + ": " + what);
        }
        return out;
    }
}
