package dev.skein.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Options every command takes, before or after its name: the root command declares them, and
 * {@link Cli} adds them to every command below (bound to this same object).
 */
final class GlobalOptions {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Brokers to start from (default: bootstrap.servers from --config or -X, else localhost:9092).")
    String bootstrap;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A properties file with standard Kafka client property names.")
    Path config;

    @Option(names = "-X", paramLabel = "KEY=VALUE",
            description = "A client property (standard Kafka name); repeatable; wins over --config.")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(names = "--verbose", description = "Log what the clients do, on stderr.")
    boolean verbose;
}
