package dev.skein.serdes;

import java.util.Objects;

/**
 * A schema's reference to another registered schema: {@code name} is how the referring schema names
 * it (a Protobuf import path such as {@code "common/money.proto"}, a JSON Schema {@code $ref} URL, an
 * Avro full type name), and {@code subject} and {@code version} say where the registry keeps it.
 */
public record SchemaReference(String name, String subject, int version) {
    public SchemaReference {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(subject, "subject");
        if (version < 1) {
            throw new IllegalArgumentException("reference " + name + ": version must be >= 1, was " + version);
        }
    }
}
