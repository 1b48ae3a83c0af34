package dev.skein.testkit.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A standalone ZooKeeper server for a ZooKeeper-mode cluster, in its own child JVM, run from the
 * broker's classpath (every Kafka 3.x broker depends on the ZooKeeper release it was tested with).
 */
public final class ZooKeeperProcess extends ChildJvm {
    private final int port;
    private final Path configFile;

    public ZooKeeperProcess(Path dir, int port, String classpath, List<String> jvmArgs) {
        super("ZooKeeper", dir, classpath, jvmArgs);
        this.port = port;
        this.configFile = dir.resolve("zookeeper.properties");
        BrokerProcess.writeProperties(configFile, Map.of(
                "dataDir", dir.resolve("data").toString(),
                "clientPort", Integer.toString(port),
                "clientPortAddress", "127.0.0.1",
                "tickTime", "500",
                "maxClientCnxns", "0",
                "admin.enableServer", "false",
                "4lw.commands.whitelist", "ruok,dump"), "Skein testkit ZooKeeper");
    }

    public int port() {
        return port;
    }

    public void start() {
        run(List.of("org.apache.zookeeper.server.ZooKeeperServerMain", configFile.toString()));
    }

    /** True when the server answers the {@code ruok} four-letter word with {@code imok}. */
    public boolean serving() {
        try {
            return "imok".equals(ask("ruok"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * True while some session holds the ephemeral node {@code path} (from the {@code dump} four-letter
     * word): a killed broker's registration lasts until its session times out.
     */
    public boolean holdsEphemeral(String path) throws IOException {
        return ask("dump").lines().anyMatch(line -> line.trim().equals(path));
    }

    private String ask(String word) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            s.setSoTimeout(2_000);
            s.getOutputStream().write(word.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
