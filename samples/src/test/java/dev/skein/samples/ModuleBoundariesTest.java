package dev.skein.samples;

import dev.skein.admin.Admin;
import dev.skein.consumer.Consumer;
import dev.skein.core.TopicPartition;
import dev.skein.producer.Producer;
import dev.skein.serdes.Serde;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Module boundaries, checked on the compiled main code of the SDK modules (client-core, serdes,
 * producer, consumer, admin) and of cli when {@code ../cli/target/classes} exists (cli is not a
 * dependency of samples; without that directory its checks are skipped with a message).
 *
 * <ol>
 *   <li>No main class of those modules references a class in {@code org.apache.kafka}: Apache Kafka's
 *       artifacts belong to testkit, test and bench scope and build time only.</li>
 *   <li>No module's main code references a class in another module's {@code internal} package
 *       ({@code dev.skein.<x>.internal} or a subpackage) unless the pair is on {@link #ALLOWED_INTERNAL},
 *       which plays the part of JPMS qualified exports ({@code exports p to m}). It holds exactly the
 *       packages the code uses today:
 *       <pre>
 * producer -&gt; dev.skein.core.internal, dev.skein.core.internal.config,
 *             dev.skein.core.internal.metadata, dev.skein.core.internal.net,
 *             dev.skein.core.internal.records, dev.skein.serdes.internal
 * consumer -&gt; dev.skein.core.internal, dev.skein.core.internal.config,
 *             dev.skein.core.internal.metadata, dev.skein.core.internal.net,
 *             dev.skein.core.internal.records, dev.skein.serdes.internal,
 *             dev.skein.producer.internal
 * admin    -&gt; dev.skein.core.internal, dev.skein.core.internal.config,
 *             dev.skein.core.internal.metadata, dev.skein.core.internal.net,
 *             dev.skein.core.internal.security
 * client-core, serdes, cli -&gt; (none)
 *       </pre>
 *       A new package on that list is a design decision: add it with a reason, do not widen an entry
 *       to a prefix.</li>
 *   <li>Each published module's {@code module-info} (javac enforces it on main code) exports only
 *       non-internal packages to everyone, and its qualified exports of internal packages are exactly
 *       that list, so the descriptors and the list cannot drift apart.</li>
 * </ol>
 *
 * <p>References are read from each class file's constant pool: {@code CONSTANT_Class} entries and the
 * {@code L...;} types inside descriptors and signatures (UTF-8 entries), leaving out UTF-8 entries that
 * are only the text of a string literal (so {@code "org.apache.kafka.clients.consumer.RangeAssignor"},
 * a config value, is not a reference). A class belongs to the module whose classes directory or jar it
 * was read from: each module is found from the code source of one of its public classes, which is
 * {@code target/classes} in a reactor build and the module's jar otherwise (for example
 * {@code mvn -pl samples}, which reads the jars in the local repository: rebuild a changed module
 * before trusting this test against it).
 */
class ModuleBoundariesTest {

    /** A module's expected package root, in internal form; checked against what its jar or directory holds. */
    private static final Map<String, String> PACKAGE_ROOTS = orderedMap(
            "client-core", "dev/skein/core/",
            "serdes", "dev/skein/serdes/",
            "producer", "dev/skein/producer/",
            "consumer", "dev/skein/consumer/",
            "admin", "dev/skein/admin/",
            "cli", "dev/skein/cli/");

    /** The producer's and the consumer's engines stand on the same core and serdes internals. */
    private static final Set<String> ENGINE_INTERNALS = Set.of(
            "dev.skein.core.internal",
            "dev.skein.core.internal.config",
            "dev.skein.core.internal.metadata",
            "dev.skein.core.internal.net",
            "dev.skein.core.internal.records",
            // ContextFree: the send and fetch paths skip SerdeContext for serdes that do not need it.
            "dev.skein.serdes.internal");

