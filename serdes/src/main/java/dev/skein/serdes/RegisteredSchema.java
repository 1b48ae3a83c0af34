package dev.skein.serdes;

/**
 * A schema as the registry knows it. {@code subject} and {@code version} are null/-1 when the schema
 * was fetched by id alone. {@code schemaType} is AVRO, JSON or PROTOBUF.
 */
public record RegisteredSchema(String subject, int version, int id, String schema, String schemaType) {}
