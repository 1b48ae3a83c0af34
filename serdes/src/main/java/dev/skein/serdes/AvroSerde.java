package dev.skein.serdes;

import dev.skein.core.internal.config.ConfigValues;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

import dev.skein.serdes.internal.AvroSchemas;
import dev.skein.serdes.internal.CappedMap;
import dev.skein.serdes.internal.WireFormat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * Avro records in the Schema Registry wire format: a magic byte 0, the writer schema's 4-byte id
 * (big-endian), then the Avro binary encoding. Apache Avro is an optional dependency.
 *
 * <pre>{@code
 * Serde<GenericRecord> generic = AvroSerde.builder(registry).generic();
 * Serde<Order> specific = AvroSerde.builder(registry)
 *         .subjectNameStrategy(SubjectNameStrategy.RECORD_NAME)
 *         .autoRegister(false)
 *         .specific(Order.class);
 * }</pre>
 *
 * <p>Serializing: the subject comes from the {@link SubjectNameStrategy} (topic name by default); the
 * record's schema is registered under it when auto-register is on (the default), or must already be
 * registered there when it is off. With use-latest-version the subject's latest schema and id are
 * used instead of the record's own schema, and the record is written as that schema reads it (Avro's
 * schema resolution: fields matched by name, those the record lacks given their defaults); a record
 * the latest schema cannot read fails with a {@link SerializationException} saying why.
 *
 * <p>Schema references: a registered schema may use named types that other registered schemas define
 * (each reference gives the type's full name and the subject and version that define it). Reading, the
 * writer schema's references are fetched and parsed first, depth first, so such records read like any
 * other. Writing, {@link Builder#references} names the schemas that define the types the record's schema
 * uses: it is then registered (or looked up) with those types by name and those references, as
 * Confluent's serdes do for pre-registered schemas with references. Without it, the record's schema is
 * registered whole, every type inline.
 *
 * <p>Deserializing: the writer schema is fetched by id (once per id) and resolved against the reader
 * schema: the specific class's schema, the configured reader schema, or else the writer schema. Any
 * payload that is not this format (wrong magic byte, too short, truncated), an unknown schema id, a
 * reference that is missing, cyclic or not Avro, or an unreachable registry raises a
 * {@link SerializationException} that says which.
 *
 * <p>Thread-safe; schemas, ids, readers and writers are cached, about as many of each as the registry
 * client's {@link SchemaRegistryClient.Builder#cacheCapacity cache capacity}.
 */
// Avro types appear in this API although the module requires Avro only statically (optional)
@SuppressWarnings("exports")
public final class AvroSerde<T> implements Serde<T> {
    private final SchemaRegistryClient registry;
    private final SubjectNameStrategy keyStrategy;
    private final SubjectNameStrategy valueStrategy;
    private final boolean autoRegister;
    private final boolean useLatestVersion;
    private final Schema readerSchema;
    private final boolean specific;
    private final List<SchemaReference> references;
    /** The types the references define, resolved at the first write; null until then. */
    private volatile List<Schema> referencedTypes;
    /**
     * Ids per (subject, schema), as {@code ProtobufSerde} keeps them per (subject, file): the hot path
     * neither prints the schema nor builds the client's (subject, schema text) key for every record.
     */
    private final CappedMap<SubjectAndSchema, Integer> ids;

    private record SubjectAndSchema(String subject, Schema schema) {}
    private final CappedMap<Integer, Schema> schemasById;
    private final CappedMap<Schema, DatumWriter<Object>> writers;
    /** By writer schema id: the reader schema is fixed per serde (or is the writer's). */
    private final CappedMap<Integer, DatumReader<Object>> readers;

    private AvroSerde(Builder b, Schema readerSchema, boolean specific) {
        this.registry = b.registry;
        int capacity = registry.cacheCapacity(); // bounded as the client's own caches are
        this.ids = new CappedMap<>(capacity);
        this.schemasById = new CappedMap<>(capacity);
        this.writers = new CappedMap<>(capacity);
        this.readers = new CappedMap<>(capacity);
        this.keyStrategy = b.keyStrategy;
        this.valueStrategy = b.valueStrategy;
        this.autoRegister = b.autoRegister;
        this.useLatestVersion = b.useLatestVersion;
        this.readerSchema = readerSchema;
        this.specific = specific;
        this.references = b.references;
    }

    public static Builder builder(SchemaRegistryClient registry) {
        return new Builder(registry);
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
        if (!(value instanceof GenericContainer container)) {
            throw new SerializationException("an Avro serde takes Avro records (GenericContainer), not "
                    + value.getClass().getName(), ctx);
        }
        Schema own = container.getSchema();
        Schema schema = own;
        String subject = (ctx.isKey() ? keyStrategy : valueStrategy).subject(ctx.topic(), ctx.isKey(), own);
        int id;
        try {
            if (useLatestVersion) {
                RegisteredSchema latest = registry.latest(subject);
                id = latest.id();
                schema = schemaById(id, ctx);
            } else {
                SubjectAndSchema key = new SubjectAndSchema(subject, own);
                Integer known = ids.get(key);
                if (known == null) { // the registry is called outside the map's compute
                    String text = registeredText(own);
                    known = autoRegister ? registry.register(subject, text, "AVRO", references)
                            : registry.lookup(subject, text, "AVRO", references).id();
                    ids.put(key, known);
                }
                id = known;
            }
        } catch (SchemaRegistryException e) {
            throw new SerializationException("cannot get a schema id for subject " + subject + ": " + e.getMessage(),
                    ctx, null, e);
        } catch (AvroRuntimeException | IllegalArgumentException e) {
            throw new SerializationException("cannot resolve the schema references " + references + " of subject "
                    + subject + ": " + e.getMessage(), ctx, null, e);
        }
        ByteArrayOutputStream out = WireFormat.header(id, 64);
        try {
            if (schema.equals(own)) {
                BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
                writer(own).write(value, enc);
                enc.flush();
            } else {
                writeAs(value, own, schema, out);
            }
        } catch (IOException | RuntimeException e) {
            String as = schema.equals(own) ? "" : " as the latest schema of subject " + subject + " reads it";
            throw new SerializationException("cannot write Avro record " + own.getFullName() + as + " (schema id "
                    + id + "): " + e.getMessage(), ctx, null, e);
        }
        return out.toByteArray();
    }

    private DatumWriter<Object> writer(Schema schema) {
        return writers.computeIfAbsent(schema, s -> specific ? new SpecificDatumWriter<>(s) : new GenericDatumWriter<>(s));
    }

    /**
     * Writes {@code value} (of schema {@code own}) in {@code target}, another schema (the subject's
     * latest): as {@code target} reads {@code own}'s encoding, by Avro's schema resolution. Writing the
     * record with {@code target} directly would take its fields by position, so fields in another order
     * would swap values silently, and a field the record lacks would be an index error; resolution
     * matches fields by name, fills the ones {@code own} lacks with their defaults, and refuses what
     * {@code target} cannot read (Confluent's {@code latest.compatibility.strict} check, on the data).
     */
    private void writeAs(Object value, Schema own, Schema target, ByteArrayOutputStream out) throws IOException {
        ByteArrayOutputStream ownBytes = new ByteArrayOutputStream(64);
        BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(ownBytes, null);
        writer(own).write(value, enc);
        enc.flush();
        // generic on both sides: no logical-type conversions, the values pass through as encoded
        Object asTarget = new GenericDatumReader<>(own, target)
                .read(null, DecoderFactory.get().binaryDecoder(ownBytes.toByteArray(), null));
        BinaryEncoder targetEnc = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<>(target).write(asTarget, targetEnc);
        targetEnc.flush();
    }

    @SuppressWarnings("unchecked")
    private T deserialize(byte[] data, SerdeContext ctx) {
        if (data == null) {
            return null;
        }
        int id = WireFormat.schemaId(data, ctx, "Avro");
        Schema writer = schemaById(id, ctx, data);
        Schema reader = readerSchema != null ? readerSchema : writer;
        if (reader.getType() != Schema.Type.RECORD) {
            // Confluent's serializers also write primitives, arrays, maps...: this serde's values are records,
            // and anything else would leave it as a ClassCastException in the application's code
            throw new SerializationException("schema id " + id + " is an Avro " + reader.getType().getName()
                    + ", not a record: an AvroSerde reads records", ctx, data, null);
        }
        DatumReader<Object> datumReader = readers.computeIfAbsent(id,
                k -> specific ? new SpecificDatumReader<>(writer, reader) : new GenericDatumReader<>(writer, reader));
        try {
            BinaryDecoder dec = DecoderFactory.get().binaryDecoder(data, WireFormat.HEADER, data.length - WireFormat.HEADER, null);
            Object v = datumReader.read(null, dec);
            if (!dec.isEnd()) {
                throw new IOException("trailing bytes after the record");
            }
            return (T) v;
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | ClassCastException e) {
            throw new SerializationException("truncated or malformed Avro payload for schema id " + id + ": " + e,
                    ctx, data, e);
        }
    }

    /** A record schema's text as registered: whole, or with the referenced types by name. */
    private String registeredText(Schema schema) {
        if (references.isEmpty()) {
            return schema.toString();
        }
        List<Schema> types = referencedTypes;
        if (types == null) {
            types = AvroSchemas.referencedTypes(references, registry);
            referencedTypes = types;
        }
        return schema.toString(types, false);
    }

    private Schema schemaById(int id, SerdeContext ctx) {
        return schemaById(id, ctx, null);
    }

    private Schema schemaById(int id, SerdeContext ctx, byte[] data) {
        Schema s = schemasById.get(id);
        if (s != null) {
            return s;
        }
        RegisteredSchema registered;
        try {
            registered = registry.schemaById(id);
        } catch (SchemaRegistryException e) {
            String why = e.kind() == SchemaRegistryException.Kind.SCHEMA_NOT_FOUND
                    ? "unknown schema id " + id + " at " + registry.url()
                    : "cannot fetch schema id " + id + ": " + e.getMessage();
            throw new SerializationException(why, ctx, data, e);
        }
        if (!"AVRO".equals(registered.schemaType())) {
            throw new SerializationException("schema id " + id + " is " + registered.schemaType() + ", not AVRO",
                    ctx, data, null);
        }
        try {
            s = AvroSchemas.resolve(registered, registry);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("cannot fetch the references " + registered.references() + " of schema id "
                    + id + ": " + e.getMessage(), ctx, data, e);
        } catch (IllegalArgumentException e) {
            throw new SerializationException("schema id " + id + ": " + e.getMessage(), ctx, data, e);
        } catch (AvroRuntimeException e) { // SchemaParseException, and AvroTypeException for a type defined nowhere
            throw new SerializationException("schema id " + id + " is not a valid Avro schema"
                    + (registered.references().isEmpty() ? "" : " with its references " + registered.references())
                    + ": " + e.getMessage(), ctx, data, e);
        }
        schemasById.put(id, s);
        return s;
    }

    /** Options of an {@link AvroSerde}. */
    public static final class Builder {
        private final SchemaRegistryClient registry;
        private SubjectNameStrategy keyStrategy = SubjectNameStrategy.TOPIC_NAME;
        private SubjectNameStrategy valueStrategy = SubjectNameStrategy.TOPIC_NAME;
        private boolean autoRegister = true;
        private boolean useLatestVersion;
        private Schema readerSchema;
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

        /** Register a record's schema when it is not yet under the subject. Default on. */
        public Builder autoRegister(boolean on) {
            this.autoRegister = on;
            return this;
        }

        /** Write with the subject's latest schema (and its id) instead of the record's own. Default off. */
        public Builder useLatestVersion(boolean on) {
            this.useLatestVersion = on;
            return this;
        }

        /**
         * Sets one option by the name Confluent's serializers use: {@code auto.register.schemas},
         * {@code use.latest.version}, {@code key.subject.name.strategy} or
         * {@code value.subject.name.strategy} (see {@link SubjectNameStrategy#of}).
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
                default -> throw new dev.skein.core.errors.ConfigException(key, "not an option of this serde");
            }
            return this;
        }

        /** Sets every entry by its standard name; see {@link #set}. */
        public Builder properties(java.util.Map<String, ?> props) {
            props.forEach(this::set);
            return this;
        }

        /**
         * The registered schemas that define named types the records' schemas use: on write, a record's
         * schema is registered (or, with auto-register off, looked up) with these types printed by their
         * full name and with these references, instead of whole. Each reference's {@code name} is by
         * Confluent's convention the full name of the type it defines. Default none.
         */
        public Builder references(List<SchemaReference> references) {
            this.references = List.copyOf(Objects.requireNonNull(references, "references"));
            return this;
        }

        /** For generic records: the schema to read into (schema evolution); default the writer's. */
        public Builder readerSchema(Schema schema) {
            this.readerSchema = schema;
            return this;
        }

        public AvroSerde<GenericRecord> generic() {
            return new AvroSerde<>(this, readerSchema, false);
        }

        /** Specific records of {@code type}, read with the class's own schema. */
        public <S extends SpecificRecord> AvroSerde<S> specific(Class<S> type) {
            return new AvroSerde<>(this, SpecificData.get().getSchema(type), true);
        }
    }
}