    private static Set<String> union(Set<String> packages, String... more) {
        Set<String> all = new TreeSet<>(packages);
        all.addAll(List.of(more));
        return Set.copyOf(all);
    }

    /**
     * The qualified exports: module -> other modules' internal packages (exact packages, not prefixes)
     * its main code may use. A module's own internal packages are always allowed. See the class comment.
     */
    static final Map<String, Set<String>> ALLOWED_INTERNAL = Map.of(
            "producer", ENGINE_INTERNALS,
            "consumer", union(ENGINE_INTERNALS,
                    // SkeinProducer: ExactlyOnceProcessor hands the producer the topic ids its records were read
                    // from (TxnOffsetCommit v6, KIP-1319), which the public sendOffsetsToTransaction cannot carry.
                    "dev.skein.producer.internal"),
            // ConfigValues: the serdes' builders read Confluent's property names as the clients read theirs.
            "serdes", Set.of("dev.skein.core.internal.config"),
            "admin", Set.of(
                    "dev.skein.core.internal",
                    "dev.skein.core.internal.config",
                    "dev.skein.core.internal.metadata",
                    "dev.skein.core.internal.net",
                    // Scram: ScramMechanism and ScramChange salt and hash user credentials.
                    "dev.skein.core.internal.security"));

    private static final Path CLI_CLASSES =
            Path.of(System.getProperty("basedir", ".")).resolve("../cli/target/classes").normalize();

    private static final Pattern DESCRIPTOR_TYPE = Pattern.compile("L((?:org/apache/kafka|dev/skein)/[^;<>\\[.:]+)[;<]");
    private static final Pattern INTERNAL_PACKAGE = Pattern.compile("dev/skein/[^/]+/internal(?:/.*)?");

    private static List<ModuleClasses> scanned;

    // ---------------------------------------------------------------------------------------------
    // The checks

    @Test
    void theScanFindsEachModulesClassesUnderItsOwnPackageRoot() {
        List<ModuleClasses> modules = modules();
        Map<String, String> owners = new TreeMap<>();
        for (ModuleClasses m : modules) {
            System.out.printf("ModuleBoundariesTest: %-11s %4d classes from %s%n", m.name(), m.classes().size(), m.location());
            assertFalse(m.classes().isEmpty(), m.name() + ": no classes found in " + m.location());
            for (ClassRefs c : m.classes()) {
                assertTrue(c.name().startsWith(PACKAGE_ROOTS.get(m.name())),
                        m.name() + " (" + m.location() + ") holds " + dotted(c.name()) + ", outside its package root "
                                + dotted(PACKAGE_ROOTS.get(m.name())));
                String other = owners.put(c.name(), m.name());
                assertTrue(other == null, dotted(c.name()) + " is in both " + other + " and " + m.name());
            }
        }
        ModuleClasses core = modules.stream().filter(m -> m.name().equals("client-core")).findFirst().orElseThrow();
        assertTrue(core.classes().size() >= 50, "client-core: only " + core.classes().size() + " classes in " + core.location());
    }

    @Test
    void cliIsCheckedWhenItHasBeenBuilt() {
        assumeTrue(Files.isDirectory(CLI_CLASSES),
                "cli not checked: " + CLI_CLASSES + " does not exist (build cli first, e.g. mvn -pl cli compile)");
        assertTrue(modules().stream().anyMatch(m -> m.name().equals("cli") && !m.classes().isEmpty()),
                "cli: no classes found in " + CLI_CLASSES);
    }

    /** The JPMS module each scanned module's main code declares (testkit's is not scanned here). */
    private static final Map<String, String> MODULE_NAMES = orderedMap(
            "client-core", "dev.skein.core",
            "serdes", "dev.skein.serdes",
            "producer", "dev.skein.producer",
            "consumer", "dev.skein.consumer",
            "admin", "dev.skein.admin",
            "cli", "dev.skein.cli");

