package dev.skein.testkit.internal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One broker child JVM: its directory, its config file and the OS process while it runs.
 * Not thread-safe; {@code KafkaCluster} serializes calls.
 */
public final class BrokerProcess {
    private final int nodeId;
    private final Path dir;
    private final Path configFile;
    private final String classpath;
    private final List<String> jvmArgs;
    private Process process;

    public BrokerProcess(int nodeId, Path dir, Map<String, String> config, String classpath, List<String> jvmArgs) {
        this.nodeId = nodeId;
        this.dir = dir;
        this.configFile = dir.resolve("server.properties");
        this.classpath = classpath;
        this.jvmArgs = List.copyOf(jvmArgs);
        try {
            Files.createDirectories(dir);
            Properties props = new Properties();
            props.putAll(config);
            try (var out = Files.newBufferedWriter(configFile)) {
                props.store(out, "Skein testkit broker " + nodeId);
            }
            Files.writeString(dir.resolve("log4j2.properties"), log4jConfig(dir.resolve("server.log")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare broker directory " + dir, e);
        }
    }

    public int nodeId() {
        return nodeId;
    }

    public Path dir() {
        return dir;
    }

    /** Starts the storage formatter; the caller waits on the returned process. */
    public Process format(String clusterId, java.util.Map<String, Short> features) {
        List<String> args = new ArrayList<>(List.of("kafka.tools.StorageTool", "format",
                // "=" keeps an id that starts with '-' (base64url allows it) from being read as an option.
                "--cluster-id=" + clusterId, "--config", configFile.toString(), "--ignore-formatted"));
        features.forEach((name, level) -> {
            args.add("--feature");
            args.add(name + "=" + level);
        });
        return launch(args, dir.resolve("format.log"));
    }

    public void start() {
        if (isAlive()) {
            throw new IllegalStateException("broker " + nodeId + " is already running");
        }
        process = launch(List.of("kafka.Kafka", configFile.toString()), dir.resolve("stdout.log"));
    }

    private Process launch(List<String> mainAndArgs, Path output) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"));
        cmd.add("-Dkafka.logs.dir=" + dir);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(BrokerMain.class.getName());
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                // stdin stays a pipe held by this JVM: see BrokerMain.
                .redirectInput(ProcessBuilder.Redirect.PIPE);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start broker " + nodeId + " JVM", e);
        }
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        if (process == null) {
            throw new IllegalStateException("broker " + nodeId + " was never started");
        }
        return process.pid();
    }

    /** SIGKILL, and wait (bounded) until the process is gone. */
    public void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitFor(process, 30);
    }

    /** SIGTERM (a controlled shutdown), then SIGKILL if it has not exited within the grace period. */
    public void stop(long graceSeconds) {
        if (!isAlive()) {
            return;
        }
        signal("CONT"); // a paused broker cannot act on SIGTERM
        process.destroy();
        if (!waitFor(process, graceSeconds)) {
            kill();
        }
    }

    public void signal(String name) {
        if (!isAlive()) {
            throw new IllegalStateException("broker " + nodeId + " is not running");
        }
        try {
            Process p = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal broker " + nodeId, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling broker " + nodeId, e);
        }
    }

    private static boolean waitFor(Process p, long seconds) {
        try {
            return p.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last lines of the broker's output, for error messages. */
    public String tail(int lines) {
        File f = dir.resolve("stdout.log").toFile();
        File log = dir.resolve("server.log").toFile();
        StringBuilder sb = new StringBuilder();
        for (File file : new File[] {f, log}) {
            if (!file.exists()) {
                continue;
            }
            try {
                List<String> all = Files.readAllLines(file.toPath());
                sb.append("--- ").append(file).append('\n');
                for (String line : all.subList(Math.max(0, all.size() - lines), all.size())) {
                    sb.append(line).append('\n');
                }
            } catch (IOException | UncheckedIOException e) {
                sb.append("(unreadable: ").append(e.getMessage()).append(")\n");
            }
        }
        return sb.toString();
    }

    private static String log4jConfig(Path logFile) {
        return String.join("\n",
                "status = error",
                "appender.file.type = File",
                "appender.file.name = FILE",
                "appender.file.fileName = " + logFile.toString().replace("\\", "/"),
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = FILE",
                "logger.state.name = state.change.logger",
                "logger.state.level = WARN",
                "logger.request.name = kafka.request.logger",
                "logger.request.level = WARN",
                "");
    }
}
