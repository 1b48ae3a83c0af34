package dev.skein.testkit.internal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of testkit's (a broker, or a cluster's ZooKeeper): its directory, how it is launched and
 * the OS process while it runs. Every child is started through {@link BrokerMain}, so it halts when
 * this JVM goes away. Both logging back ends the Kafka releases use are configured to write
 * {@code server.log} in the directory: log4j 2 (Kafka 4) and log4j 1 / reload4j (Kafka 3).
 * Not thread-safe; {@code KafkaCluster} serializes calls.
 */
public abstract class ChildJvm {
    private final String name;
    private final Path dir;
    private final String classpath;
    private final List<String> jvmArgs;
    private Process process;

    ChildJvm(String name, Path dir, String classpath, List<String> jvmArgs) {
        this.name = name;
        this.dir = dir;
        this.classpath = classpath;
        this.jvmArgs = List.copyOf(jvmArgs);
        try {
            Files.createDirectories(dir);
            Path log = dir.resolve("server.log");
            Files.writeString(dir.resolve("log4j2.properties"), log4j2Config(log));
            Files.writeString(dir.resolve("log4j.properties"), log4jConfig(log));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare directory " + dir + " of " + name, e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** Starts {@code mainAndArgs} (a main class and its arguments) with output appended to {@code output}. */
    Process launch(List<String> mainAndArgs, Path output) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"));
        cmd.add("-Dlog4j.configuration=" + dir.resolve("log4j.properties").toUri());
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
            throw new UncheckedIOException("cannot start the JVM of " + name, e);
        }
    }

    /** Starts the long-running process, its output in {@code stdout.log}. */
    void run(List<String> mainAndArgs) {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        process = launch(mainAndArgs, dir.resolve("stdout.log"));
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    public long pid() {
        if (process == null) {
            throw new IllegalStateException(name + " was never started");
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
        signal("CONT"); // a paused process cannot act on SIGTERM
        process.destroy();
        if (!waitFor(process, graceSeconds)) {
            kill();
        }
    }

    public void signal(String signal) {
        if (!isAlive()) {
            throw new IllegalStateException(name + " is not running");
        }
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot signal " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling " + name, e);
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

    /** The last lines of the process's output and log, for error messages. */
    public String tail(int lines) {
        StringBuilder sb = new StringBuilder();
        for (File file : new File[] {dir.resolve("stdout.log").toFile(), dir.resolve("server.log").toFile()}) {
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

    private static String log4j2Config(Path logFile) {
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

    private static String log4jConfig(Path logFile) {
        return String.join("\n",
                "log4j.rootLogger=INFO, FILE",
                "log4j.appender.FILE=org.apache.log4j.FileAppender",
                "log4j.appender.FILE.File=" + logFile.toString().replace("\\", "/"),
                "log4j.appender.FILE.layout=org.apache.log4j.PatternLayout",
                "log4j.appender.FILE.layout.ConversionPattern=[%d] %p %m (%c)%n",
                "log4j.logger.state.change.logger=WARN",
                "log4j.logger.kafka.request.logger=WARN",
                "");
    }
}