    /**
     * Each published module declares a module whose only unqualified exports are non-internal packages,
     * and whose qualified exports of internal packages are exactly {@link #ALLOWED_INTERNAL}: javac
     * enforces the descriptors, this keeps them and the allow-list one rule.
     */
    @Test
    void eachModuleDescriptorExportsItsInternalsOnlyAsTheAllowListSays() {
        Map<String, Set<String>> qualified = new TreeMap<>();
        for (ModuleClasses m : modules()) {
            String expected = MODULE_NAMES.get(m.name());
            if (expected == null) {
                continue;
            }
            ModuleDescriptor d = ModuleFinder.of(m.location()).findAll().stream().findFirst()
                    .orElseThrow(() -> new AssertionError(m.name() + ": no module-info in " + m.location()))
                    .descriptor();
            assertEquals(expected, d.name(), m.name() + "'s module name");
            assertFalse(d.isAutomatic(), m.name() + " has no module-info.class in " + m.location());
            for (ModuleDescriptor.Exports e : d.exports()) {
                boolean internal = INTERNAL_PACKAGE.matcher(e.source().replace('.', '/')).matches();
                if (!e.isQualified()) {
                    assertFalse(internal, expected + " exports " + e.source() + " to everyone");
                    continue;
                }
                assertTrue(internal, expected + " exports the public " + e.source() + " only to " + e.targets());
                for (String target : e.targets()) {
                    qualified.computeIfAbsent(target, t -> new TreeSet<>()).add(e.source());
                }
            }
        }
        Map<String, Set<String>> allowed = new TreeMap<>();
        ALLOWED_INTERNAL.forEach((module, packages) -> allowed.put(MODULE_NAMES.get(module), new TreeSet<>(packages)));
        assertEquals(allowed, qualified, "the modules' qualified exports and ModuleBoundariesTest.ALLOWED_INTERNAL");
    }

    @Test
    void sdkMainCodeNeverReferencesApacheKafka() {
        List<String> violations = kafkaViolations(modules());
        assertTrue(violations.isEmpty(), violations.size() + " reference(s) to Apache Kafka from SDK main code "
                + "(its artifacts belong to testkit, test/bench scope and build time only):\n  "
                + String.join("\n  ", violations));
    }

    @Test
    void noModuleUsesAnotherModulesInternalPackagesBeyondTheAllowList() {
        List<ModuleClasses> modules = modules();
        System.out.println("ModuleBoundariesTest: internal packages each module may use of other modules:");
        for (String module : PACKAGE_ROOTS.keySet()) {
            System.out.printf("  %-11s -> %s%n", module, new TreeSet<>(ALLOWED_INTERNAL.getOrDefault(module, Set.of())));
        }
        Set<String> used = new TreeSet<>();
        List<String> violations = internalViolations(modules, ALLOWED_INTERNAL, used);
        for (Map.Entry<String, Set<String>> e : new TreeMap<>(ALLOWED_INTERNAL).entrySet()) {
            for (String pkg : new TreeSet<>(e.getValue())) {
                if (!used.contains(e.getKey() + " -> " + pkg)) {
                    System.out.println("ModuleBoundariesTest: note: allow-list entry " + e.getKey() + " -> " + pkg
                            + " is no longer used; remove it");
                }
            }
        }
        assertTrue(violations.isEmpty(), violations.size() + " reference(s) into another module's internal package "
                + "that ModuleBoundariesTest.ALLOWED_INTERNAL does not allow (use the public API, or add the "
                + "package to the list with a reason):\n  " + String.join("\n  ", violations));
    }

