package dev.skein.generator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Generates client-core's message classes.
 *
 * <pre>Main SCHEMA_DIR OUTPUT_DIR PACKAGE FIELD_TABLE_FILE</pre>
 *
 * Reads every {@code *.json} schema in SCHEMA_DIR, writes one class per message into OUTPUT_DIR
 * under PACKAGE, plus {@code ApiKey}, and a table of every field's versions to FIELD_TABLE_FILE
 * (tab-separated; the round-trip tests use it to know which fields exist at which version).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: Main SCHEMA_DIR OUTPUT_DIR PACKAGE FIELD_TABLE_FILE");
        }
        Path schemaDir = Path.of(args[0]);
        Path outDir = Path.of(args[1]).resolve(args[2].replace('.', '/'));
        String pkg = args[2];
        Path fieldTableFile = Path.of(args[3]);
        Files.createDirectories(outDir);
        Files.createDirectories(fieldTableFile.toAbsolutePath().getParent());

        List<Path> files;
        try (Stream<Path> s = Files.list(schemaDir)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IllegalStateException("no schemas in " + schemaDir);
        }
        Map<Integer, Schema[]> apis = new TreeMap<>();
        List<String[]> fieldTable = new ArrayList<>();
        for (Path file : files) {
            Schema schema = Schema.read(file);
            MessageGenerator gen = new MessageGenerator(schema, pkg, fieldTable);
            Files.writeString(outDir.resolve(gen.className() + ".java"), gen.generate());
            if (schema.apiKey != null) {
                Schema[] pair = apis.computeIfAbsent(schema.apiKey, k -> new Schema[2]);
                pair["request".equals(schema.kind) ? 0 : 1] = schema;
            }
        }
        for (Map.Entry<Integer, Schema[]> e : apis.entrySet()) {
            if (e.getValue()[0] == null || e.getValue()[1] == null) {
                throw new IllegalStateException("api key " + e.getKey() + " lacks a request or a response schema");
            }
        }
        Files.writeString(outDir.resolve("ApiKey.java"), ApiKeyGenerator.generate(pkg, apis));
        StringBuilder table = new StringBuilder("# class\tfield\ttype\tversions\tnullableVersions\ttaggedVersions\tignorable\n");
        for (String[] row : fieldTable) {
            table.append(String.join("\t", row)).append('\n');
        }
        Files.writeString(fieldTableFile, table.toString());
        System.out.println("skein-protocol-generator: " + files.size() + " schemas, " + apis.size() + " APIs -> " + outDir);
    }
}
