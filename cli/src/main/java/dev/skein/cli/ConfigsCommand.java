package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.admin.ConfigEntry;
import dev.skein.admin.ConfigOp;
import dev.skein.admin.ConfigResource;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code skein configs describe | alter}: the configs of a topic, a broker, a group or a client-metrics
 * subscription, as Apache Kafka's {@code kafka-configs} shows and changes them (incrementally).
 */
@Command(name = "configs", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Describe and change the configs of a topic, broker, group or client-metrics subscription.",
        subcommands = {ConfigsCommand.Describe.class, ConfigsCommand.Alter.class})
final class ConfigsCommand extends CommandGroup {

    /** Exactly one resource: the options that name it exclude each other. */
    static final class Resource {
        @Option(names = "--topic", required = true, paramLabel = "T", description = "A topic's configs.")
        String topic;

        @Option(names = "--broker", required = true, paramLabel = "ID", description = "A broker's configs, by id.")
        Integer broker;

        @Option(names = "--group", required = true, paramLabel = "G",
                description = "A group's configs (share.* and consumer.*); the group need not exist.")
        String group;

        @Option(names = "--client-metrics", required = true, paramLabel = "NAME",
                description = "A client-metrics subscription's configs (KIP-714).")
        String clientMetrics;

        ConfigResource resource() {
            if (topic != null) {
                return ConfigResource.topic(topic);
            }
            if (broker != null) {
                if (broker < 0) {
                    throw new UsageException("--broker " + broker + ": a broker id is 0 or more");
                }
                return ConfigResource.broker(broker);
            }
            if (group != null) {
                return ConfigResource.group(group);
            }
            return ConfigResource.clientMetrics(clientMetrics);
        }
    }

    /** Fails naming a topic or broker the cluster lacks, rather than wait for it until the timeout. */
    static void require(Admin admin, ConfigResource r, GlobalOptions global) {
        if (r.type() == ConfigResource.Type.TOPIC) {
            Clients.requireTopic(admin, r.name(), global);
        } else if (r.type() == ConfigResource.Type.BROKER) {
            Clients.requireBrokers(admin, List.of(Integer.parseInt(r.name())), global);
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Print the configs set for the resource itself (dynamically: with 'configs alter' or at creation),"
                    + " one 'name=value  (source)' per line, sorted by name; with --all, every config and where its value"
                    + " comes from. Sensitive values print as (hidden).")
    static final class Describe extends Subcommand {

        @ArgGroup(exclusive = true, multiplicity = "1")
        Resource resource;

        @Option(names = "--all", description = "Print every config: also those from the broker's static config, the"
                + " cluster-wide broker defaults and the built-in defaults.")
        boolean all;

        /**
         * The sources of values set for the resource itself, as {@code kafka-configs --describe} shows them
         * without {@code --all}: a topic's describe would otherwise list broker settings it merely inherits.
         */
        private static final Set<ConfigEntry.Source> DYNAMIC = EnumSet.of(ConfigEntry.Source.DYNAMIC_TOPIC_CONFIG,
                ConfigEntry.Source.DYNAMIC_BROKER_CONFIG, ConfigEntry.Source.DYNAMIC_BROKER_LOGGER_CONFIG,
                ConfigEntry.Source.CLIENT_METRICS_CONFIG, ConfigEntry.Source.GROUP_CONFIG);

        @Override
        public Integer call() {
            SkeinCommand root = root();
            ConfigResource r = resource.resource();
            try (Admin admin = Clients.admin(root.global)) {
                require(admin, r, root.global);
                Map<String, ConfigEntry> configs = Clients.await(admin.configs().describe(List.of(r)).get(r), root.global);
                PrintStream out = root.io.out();
                new TreeMap<>(configs).values().stream().filter(c -> all || DYNAMIC.contains(c.source())).forEach(c ->
                        out.println(c.name() + "=" + (c.sensitive() ? "(hidden)" : c.value() == null ? "" : c.value())
                                + "  (" + source(c.source()) + (c.readOnly() ? ", read-only" : "") + ")"));
            }
            return Cli.OK;
        }

        private static String source(ConfigEntry.Source s) {
            return s.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    @Command(name = "alter", mixinStandardHelpOptions = true,
            description = "Set and delete configs of the resource, all in one request (incrementally: configs not named"
                    + " keep their values). A deleted config goes back to its default.")
    static final class Alter extends Subcommand {

        @ArgGroup(exclusive = true, multiplicity = "1")
        Resource resource;

        @Option(names = "--set", paramLabel = "K=V", description = "Set a config; repeatable.")
        List<String> set = new ArrayList<>();

        @Option(names = "--delete", paramLabel = "K", description = "Delete a config (back to its default); repeatable.")
        List<String> delete = new ArrayList<>();

        @Option(names = "--dry-run", description = "Only ask the broker whether it would accept the changes.")
        boolean dryRun;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            ConfigResource r = resource.resource();
            List<ConfigOp> ops = ops(set, delete);
            try (Admin admin = Clients.admin(root.global)) {
                require(admin, r, root.global);
                Map<ConfigResource, List<ConfigOp>> changes = Map.of(r, ops);
                Clients.await((dryRun ? admin.configs().validate(changes) : admin.configs().alter(changes)).get(r), root.global);
                for (ConfigOp op : ops) {
                    // The name only: a value may be a secret (ssl.keystore.password, sasl.jaas.config), and this
                    // line lands in terminals and CI logs.
                    String what = op.kind() == ConfigOp.Kind.SET ? "set " + op.name()
                            : (dryRun ? "delete " : "deleted ") + op.name();
                    root.io.err().println((dryRun ? "dry run: would " : "") + what + " on " + r);
                }
            }
            return Cli.OK;
        }

        /**
         * The changes in command-line order: sets, then deletes. A {@code --set} without '=' or with an empty
         * name, no change at all, or a config named twice is a usage error naming the argument.
         */
        static List<ConfigOp> ops(List<String> set, List<String> delete) {
            if (set.isEmpty() && delete.isEmpty()) {
                throw new UsageException("nothing to change: give --set K=V or --delete K");
            }
            Map<String, ConfigOp> ops = new LinkedHashMap<>();
            for (String s : set) {
                int eq = s.indexOf('=');
                if (eq <= 0) {
                    throw new UsageException("--set " + s + ": expected K=V, such as retention.ms=86400000");
                }
                add(ops, ConfigOp.set(s.substring(0, eq), s.substring(eq + 1)), "--set " + s.substring(0, eq)); // not the value
            }
            for (String d : delete) {
                if (d.isBlank() || d.contains("=")) {
                    throw new UsageException("--delete " + d + ": expected a config name, such as retention.ms");
                }
                add(ops, ConfigOp.delete(d), "--delete " + d);
            }
            return List.copyOf(ops.values());
        }

        private static void add(Map<String, ConfigOp> ops, ConfigOp op, String arg) {
            if (ops.putIfAbsent(op.name(), op) != null) {
                throw new UsageException(arg + ": " + op.name() + " is changed twice");
            }
        }
    }
}