    /** The detector itself, on a class file built here: what it must report, and what it must not. */
    @Test
    void theDetectorReportsKafkaAndInternalReferencesInASyntheticClassFile() {
        byte[] bytes = syntheticClassFile("dev/skein/producer/internal/Sneaky",
                "org/apache/kafka/clients/producer/KafkaProducer",
                "[Lorg/apache/kafka/common/Node;",
                "dev/skein/admin/internal/Secret",
                "dev/skein/core/internal/net/Channel",
                "dev/skein/producer/internal/Own");
        ClassRefs refs = parse(bytes, "synthetic");
        assertEquals("dev/skein/producer/internal/Sneaky", refs.name());
        assertTrue(refs.refs().containsAll(Set.of(
                "org/apache/kafka/clients/producer/KafkaProducer", // CONSTANT_Class
                "org/apache/kafka/common/Node", // array class
                "org/apache/kafka/common/TopicPartition", // method descriptor
                "org/apache/kafka/common/header/Header", // generic signature
                "dev/skein/admin/internal/Secret",
                "dev/skein/core/internal/net/Channel")), refs.refs().toString());
        assertFalse(refs.refs().contains("org/apache/kafka/common/InAStringLiteral"), "a string literal is not a reference");

        ModuleClasses producer = new ModuleClasses("producer", Path.of("synthetic"), List.of(refs));
        ModuleClasses core = new ModuleClasses("client-core", Path.of("synthetic"),
                List.of(new ClassRefs("dev/skein/core/internal/net/Channel", Set.of())));
        ModuleClasses admin = new ModuleClasses("admin", Path.of("synthetic"),
                List.of(new ClassRefs("dev/skein/admin/internal/Secret", Set.of())));
        List<ModuleClasses> modules = List.of(core, producer, admin);

        assertEquals(List.of(
                        "producer: dev.skein.producer.internal.Sneaky references org.apache.kafka.clients.producer.KafkaProducer",
                        "producer: dev.skein.producer.internal.Sneaky references org.apache.kafka.common.Node",
                        "producer: dev.skein.producer.internal.Sneaky references org.apache.kafka.common.TopicPartition",
                        "producer: dev.skein.producer.internal.Sneaky references org.apache.kafka.common.header.Header"),
                kafkaViolations(modules));
        assertEquals(List.of("producer -> admin: dev.skein.producer.internal.Sneaky references "
                        + "dev.skein.admin.internal.Secret in admin's internal package dev.skein.admin.internal"),
                internalViolations(modules, Map.of("producer", Set.of("dev.skein.core.internal.net")), new TreeSet<>()));
        assertEquals(2, internalViolations(modules, Map.of(), new TreeSet<>()).size(),
                "without the allow-list entry the reach into client-core is reported too");
    }

    // ---------------------------------------------------------------------------------------------
    // Rules

    private static List<String> kafkaViolations(List<ModuleClasses> modules) {
        List<String> violations = new ArrayList<>();
        for (ModuleClasses m : modules) {
            for (ClassRefs c : m.classes()) {
                for (String ref : c.refs()) {
                    if (ref.startsWith("org/apache/kafka/")) {
                        violations.add(m.name() + ": " + dotted(c.name()) + " references " + dotted(ref));
                    }
                }
            }
        }
        violations.sort(null);
        return violations;
    }

    /** {@code used} collects the allow-list pairs ("module -> package") the code relies on. */
    private static List<String> internalViolations(List<ModuleClasses> modules, Map<String, Set<String>> allowed,
                                                   Set<String> used) {
        Map<String, String> owners = new TreeMap<>();
        for (ModuleClasses m : modules) {
            for (ClassRefs c : m.classes()) {
                owners.put(c.name(), m.name());
            }
        }
        List<String> violations = new ArrayList<>();
        for (ModuleClasses m : modules) {
            for (ClassRefs c : m.classes()) {
                for (String ref : c.refs()) {
                    String pkg = ref.substring(0, Math.max(0, ref.lastIndexOf('/')));
                    if (!INTERNAL_PACKAGE.matcher(pkg).matches()) {
                        continue;
                    }
                    String owner = owners.getOrDefault(ref, ownerByPackage(ref));
                    if (owner.equals(m.name())) {
                        continue;
                    }
                    if (allowed.getOrDefault(m.name(), Set.of()).contains(dotted(pkg))) {
                        used.add(m.name() + " -> " + dotted(pkg));
                    } else {
                        violations.add(m.name() + " -> " + owner + ": " + dotted(c.name()) + " references " + dotted(ref)
                                + " in " + owner + "'s internal package " + dotted(pkg));
                    }
                }
            }
        }
        violations.sort(null);
        return violations;
    }

