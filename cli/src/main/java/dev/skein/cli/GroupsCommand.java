package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.admin.GroupDescription;
import dev.skein.admin.GroupListing;
import dev.skein.core.OffsetAndTimestamp;
import dev.skein.admin.OffsetSpec;
import dev.skein.admin.TopicDescription;
import dev.skein.core.TopicPartition;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** {@code skein groups list | describe | delete | reset-offsets}. */
@Command(name = "groups", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "List, describe and delete consumer groups, and reset their offsets.",
        subcommands = {GroupsCommand.ListGroups.class, GroupsCommand.Describe.class, GroupsCommand.Delete.class,
                GroupsCommand.ResetOffsets.class})
final class GroupsCommand extends CommandGroup {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Print group ids, one per line.")
    static final class ListGroups extends Subcommand {

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                for (GroupListing g : Clients.await(admin.groups().list(), root.global)) {
                    root.io.out().println(g.groupId());
                }
            }
            return Cli.OK;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Show the group's state and members, and per partition the committed offset, end offset and lag.")
    static final class Describe extends Subcommand {

        @Option(names = "--group", required = true)
        String group;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                GroupDescription d = Clients.await(admin.groups().describe(List.of(group)).get(group), root.global);
                Map<TopicPartition, OffsetAndMetadata> committed = Clients.await(admin.groups().offsets(group), root.global);
                Map<TopicPartition, String> owners = new HashMap<>();
                d.members().forEach(m -> m.assignment().forEach(tp -> owners.put(tp, m.clientId())));
                Map<TopicPartition, OffsetSpec> specs = new LinkedHashMap<>();
                committed.keySet().forEach(tp -> specs.put(tp, OffsetSpec.latest()));
                owners.keySet().forEach(tp -> specs.put(tp, OffsetSpec.latest()));
                Map<TopicPartition, OffsetAndTimestamp> ends = specs.isEmpty() ? Map.of()
                        : Clients.await(admin.records().listOffsets(specs).all(), root.global);
                PrintStream out = root.io.out();
                out.println("group " + group + "  " + d.type().name().toLowerCase() + "  state " + d.state() + "  members "
                        + d.members().size() + (d.coordinator() == null ? "" : "  coordinator " + d.coordinator().id()));
                out.printf("%-30s %-9s %-12s %-12s %-8s %s%n", "topic", "partition", "committed", "end", "lag", "owner");
                Map<TopicPartition, OffsetAndTimestamp> sorted = new TreeMap<>(Comparator.comparing(TopicPartition::topic)
                        .thenComparingInt(TopicPartition::partition));
                sorted.putAll(ends);
                sorted.forEach((tp, end) -> {
                    OffsetAndMetadata c = committed.get(tp);
                    out.printf("%-30s %-9d %-12s %-12d %-8s %s%n", tp.topic(), tp.partition(), c == null ? "-" : c.offset(),
                            end.offset(), c == null ? "-" : Long.toString(Math.max(0, end.offset() - c.offset())),
                            owners.getOrDefault(tp, "-"));
                });
            }
            return Cli.OK;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a group (it must have no members).")
    static final class Delete extends Subcommand {

        @Option(names = "--group", required = true)
        String group;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                Clients.await(admin.groups().delete(List.of(group)).get(group), root.global);
                root.io.err().println("deleted group " + group);
            }
            return Cli.OK;
        }
    }

    @Command(name = "reset-offsets", mixinStandardHelpOptions = true,
            description = "Move the group's committed offsets of a topic (the group must have no active members).")
    static final class ResetOffsets extends Subcommand {

        @Option(names = "--group", required = true)
        String group;

        @Option(names = "--topic", required = true)
        String topic;

        static final class Target {
            @Option(names = "--to-earliest", required = true, description = "The first offset still in each partition.")
            boolean earliest;

            @Option(names = "--to-latest", required = true, description = "The end of each partition.")
            boolean latest;

            @Option(names = "--to-offset", required = true, paramLabel = "O", description = "This offset in every partition.")
            Long offset;

            @Option(names = "--to-datetime", required = true, paramLabel = "ISO",
                    description = "The first record at or after this time (ISO-8601, e.g. 2026-11-22T10:00:00Z).")
            String datetime;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                TopicDescription d = Clients.requireTopic(admin, topic, root.global);
                GroupDescription g;
                try {
                    g = admin.groups().describe(List.of(group)).get(group).get(Clients.API_TIMEOUT.toSeconds() + 5,
                            TimeUnit.SECONDS);
                } catch (Exception e) {
                    g = null; // a group that does not exist yet gets its offsets created
                }
                if (g != null && !g.members().isEmpty()) {
                    throw new CliException("group " + group + " has " + g.members().size() + " active member(s); stop them"
                            + " before resetting its offsets");
                }
                Map<TopicPartition, OffsetSpec> specs = new LinkedHashMap<>();
                OffsetSpec spec = spec();
                d.partitions().forEach(p -> specs.put(new TopicPartition(topic, p.partition()), spec));
                Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
                if (target.offset != null) {
                    specs.keySet().forEach(tp -> offsets.put(tp, target.offset));
                } else {
                    Map<TopicPartition, OffsetAndTimestamp> found = Clients.await(admin.records().listOffsets(specs).all(), root.global);
                    Map<TopicPartition, OffsetSpec> ends = new LinkedHashMap<>();
                    found.forEach((tp, o) -> {
                        if (o.offset() >= 0) {
                            offsets.put(tp, o.offset());
                        } else {
                            ends.put(tp, OffsetSpec.latest()); // no record that late: the end
                        }
                    });
                    if (!ends.isEmpty()) {
                        Clients.await(admin.records().listOffsets(ends).all(), root.global)
                                .forEach((tp, o) -> offsets.put(tp, o.offset()));
                    }
                }
                Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
                offsets.forEach((tp, o) -> commit.put(tp, OffsetAndMetadata.of(o)));
                Clients.await(admin.groups().alterOffsets(group, commit).all(), root.global);
                offsets.forEach((tp, o) -> root.io.out().println(tp.topic() + " " + tp.partition() + " " + o));
            }
            return Cli.OK;
        }

        private OffsetSpec spec() {
            if (target.earliest) {
                return OffsetSpec.earliest();
            }
            if (target.latest || target.offset != null) {
                return OffsetSpec.latest();
            }
            try {
                return OffsetSpec.forTimestamp(Instant.from(OffsetDateTime.parse(target.datetime)).toEpochMilli());
            } catch (DateTimeParseException e) {
                try {
                    return OffsetSpec.forTimestamp(Instant.parse(target.datetime).toEpochMilli());
                } catch (DateTimeParseException e2) {
                    throw new IllegalArgumentException("--to-datetime " + target.datetime + " is not an ISO-8601 time"
                            + " such as 2026-11-22T10:00:00Z");
                }
            }
        }
    }
}
