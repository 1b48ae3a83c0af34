package dev.skein.serdes;

import dev.skein.core.internal.config.ConfigValues;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.skein.serdes.internal.CappedMap;
import dev.skein.serdes.internal.ProtoSchemas;
import dev.skein.serdes.internal.WireFormat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.Objects;
import java.util.function.Function;

/**
 * Protobuf messages in the Schema Registry wire format, as Confluent's Protobuf serializer writes them:
 * a magic byte 0, the schema's 4-byte id (big-endian), the message-index list that locates the message
 * type in its {@code .proto} file, then the Protobuf binary. protobuf-java is an optional dependency.
 *
 * <pre>{@code
 * Serde<Order> orders = ProtobufSerde.builder(registry).specific(Order.class);   // generated class
 * Serde<DynamicMessage> any = ProtobufSerde.builder(registry).dynamic();       // no generated code
 * }</pre>
 *
 * <p>Serializing: the message's {@code .proto} file is written out as source and registered under the
 * subject from the {@link SubjectNameStrategy} (the record name is the message's full name); each
 * import that is not a well-known type ({@code google/protobuf/*}) is registered first, under a
 * subject named by its import path unless {@link Builder#referenceSubjectName} says otherwise, and
 * referenced by name and version. Without auto-register nothing is registered: the schema and its
 * imports must already be (they are looked up); with use-latest-version the subject's latest id is
 * written, with the message indexes of the message's type in that latest schema (found by full name;
 * a type it does not define is refused).
 *
 * <p>Deserializing: the writer's schema is fetched by id (once per id), its source parsed into a
 * descriptor with its references, and the message type found by the indexes. A specific serde checks
 * that it is its class's type and parses with the class's parser; a dynamic one returns a
 * {@link DynamicMessage} of the writer's type. Bad payloads, unknown ids, unparseable schemas and
 * type mismatches raise {@link SerializationException} saying which.
 *
 * <p>Thread-safe; registrations and descriptors are cached, about as many of each as the registry
 * client's {@link SchemaRegistryClient.Builder#cacheCapacity cache capacity}.
 */
// protobuf types appear in this API although the module requires protobuf-java only statically (optional)
@SuppressWarnings("exports")
public final class ProtobufSerde<T extends Message> implements Serde<T> {
    private final SchemaRegistryClient registry;
    private final SubjectNameStrategy keyStrategy;
    private final SubjectNameStrategy valueStrategy;
    private final boolean autoRegister;
    private final boolean useLatestVersion;
    private final Function<String, String> referenceSubject;
    private final Parser<T> parser;
    private final Descriptor expected;
    private final CappedMap<SubjectAndFile, Integer> ids;
    private final CappedMap<Integer, FileDescriptor> writerFiles;

    private record SubjectAndFile(String subject, FileDescriptor file) {}
    /** Message indexes of a type in a latest schema, by (schema id, type's full name). */
    private final CappedMap<IdAndType, int[]> latestIndexes;

    private record IdAndType(int id, String type) {}

    private ProtobufSerde(Builder b, Parser<T> parser, Descriptor expected) {
        this.registry = b.registry;
        int capacity = registry.cacheCapacity(); // bounded as the client's own caches are
        this.ids = new CappedMap<>(capacity);
        this.writerFiles = new CappedMap<>(capacity);
        this.latestIndexes = new CappedMap<>(capacity);
        this.keyStrategy = b.keyStrategy;
        this.valueStrategy = b.valueStrategy;
        this.autoRegister = b.autoRegister;
        this.useLatestVersion = b.useLatestVersion;
        this.referenceSubject = b.referenceSubject;
        this.parser = parser;
        this.expected = expected;
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
        Descriptor type = value.getDescriptorForType();
        String subject = (ctx.isKey() ? keyStrategy : valueStrategy).subject(ctx.topic(), ctx.isKey(), type.getFullName());
        int id;
        int[] indexes;
        try {
            if (useLatestVersion) {
                id = registry.latest(subject).id();
                indexes = latestIndexes(id, type, ctx);
            } else {
                indexes = ProtoSchemas.messageIndexes(type);
                // per (subject, file), so the hot path neither builds the client's (subject, schema text)
                // key nor hashes the .proto text for every record
                SubjectAndFile key = new SubjectAndFile(subject, type.getFile());
                Integer known = ids.get(key);
                if (known == null) {
                    ProtoSchemas.Registration r = ProtoSchemas.registration(type.getFile(), registry, referenceSubject,
                            autoRegister);
                    known = autoRegister ? registry.register(subject, r.schema(), "PROTOBUF", r.references())
                            : registry.lookup(subject, r.schema(), "PROTOBUF", r.references()).id();
                    ids.put(key, known);
                }
                id = known;
            }
        } catch (SchemaRegistryException e) {
            throw new SerializationException("cannot get a schema id for subject " + subject + ": " + e.getMessage(),
                    ctx, null, e);
        } catch (IllegalArgumentException e) {
            throw new SerializationException((useLatestVersion ? "cannot read the latest schema of subject " + subject
                    : "cannot write the schema of " + type.getFullName()) + ": " + e.getMessage(), ctx, null, e);
        }
        int size = value.getSerializedSize();
        ByteArrayOutputStream out = WireFormat.header(id, size + 4);
        WireFormat.writeMessageIndexes(indexes, out);
        try {
            value.writeTo(out);
        } catch (IOException e) {
            throw new SerializationException("cannot write " + type.getFullName() + ": " + e, ctx, null, e);
        }
        return out.toByteArray();
    }