    /** For a class none of the scanned modules holds (a stale jar, or testkit): by package root. */
    private static String ownerByPackage(String className) {
        for (Map.Entry<String, String> e : PACKAGE_ROOTS.entrySet()) {
            if (className.startsWith(e.getValue())) {
                return e.getKey();
            }
        }
        String[] parts = className.split("/");
        return "unscanned " + parts[0] + "." + parts[1] + "." + parts[2];
    }

    // ---------------------------------------------------------------------------------------------
    // Finding and reading the modules' classes

    private static synchronized List<ModuleClasses> modules() {
        if (scanned == null) {
            List<ModuleClasses> modules = new ArrayList<>();
            modules.add(read("client-core", codeSource(TopicPartition.class)));
            modules.add(read("serdes", codeSource(Serde.class)));
            modules.add(read("producer", codeSource(Producer.class)));
            modules.add(read("consumer", codeSource(Consumer.class)));
            modules.add(read("admin", codeSource(Admin.class)));
            if (Files.isDirectory(CLI_CLASSES)) {
                modules.add(read("cli", CLI_CLASSES));
            } else {
                System.out.println("ModuleBoundariesTest: skipping cli: " + CLI_CLASSES + " does not exist");
            }
            scanned = List.copyOf(modules);
        }
        return scanned;
    }

    private static Path codeSource(Class<?> known) {
        try {
            return Path.of(known.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("code source of " + known, e);
        }
    }

    /** Every class in a classes directory or a jar (module-info and multi-release variants excluded). */
    private static ModuleClasses read(String module, Path location) {
        List<ClassRefs> classes = new ArrayList<>();
        try {
            if (Files.isDirectory(location)) {
                try (Stream<Path> files = Files.walk(location)) {
                    for (Path file : (Iterable<Path>) files::iterator) {
                        String rel = location.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
                        if (isClassEntry(rel)) {
                            classes.add(parse(Files.readAllBytes(file), file.toString()));
                        }
                    }
                }
            } else {
                try (ZipFile jar = new ZipFile(location.toFile())) {
                    for (Enumeration<? extends ZipEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                        ZipEntry entry = entries.nextElement();
                        if (!entry.isDirectory() && isClassEntry(entry.getName())) {
                            classes.add(parse(jar.getInputStream(entry).readAllBytes(), location + "!/" + entry.getName()));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + module + " classes from " + location, e);
        }
        return new ModuleClasses(module, location, classes);
    }

    private static boolean isClassEntry(String path) {
        return path.endsWith(".class") && !path.startsWith("META-INF/") && !path.endsWith("module-info.class");
    }

    /**
     * The class's own name and the classes its constant pool names: {@code CONSTANT_Class} entries and the
     * {@code org.apache.kafka} / {@code dev.skein} types in descriptors and signatures (UTF-8 entries other
     * than string literals' text). JVMS 4.4.
     */
    static ClassRefs parse(byte[] bytes, String where) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            if (in.readInt() != 0xCAFEBABE) {
                throw new IllegalArgumentException(where + ": not a class file");
            }
            in.readUnsignedShort(); // minor
            in.readUnsignedShort(); // major
            int count = in.readUnsignedShort();
            String[] utf8 = new String[count];
            Map<Integer, Integer> classNames = new TreeMap<>(); // CONSTANT_Class slot -> its name's slot
            Set<Integer> stringLiterals = new TreeSet<>();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> utf8[i] = in.readUTF(); // u2 length + modified UTF-8, as DataInput reads it
                    case 7 -> classNames.put(i, in.readUnsignedShort());
                    case 8 -> stringLiterals.add(in.readUnsignedShort());
                    case 16, 19, 20 -> in.readUnsignedShort(); // MethodType, Module, Package
                    case 15 -> in.skipNBytes(3); // MethodHandle
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                    case 5, 6 -> { // Long, Double: eight bytes and two slots
                        in.skipNBytes(8);
                        i++;
                    }
                    default -> throw new IllegalArgumentException(where + ": constant pool tag " + tag + " at " + i);
                }
            }
            in.readUnsignedShort(); // access_flags
            int thisClass = in.readUnsignedShort();
            Set<String> refs = new TreeSet<>();
            for (int nameIndex : classNames.values()) {
                String name = utf8[nameIndex];
                if (name.startsWith("[")) {
                    descriptorTypes(name, refs);
                } else {
                    refs.add(name);
                }
            }
            for (int i = 1; i < count; i++) {
                if (utf8[i] != null && !stringLiterals.contains(i)) {
                    descriptorTypes(utf8[i], refs);
                }
            }
            if (!classNames.containsKey(thisClass)) {
                throw new IllegalArgumentException(where + ": this_class " + thisClass + " is not a class entry");
            }
            String self = utf8[classNames.get(thisClass)];
            refs.remove(self);
            return new ClassRefs(self, refs);
        } catch (IOException e) {
            throw new UncheckedIOException(where, e);
        }
    }

