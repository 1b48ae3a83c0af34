package dev.skein.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** One broker child JVM: its directory, its {@code server.properties} and the process while it runs. */
public final class BrokerProcess extends ChildJvm {
    private final int nodeId;
    private final Path configFile;

    public BrokerProcess(int nodeId, Path dir, Map<String, String> config, String classpath, List<String> jvmArgs) {
        super("broker " + nodeId, dir, classpath, jvmArgs);
        this.nodeId = nodeId;
        this.configFile = dir.resolve("server.properties");
        writeProperties(configFile, config, "Skein testkit broker " + nodeId);
    }

    public int nodeId() {
        return nodeId;
    }

    /** Starts the KRaft storage formatter; the caller waits on the returned process. */
    public Process format(String clusterId, Map<String, Short> features) {
        List<String> args = new ArrayList<>(List.of("kafka.tools.StorageTool", "format",
                // "=" keeps an id that starts with '-' (base64url allows it) from being read as an option.
                "--cluster-id=" + clusterId, "--config", configFile.toString(), "--ignore-formatted"));
        features.forEach((name, level) -> {
            args.add("--feature");
            args.add(name + "=" + level);
        });
        return launch(args, dir().resolve("format.log"));
    }

    public void start() {
        run(List.of("kafka.Kafka", configFile.toString()));
    }

    static void writeProperties(Path file, Map<String, String> config, String comment) {
        try {
            Properties props = new Properties();
            props.putAll(config);
            try (var out = Files.newBufferedWriter(file)) {
                props.store(out, comment);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