    /**
     * Where the latest schema (id {@code id}) defines {@code type}: the indexes must locate the type in
     * the schema whose id the record carries, as Confluent's serializer computes them, not in the local
     * file, whose messages may be in another order (a reader would then decode another type).
     */
    private int[] latestIndexes(int id, Descriptor type, SerdeContext ctx) {
        IdAndType key = new IdAndType(id, type.getFullName());
        int[] indexes = latestIndexes.get(key);
        if (indexes == null) { // writerFile may call the registry: outside the map's compute
            Descriptor inLatest = ProtoSchemas.findMessage(writerFile(id, ctx, null), type.getFullName());
            if (inLatest == null) {
                throw new SerializationException("the latest schema of the subject (id " + id + ") does not define "
                        + type.getFullName(), ctx);
            }
            indexes = ProtoSchemas.messageIndexes(inLatest);
            latestIndexes.put(key, indexes);
        }
        return indexes;
    }

    @SuppressWarnings("unchecked")
    private T deserialize(byte[] data, SerdeContext ctx) {
        if (data == null) {
            return null;
        }
        int id = WireFormat.schemaId(data, ctx, "Protobuf");
        int[] pos = {WireFormat.HEADER};
        int[] indexes = WireFormat.readMessageIndexes(data, pos, ctx);
        Descriptor writer;
        try {
            writer = ProtoSchemas.messageAt(writerFile(id, ctx, data), indexes);
        } catch (IllegalArgumentException e) {
            throw new SerializationException("schema id " + id + ": " + e.getMessage(), ctx, data, e);
        }
        if (expected != null && !expected.getFullName().equals(writer.getFullName())) {
            throw new SerializationException("schema id " + id + " wrote a " + writer.getFullName() + ", not the "
                    + expected.getFullName() + " this serde reads", ctx, data, null);
        }
        try {
            CodedInputStream in = CodedInputStream.newInstance(data, pos[0], data.length - pos[0]);
            return parser != null ? parser.parseFrom(in) : (T) DynamicMessage.parseFrom(writer, in);
        } catch (IOException e) { // InvalidProtocolBufferException, mostly
            throw new SerializationException("truncated or malformed Protobuf payload of " + writer.getFullName()
                    + " (schema id " + id + "): " + e.getMessage(), ctx, data, e);
        }
    }

    private FileDescriptor writerFile(int id, SerdeContext ctx, byte[] data) {
        FileDescriptor f = writerFiles.get(id);
        if (f != null) {
            return f;
        }
        RegisteredSchema schema;
        try {
            schema = registry.schemaById(id);
            if (!"PROTOBUF".equals(schema.schemaType())) {
                throw new SerializationException("schema id " + id + " is " + schema.schemaType() + ", not PROTOBUF",
                        ctx, data, null);
            }
            f = ProtoSchemas.resolve(schema, "schema-" + id + ".proto", registry);
        } catch (SchemaRegistryException e) {
            String why = e.kind() == SchemaRegistryException.Kind.SCHEMA_NOT_FOUND && e.getMessage().contains("/schemas/ids/")
                    ? "unknown schema id " + id + " at " + registry.url()
                    : "cannot fetch schema id " + id + " or its references: " + e.getMessage();
            throw new SerializationException(why, ctx, data, e);
        }
        writerFiles.put(id, f);
        return f;
    }

    /** Options of a {@link ProtobufSerde}. */
    public static final class Builder {
        private final SchemaRegistryClient registry;
        private SubjectNameStrategy keyStrategy = SubjectNameStrategy.TOPIC_NAME;
        private SubjectNameStrategy valueStrategy = SubjectNameStrategy.TOPIC_NAME;
        private boolean autoRegister = true;
        private boolean useLatestVersion;
        private Function<String, String> referenceSubject = Function.identity();

        private Builder(SchemaRegistryClient registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /** How keys' and values' subjects are named. Default {@link SubjectNameStrategy#TOPIC_NAME}. */
        public Builder subjectNameStrategy(SubjectNameStrategy strategy) {
            this.keyStrategy = Objects.requireNonNull(strategy, "strategy");
            this.valueStrategy = strategy;
            return this;
        }

        /** Register the schema (and its imports) when it is not yet under the subject. Default on. */
        public Builder autoRegister(boolean on) {
            this.autoRegister = on;
            return this;
        }

        /** Write with the subject's latest schema id. Default off. */
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

        /** The subject an import is registered under, from its import path. Default: the path itself. */
        public Builder referenceSubjectName(Function<String, String> subjectOfImport) {
            this.referenceSubject = Objects.requireNonNull(subjectOfImport, "subjectOfImport");
            return this;
        }

        /**
         * Messages of a generated class {@code type}; records of another message type are refused.
         *
         * @throws IllegalArgumentException when {@code type} is not a generated message class
         */
        @SuppressWarnings("unchecked")
        public <M extends Message> ProtobufSerde<M> specific(Class<M> type) {
            Message prototype;
            try {
                prototype = (Message) type.getMethod("getDefaultInstance").invoke(null);
            } catch (NoSuchMethodException | IllegalAccessException | InvocationTargetException | ClassCastException e) {
                throw new IllegalArgumentException(type.getName() + " is not a generated Protobuf message class", e);
            }
            return new ProtobufSerde<>(this, (Parser<M>) prototype.getParserForType(), prototype.getDescriptorForType());
        }

        /**
         * Any message on write; on read a {@link DynamicMessage} of the type the writer's schema and
         * message indexes name (no generated code needed).
         */
        public ProtobufSerde<Message> dynamic() {
            return new ProtobufSerde<>(this, null, null);
        }
    }
}
