package dev.skein.serdes;

import dev.skein.core.internal.config.ConfigValues;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skein.serdes.internal.CappedMap;
import dev.skein.serdes.internal.JsonSchemaGenerator;
import dev.skein.serdes.internal.JsonSchemaValidator;
import dev.skein.serdes.internal.WireFormat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * JSON values with a JSON Schema, in the Schema Registry wire format: a magic byte 0, the schema's
 * 4-byte id (big-endian), then the UTF-8 JSON text (what Confluent's JSON Schema serializer writes).
 * Jackson is required; networknt's {@code json-schema-validator} is needed only while validation is on.
 *
 * <pre>{@code
 * Serde<Order> orders = JsonSchemaSerde.builder(registry).of(Order.class);          // schema from the class
 * Serde<Order> strict = JsonSchemaSerde.builder(registry).schema(orderSchemaJson).of(Order.class);
 * Serde<JsonNode> any = JsonSchemaSerde.builder(registry).schema(orderSchemaJson).of(JsonNode.class);
 * }</pre>
 *
 * <p>Serializing: the schema is the one given, or else one generated from the class (its Jackson
 * properties; see the serdes README for what it covers). Each value is checked against it first
 * (on by default, {@link Builder#validate}); a value that does not conform fails with a
 * {@link SerializationException} naming the failing paths as JSON pointers ({@code /amount: ...}). The subject comes
 * from the {@link SubjectNameStrategy} (the record name is the schema's {@code title}); the schema is
 * registered (auto-register, the default), looked up, or with use-latest-version replaced by the
 * subject's latest schema, which the value must then conform to.
 *
 * <p>Deserializing: the schema id must be known to the registry (fetched once per id); the JSON is read
 * into the type. {@link Builder#validateOnRead} also checks it against the writer's schema.
 *
 * <p>Thread-safe; ids and compiled schemas are cached, about as many of each as the registry client's
 * {@link SchemaRegistryClient.Builder#cacheCapacity cache capacity}.
 */
// Jackson types appear in this API although the module requires Jackson only statically (optional)
@SuppressWarnings("exports")
public final class JsonSchemaSerde<T> implements Serde<T> {
    private static final ObjectMapper DEFAULT_MAPPER = new ObjectMapper();

    private final SchemaRegistryClient registry;
    private final SubjectNameStrategy keyStrategy;
    private final SubjectNameStrategy valueStrategy;
    private final boolean autoRegister;
    private final boolean useLatestVersion;
    private final boolean validate;
    private final boolean validateOnRead;
    private final ObjectMapper mapper;
    private final JavaType type;
    private final String schema;
    private final String recordName;
    private final List<SchemaReference> references;
    private final CappedMap<Integer, JsonSchemaValidator> validators;
    private final CappedMap<String, RegisteredSchema> bySubject;

    private JsonSchemaSerde(Builder b, JavaType type) {
        this.registry = b.registry;
        int capacity = registry.cacheCapacity(); // bounded as the client's own caches are
        this.validators = new CappedMap<>(capacity);
        this.bySubject = new CappedMap<>(capacity);
        this.keyStrategy = b.keyStrategy;
        this.valueStrategy = b.valueStrategy;
        this.autoRegister = b.autoRegister;
        this.useLatestVersion = b.useLatestVersion;
        this.validate = b.validate;
        this.validateOnRead = b.validateOnRead;
        this.mapper = b.mapper;
        this.type = type;
        this.references = b.references;
        if (b.schema != null) {
            this.schema = b.schema;
        } else {
            if (type.getRawClass() == JsonNode.class || type.getRawClass() == Object.class) {
                throw new IllegalArgumentException("a JSON Schema serde of " + type + " needs an explicit schema");
            }
            this.schema = new JsonSchemaGenerator(mapper).schemaFor(type).toString();
        }
        try {
            this.recordName = mapper.readTree(schema).path("title").asText(null);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the JSON Schema is not JSON: " + e.getOriginalMessage(), e);
        }
        for (SubjectNameStrategy strategy : List.of(keyStrategy, valueStrategy)) {
            if (strategy != SubjectNameStrategy.TOPIC_NAME && recordName == null) {
                throw new IllegalArgumentException(strategy + " names subjects by record name: the schema needs a \"title\"");
            }
        }
    }

    public static Builder builder(SchemaRegistryClient registry) {
        return new Builder(registry);
    }

    /** The schema this serde writes with (unless use-latest-version): the given or generated one. */
    public String schema() {
        return schema;
    }

    @Override
    public Serializer<T> serializer() {
        return this::serialize;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this::deserialize;
    }

    private byte[] serialize(T value, SerdeContext ctx) {
        if (value == null) {
            return null;
        }
        String subject = (ctx.isKey() ? keyStrategy : valueStrategy).subject(ctx.topic(), ctx.isKey(), recordName);
        RegisteredSchema writer;
        try {
            if (useLatestVersion) {
                writer = registry.latest(subject);
            } else {
                // per subject, so the hot path neither builds the client's (subject, schema text) key
                // nor hashes the schema text for every record
                writer = bySubject.get(subject);
                if (writer == null) {
                    writer = autoRegister
                            ? new RegisteredSchema(subject, -1, registry.register(subject, schema, "JSON", references),
                                    schema, "JSON", references)
                            : registry.lookup(subject, schema, "JSON", references);
                    bySubject.put(subject, writer);
                }
            }
        } catch (SchemaRegistryException e) {
            throw new SerializationException("cannot get a schema id for subject " + subject + ": " + e.getMessage(),
                    ctx, null, e);
        }
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new SerializationException("cannot write " + value.getClass().getName() + " as JSON: "
                    + e.getMessage(), ctx, null, e);
        }
        if (validate) {
            check(writer, json, ctx, null, "subject " + subject);
        }
        ByteArrayOutputStream out = WireFormat.header(writer.id(), json.length);
        out.writeBytes(json);
        return out.toByteArray();
    }

    private T deserialize(byte[] data, SerdeContext ctx) {
        if (data == null) {
            return null;
        }
        int id = WireFormat.schemaId(data, ctx, "JSON");
        RegisteredSchema writer;
        try {
            writer = registry.schemaById(id);
        } catch (SchemaRegistryException e) {
            String why = e.kind() == SchemaRegistryException.Kind.SCHEMA_NOT_FOUND
                    ? "unknown schema id " + id + " at " + registry.url()
                    : "cannot fetch schema id " + id + ": " + e.getMessage();
            throw new SerializationException(why, ctx, data, e);
        }
        if (!"JSON".equals(writer.schemaType())) {
            throw new SerializationException("schema id " + id + " is " + writer.schemaType() + ", not JSON", ctx, data, null);
        }
        if (validateOnRead) {
            byte[] json = java.util.Arrays.copyOfRange(data, WireFormat.HEADER, data.length);
            check(writer, json, ctx, data, "schema id " + id);
        }
        try {
            return mapper.readValue(data, WireFormat.HEADER, data.length - WireFormat.HEADER, type);
        } catch (IOException e) {
            String reason = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new SerializationException("not JSON of type " + type + " (schema id " + id + "): " + reason,
                    ctx, data, e);
        }
    }

    private void check(RegisteredSchema writer, byte[] json, SerdeContext ctx, byte[] data, String where) {
        JsonSchemaValidator v;
        try {
            v = validators.get(writer.id());
            if (v == null) {
                // Built outside the map: fetching the references is I/O, which must not run inside compute.
                JsonSchemaValidator built = new JsonSchemaValidator(writer.schema(), referenced(writer));
                JsonSchemaValidator raced = validators.putIfAbsent(writer.id(), built);
                v = raced != null ? raced : built;
            }
        } catch (IllegalArgumentException | SchemaRegistryException e) {
            throw new SerializationException("cannot use JSON schema id " + writer.id() + " (" + where + "): "
                    + e.getMessage(), ctx, data, e);
        }
        List<String> violations = v.violations(new String(json, StandardCharsets.UTF_8));
        if (!violations.isEmpty()) {
            throw new SerializationException("value does not conform to JSON schema id " + writer.id() + " (" + where
                    + "): " + String.join("; ", violations), ctx, data, null);
        }
    }

    /** The referenced schemas' texts by reference name, recursively. */
    private Map<String, String> referenced(RegisteredSchema s) {
        Map<String, String> out = new HashMap<>();
        collect(s.references(), out);
        return out;
    }

    private void collect(List<SchemaReference> refs, Map<String, String> out) {
        for (SchemaReference r : refs) {
            if (!out.containsKey(r.name())) {
                RegisteredSchema s = registry.version(r.subject(), r.version());
                out.put(r.name(), s.schema());
                collect(s.references(), out);
            }
        }
    }

    /** Options of a {@link JsonSchemaSerde}. */
    public static final class Builder {
        private final SchemaRegistryClient registry;
        private SubjectNameStrategy keyStrategy = SubjectNameStrategy.TOPIC_NAME;
        private SubjectNameStrategy valueStrategy = SubjectNameStrategy.TOPIC_NAME;
        private boolean autoRegister = true;
        private boolean useLatestVersion;
        private boolean validate = true;
        private boolean validateOnRead;
        private ObjectMapper mapper = DEFAULT_MAPPER;
        private String schema;
        private List<SchemaReference> references = List.of();

        private Builder(SchemaRegistryClient registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** How keys' and values' subjects are named. Default {@link SubjectNameStrategy#TOPIC_NAME}. */
        public Builder subjectNameStrategy(SubjectNameStrategy strategy) {
            this.keyStrategy = Objects.requireNonNull(strategy, "strategy");
            this.valueStrategy = strategy;
            return this;
        }

        /** Register the schema when it is not yet under the subject. Default on. */
        public Builder autoRegister(boolean on) {
            this.autoRegister = on;
            return this;
        }

        /** Write with the subject's latest schema id (and validate against that schema). Default off. */
        public Builder useLatestVersion(boolean on) {
            this.useLatestVersion = on;
            return this;
        }

        /** Check every value against the schema before writing it. Default on. */
        public Builder validate(boolean on) {
            this.validate = on;
            return this;
        }

        /** Check every value read against its writer's schema. Default off. */
        public Builder validateOnRead(boolean on) {
            this.validateOnRead = on;
            return this;
        }

        /**
         * Sets one option by the name Confluent's serializers use: {@code auto.register.schemas},
         * {@code use.latest.version}, {@code key.subject.name.strategy} or
         * {@code value.subject.name.strategy} (see {@link SubjectNameStrategy#of}), and {@code json.fail.invalid.schema} (validation on write and on read).
         *
         * @throws dev.skein.core.errors.ConfigException naming the key when it is unknown or its value
         *     cannot be read
         */
        public Builder set(String key, Object value) {
            switch (key) {
                case "auto.register.schemas" -> autoRegister(ConfigValues.bool(key, value));
                case "use.latest.version" -> useLatestVersion(ConfigValues.bool(key, value));
                // each for its own side, as Confluent's: one map often configures both serializers
                case "key.subject.name.strategy" -> keyStrategy = SubjectNameStrategy.of(key, value);
                case "value.subject.name.strategy" -> valueStrategy = SubjectNameStrategy.of(key, value);
                case "json.fail.invalid.schema" -> {
                    boolean on = ConfigValues.bool(key, value);
                    validate(on);
                    validateOnRead(on);
                }
                default -> throw new dev.skein.core.errors.ConfigException(key, "not an option of this serde");
            }
            return this;
        }

        /** Sets every entry by its standard name; see {@link #set}. */
        public Builder properties(java.util.Map<String, ?> props) {
            props.forEach(this::set);
            return this;
        }

        /** The mapper that writes and reads values. Default a plain {@code ObjectMapper}. */
        public Builder mapper(ObjectMapper mapper) {
            this.mapper = Objects.requireNonNull(mapper, "mapper");
            return this;
        }

        /** The schema (JSON text) to register and validate with, instead of one generated from the class. */
        public Builder schema(String schemaJson) {
            this.schema = Objects.requireNonNull(schemaJson, "schemaJson");
            return this;
        }

        /** Registered schemas that the schema's {@code $ref}s name, registered with it. */
        public Builder references(List<SchemaReference> references) {
            this.references = List.copyOf(references);
            return this;
        }

        public <T> JsonSchemaSerde<T> of(Class<T> type) {
            return new JsonSchemaSerde<>(this, mapper.constructType(type));
        }

        public <T> JsonSchemaSerde<T> of(TypeReference<T> type) {
            return new JsonSchemaSerde<>(this, mapper.constructType(type));
        }
    }
}