    private static void descriptorTypes(String text, Set<String> refs) {
        Matcher m = DESCRIPTOR_TYPE.matcher(text);
        while (m.find()) {
            refs.add(m.group(1));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers

    /**
     * A minimal class file (constant pool, this_class, no members) naming {@code classes} in CONSTANT_Class
     * entries, with Kafka types in a method descriptor and a generic signature, a Kafka-like string
     * literal that is not a reference, and a long constant (two pool slots).
     */
    private static byte[] syntheticClassFile(String self, String... classes) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            List<Object[]> pool = new ArrayList<>();
            pool.add(new Object[]{1, self});                   // 1
            pool.add(new Object[]{7, 1});                      // 2: this_class
            pool.add(new Object[]{5, 42L});                    // 3-4: a long
            pool.add(new Object[]{1, "(Lorg/apache/kafka/common/TopicPartition;I)V"});
            pool.add(new Object[]{1, "Ljava/util/List<Lorg/apache/kafka/common/header/Header;>;"});
            pool.add(new Object[]{1, "Lorg/apache/kafka/common/InAStringLiteral;"});
            int literal = 7; // the UTF-8 entry just above, at slot 7
            pool.add(new Object[]{8, literal});
            for (String name : classes) {
                int utf = 1 + pool.size() + 1; // slots: entries + the long's second slot, then this one
                pool.add(new Object[]{1, name});
                pool.add(new Object[]{7, utf});
            }
            out.writeInt(0xCAFEBABE);
            out.writeShort(0);
            out.writeShort(61);
            out.writeShort(pool.size() + 2); // one-based, plus the long's second slot
            for (Object[] entry : pool) {
                int tag = (Integer) entry[0];
                out.writeByte(tag);
                switch (tag) {
                    case 1 -> out.writeUTF((String) entry[1]);
                    case 7, 8 -> out.writeShort((Integer) entry[1]);
                    case 5 -> out.writeLong((Long) entry[1]);
                    default -> throw new IllegalStateException();
                }
            }
            out.writeShort(0x0001 | 0x0020); // public super
            out.writeShort(2); // this_class
            out.writeShort(0); // super_class (none: enough for a constant-pool reader)
            out.writeShort(0); // interfaces
            out.writeShort(0); // fields
            out.writeShort(0); // methods
            out.writeShort(0); // attributes
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String dotted(String internalName) {
        return internalName.replace('/', '.');
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    record ClassRefs(String name, Set<String> refs) {
    }

    record ModuleClasses(String name, Path location, List<ClassRefs> classes) {
    }
}
