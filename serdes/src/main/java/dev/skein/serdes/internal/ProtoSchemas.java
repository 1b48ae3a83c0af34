package dev.skein.serdes.internal;

import com.google.protobuf.AnyProto;
import com.google.protobuf.ApiProto;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DurationProto;
import com.google.protobuf.EmptyProto;
import com.google.protobuf.FieldMaskProto;
import com.google.protobuf.SourceContextProto;
import com.google.protobuf.StructProto;
import com.google.protobuf.TimestampProto;
import com.google.protobuf.TypeProto;
import com.google.protobuf.WrappersProto;
import dev.skein.serdes.RegisteredSchema;
import dev.skein.serdes.SchemaReference;
import dev.skein.serdes.SchemaRegistryClient;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Protobuf schemas between registry and descriptors: a message's message-index path, a file's
 * registration (its source text and its imports registered as references), and a registered schema
 * turned back into a {@link FileDescriptor} (parsing its source and, recursively, its references').
 * The well-known types ({@code google/protobuf/*.proto}) are never registered: both sides take them
 * from protobuf-java, as Confluent's serializers do by default.
 */
public final class ProtoSchemas {
    private static final Map<String, FileDescriptor> WELL_KNOWN = new HashMap<>();

    static {
        for (FileDescriptor f : List.of(AnyProto.getDescriptor(), ApiProto.getDescriptor(),
                DescriptorProtos.getDescriptor(), DurationProto.getDescriptor(), EmptyProto.getDescriptor(),
                FieldMaskProto.getDescriptor(), SourceContextProto.getDescriptor(), StructProto.getDescriptor(),
                TimestampProto.getDescriptor(), TypeProto.getDescriptor(), WrappersProto.getDescriptor())) {
            WELL_KNOWN.put(f.getName(), f);
        }
    }

    /** A file as registered: its source and the references of its imports. */
    public record Registration(String schema, List<SchemaReference> references) {}

    private ProtoSchemas() {}

    public static boolean isWellKnown(String fileName) {
        return WELL_KNOWN.containsKey(fileName);
    }

    /**
     * The indexes from the file's top-level message list down to {@code d}, outermost first. Map-entry
     * types are not counted: Confluent's Java serdes number the messages of the parsed .proto source,
     * where a {@code map<K, V>} field is a field and not a nested message, while a descriptor lists a
     * synthetic {@code XxxEntry} type among the nested messages.
     */
    public static int[] messageIndexes(Descriptor d) {
        List<Integer> path = new ArrayList<>();
        for (Descriptor at = d; at != null; at = at.getContainingType()) {
            List<Descriptor> siblings = at.getContainingType() == null ? at.getFile().getMessageTypes()
                    : at.getContainingType().getNestedTypes();
            path.add(0, messages(siblings).indexOf(at));
        }
        return path.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The message at {@code indexes} in {@code file}, map entries not counted. */
    public static Descriptor messageAt(FileDescriptor file, int[] indexes) {
        List<Descriptor> level = file.getMessageTypes();
        Descriptor d = null;
        for (int i : indexes) {
            List<Descriptor> messages = messages(level);
            if (i >= messages.size()) {
                throw new IllegalArgumentException("message index " + i + " is out of range (" + messages.size()
                        + " messages at that level of its .proto)");
            }
            d = messages.get(i);
            level = d.getNestedTypes();
        }
        return d;
    }

    /** The message of {@code file} (nested or not) with this full name, or null. */
    public static Descriptor findMessage(FileDescriptor file, String fullName) {
        String pkg = file.getPackage();
        if (!pkg.isEmpty() && !fullName.startsWith(pkg + ".")) {
            return null;
        }
        String[] path = (pkg.isEmpty() ? fullName : fullName.substring(pkg.length() + 1)).split("\\.");
        Descriptor d = file.findMessageTypeByName(path[0]);
        for (int i = 1; i < path.length && d != null; i++) {
            d = d.findNestedTypeByName(path[i]);
        }
        return d;
    }

    private static List<Descriptor> messages(List<Descriptor> types) {
        return types.stream().filter(t -> !t.getOptions().getMapEntry()).toList();
    }

    /**
     * Finds every non-well-known import of {@code file}, depth first, under a subject named by
     * {@code referenceSubject} (Confluent's default: the import path itself), registering it first
     * when {@code registerImports}, and returns the file's own source with the references to give when
     * registering or looking it up.
     */
    public static Registration registration(FileDescriptor file, SchemaRegistryClient registry,
                                            Function<String, String> referenceSubject, boolean registerImports) {
        List<SchemaReference> refs = new ArrayList<>();
        for (FileDescriptor dep : file.getDependencies()) {
            if (isWellKnown(dep.getName())) {
                continue;
            }
            Registration r = registration(dep, registry, referenceSubject, registerImports);
            String subject = referenceSubject.apply(dep.getName());
            if (registerImports) {
                registry.register(subject, r.schema(), "PROTOBUF", r.references());
            }
            int version = registry.lookup(subject, r.schema(), "PROTOBUF", r.references()).version();
            refs.add(new SchemaReference(dep.getName(), subject, version));
        }
        return new Registration(ProtoPrinter.print(file), refs);
    }

    /**
     * Builds the descriptor of a registered Protobuf schema and of its references. A file imported along
     * two paths (a diamond) is built once; references that lead back to a file being built are refused.
     *
     * @throws IllegalArgumentException when a schema does not parse, an import has no reference, or the
     *     references form a cycle
     */
    public static FileDescriptor resolve(RegisteredSchema schema, String fileName, SchemaRegistryClient registry) {
        return resolve(schema, fileName, registry, new HashMap<>(), new LinkedHashSet<>());
    }

    private static FileDescriptor resolve(RegisteredSchema schema, String fileName, SchemaRegistryClient registry,
                                          Map<String, FileDescriptor> built, LinkedHashSet<String> path) {
        FileDescriptorProto proto = ProtoParser.parse(fileName, schema.schema());
        Map<String, SchemaReference> byName = new HashMap<>();
        schema.references().forEach(r -> byName.put(r.name(), r));
        FileDescriptor[] deps = new FileDescriptor[proto.getDependencyCount()];
        for (int i = 0; i < deps.length; i++) {
            String name = proto.getDependency(i);
            FileDescriptor known = WELL_KNOWN.get(name);
            if (known != null) {
                deps[i] = known;
                continue;
            }
            SchemaReference ref = byName.get(name);
            if (ref == null) {
                throw new IllegalArgumentException(fileName + " imports " + name + " but the schema has no reference of that name");
            }
            String key = ref.subject() + " version " + ref.version();
            FileDescriptor done = built.get(key);
            if (done == null) {
                if (!path.add(key)) {
                    throw new IllegalArgumentException("the schema references form a cycle: " + String.join(" -> ", path)
                            + " -> " + key);
                }
                done = resolve(registry.version(ref.subject(), ref.version()), name, registry, built, path);
                path.remove(key);
                built.put(key, done);
            }
            deps[i] = done;
        }
        try {
            return FileDescriptor.buildFrom(proto, deps);
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalArgumentException("the .proto schema " + fileName + " is not valid: " + e.getMessage(), e);
        }
    }
}
