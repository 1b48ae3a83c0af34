package dev.skein.serdes.internal;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One JSON Schema, compiled once, checking JSON documents against it. Wraps networknt's
 * json-schema-validator (an optional dependency, loaded only when this class is first used).
 * Referenced schemas are given by the name the {@code $ref}s use. Schemas without {@code $schema}
 * are read as draft-07 (what Confluent's registry assumes).
 */
public final class JsonSchemaValidator {
    private static final int MAX_REPORTED = 5;
    private final Schema schema;

    /** @throws IllegalArgumentException when the schema itself does not parse */
    public JsonSchemaValidator(String schemaJson, Map<String, String> referencedByName) {
        try {
            SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
                    b -> b.schemas(referencedByName));
            this.schema = registry.getSchema(schemaJson, InputFormat.JSON);
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
