package dev.skein.serdes;

import java.util.List;

/**
 * A schema as the registry knows it. {@code subject} and {@code version} are null/-1 when the schema
 * was fetched by id alone. {@code schemaType} is AVRO, JSON or PROTOBUF. {@code references} are the
 * other schemas it uses (Protobuf imports, JSON Schema {@code $ref}s), never null.
 */
public record RegisteredSchema(String subject, int version, int id, String schema, String schemaType,
                               List<SchemaReference> references) {
    public RegisteredSchema {
        references = references == null ? List.of() : List.copyOf(references);
    }

    /** A schema without references. */
    public RegisteredSchema(String subject, int version, int id, String schema, String schemaType) {
        this(subject, version, id, schema, schemaType, List.of());
    }
}
