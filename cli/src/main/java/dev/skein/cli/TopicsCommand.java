package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.admin.ConfigEntry;
import dev.skein.admin.ConfigResource;
import dev.skein.admin.NewTopic;
import dev.skein.admin.TopicDescription;
import dev.skein.admin.TopicListing;
import dev.skein.core.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code skein topics list | create | describe | alter | delete}. */
@Command(name = "topics", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "List, create, describe, grow and delete topics.",
        subcommands = {TopicsCommand.ListTopics.class, TopicsCommand.Create.class, TopicsCommand.Describe.class,
                TopicsCommand.Alter.class, TopicsCommand.Delete.class})
final class TopicsCommand extends CommandGroup {

    @Command(name = "list", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Print topic names, one per line.")
    static final class ListTopics extends Subcommand {

        @Option(names = "--internal", description = "Include internal topics (__consumer_offsets, ...).")
        boolean internal;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                for (TopicListing t : Clients.await(admin.topics().list(internal), root.global)) {
                    root.io.out().println(t.name());
                }
            }
            return Cli.OK;
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Create a topic.")
    static final class Create extends Subcommand {

        @Option(names = "--topic", required = true)
        String topic;

        @Option(names = "--partitions", defaultValue = "-1", description = "Partition count (-1: the broker's default).")
        int partitions;

        @Option(names = "--replication-factor", defaultValue = "-1", description = "Replicas per partition (-1: the broker's default).")
        short replicationFactor;

        @Option(names = "--config", paramLabel = "K=V", description = "A topic config; repeatable. (A value without"
                + " '=' is the client properties file, as everywhere else.)")
        List<String> configs = new ArrayList<>();

        @Override
        public Integer call() {
            SkeinCommand root = root();
            NewTopic t = NewTopic.of(topic, partitions, replicationFactor);
            for (String c : configs) {
                int eq = c.indexOf('=');
                if (eq < 0) {
                    root.global.config = Path.of(c);
                } else {
                    t = t.withConfig(c.substring(0, eq), c.substring(eq + 1));
                }
            }
            try (Admin admin = Clients.admin(root.global)) {
                var created = Clients.await(admin.topics().create(List.of(t)).get(topic), root.global);
                root.io.err().println("created topic " + topic + " (" + created.partitions() + " partitions, replication factor "
                        + created.replicationFactor() + ")");
            }
            return Cli.OK;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true, description = "Show partitions, leaders, replicas and configs.")
    static final class Describe extends Subcommand {

        @Option(names = "--topic", required = true)
        String topic;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                TopicDescription d = Clients.requireTopic(admin, topic, root.global);
                ConfigResource r = ConfigResource.topic(topic);
                Map<String, ConfigEntry> configs = Clients.await(admin.configs().describe(List.of(r)).get(r), root.global);
                PrintStream out = root.io.out();
                out.println("topic " + d.name() + "  id " + d.topicId() + "  partitions " + d.partitions().size()
                        + (d.internal() ? "  internal" : ""));
                String set = configs.values().stream().filter(c -> c.source() == ConfigEntry.Source.DYNAMIC_TOPIC_CONFIG)
                        .map(c -> c.name() + "=" + (c.sensitive() ? "(hidden)" : c.value())).sorted()
                        .collect(Collectors.joining(", "));
                out.println("configs " + (set.isEmpty() ? "(defaults)" : set));
                out.printf("%-10s %-8s %-20s %s%n", "partition", "leader", "replicas", "isr");
                for (TopicDescription.Partition p : d.partitions()) {
                    out.printf("%-10d %-8s %-20s %s%n", p.partition(), p.leader() == null ? "none" : p.leader().id(),
                            ids(p.replicas()), ids(p.isr()));
                }
            }
            return Cli.OK;
        }

        private static String ids(List<Node> nodes) {
            return nodes.stream().map(n -> Integer.toString(n.id())).collect(Collectors.joining(","));
        }
    }

    @Command(name = "alter", mixinStandardHelpOptions = true, description = "Grow a topic to more partitions.")
    static final class Alter extends Subcommand {

        @Option(names = "--topic", required = true)
        String topic;

        @Option(names = "--partitions", required = true, description = "The new total partition count.")
        int partitions;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                Clients.requireTopic(admin, topic, root.global);
                Clients.await(admin.topics().createPartitions(Map.of(topic, partitions)).get(topic), root.global);
                root.io.err().println("topic " + topic + " now has " + partitions + " partitions");
            }
            return Cli.OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a topic.")
    static final class Delete extends Subcommand {

        @Option(names = "--topic", required = true)
        String topic;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                Clients.requireTopic(admin, topic, root.global);
                Clients.await(admin.topics().delete(List.of(topic)).get(topic), root.global);
                root.io.err().println("deleted topic " + topic);
            }
            return Cli.OK;
        }
    }
}
