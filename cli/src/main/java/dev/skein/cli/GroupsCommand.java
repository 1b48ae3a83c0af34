package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.admin.GroupDescription;
import dev.skein.admin.GroupListing;
import dev.skein.admin.GroupType;
import dev.skein.admin.ShareGroupDescription;
import dev.skein.core.ErrorCode;
import dev.skein.core.errors.SkeinException;
import dev.skein.core.OffsetAndTimestamp;
import dev.skein.admin.OffsetSpec;
import dev.skein.admin.TopicDescription;
import dev.skein.core.TopicPartition;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code skein groups list | describe | delete | reset-offsets}, for consumer groups and share groups
 * (the share-group side is in {@link ShareGroups}).
 */
@Command(name = "groups", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "List, describe and delete consumer and share groups, and reset their offsets.",
        subcommands = {GroupsCommand.ListGroups.class, GroupsCommand.Describe.class, GroupsCommand.Delete.class,
                GroupsCommand.ResetOffsets.class})
final class GroupsCommand extends CommandGroup {

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Print group ids, one per line (with --long: id, type and state).")
    static final class ListGroups extends Subcommand {

        @Option(names = "--type", paramLabel = "T", split = ",",
                description = "Only groups of these types: classic, consumer, share, streams (comma-separated).")
        List<String> types = new ArrayList<>();

        @Option(names = "--long", description = "Print each group's type and state after its id.")
        boolean details;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            Set<GroupType> wanted = EnumSet.noneOf(GroupType.class);
            for (String t : types) {
                GroupType type = GroupType.parse(t);
                if (type == GroupType.UNKNOWN) {
                    throw new UsageException("--type " + t + ": a group type is classic, consumer, share or streams");
                }
                wanted.add(type);
            }
            try (Admin admin = Clients.admin(root.global)) {
                for (GroupListing g : Clients.await(admin.groups().list(wanted), root.global)) {
                    root.io.out().println(details ? String.format("%-40s %-9s %s", g.groupId(),
                            g.type().name().toLowerCase(Locale.ROOT), g.state()) : g.groupId());
                }
            }
            return Cli.OK;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Show the group's state and members, and per partition the committed offset, end offset and lag"
                    + " (for a share group: its start offset, the end offset, the lag and the members reading it).")
    static final class Describe extends Subcommand {

        @Option(names = "--group", required = true)
        String group;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                GroupDescription d;
                try {
                    d = Clients.await(admin.groups().describe(List.of(group)).get(group), root.global);
                } catch (CliException e) {
                    ShareGroupDescription share = notFound(e) ? ShareGroups.describe(admin, group, root.global) : null;
                    if (share == null) {
                        throw e;
                    }
                    ShareGroups.print(admin, share, root);
                    return Cli.OK;
                }
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

    /** True when the call failed because the broker knows no such group (of the type asked about). */
    static boolean notFound(CliException e) {
        return e.getCause() instanceof SkeinException s && s.errorCode() == ErrorCode.GROUP_ID_NOT_FOUND;
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a group of any type, share groups included (it must have no members).")
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
            description = "Move the group's committed offsets of a topic, or a share group's start offsets (the group"
                    + " must have no active members).")
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

            @Option(names = "--to-offset", required = true, paramLabel = "O", description = "This offset in every partition,"
                    + " moved into the partition's range: below its start offset the start, past its end the end"
                    + " (stderr says so).")
            Long offset;

            @Option(names = "--to-datetime", required = true, paramLabel = "ISO",
                    description = "The first record at or after this time (ISO-8601, e.g. 2026-11-22T10:00:00Z); the end"
                            + " when there is none.")
            String datetime;

            @Option(names = "--shift-by", required = true, paramLabel = "N", description = "The current offset plus N"
                    + " (negative: back), moved into the partition's range as --to-offset is.")
            Long shift;

            @Option(names = "--by-duration", required = true, paramLabel = "PnDTnHnMnS",
                    description = "The first record at or after this long ago (ISO-8601 duration, e.g. PT1H); the end"
                            + " when there is none.")
            String duration;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            OffsetSpec spec = spec(); // a bad --to-datetime or --by-duration is a usage error, found before any call
            try (Admin admin = Clients.admin(root.global)) {
                TopicDescription d = Clients.requireTopic(admin, topic, root.global);
                GroupDescription g;
                try {
                    g = admin.groups().describe(List.of(group)).get(group).get(Clients.API_TIMEOUT.toSeconds() + 5,
                            TimeUnit.SECONDS);
                } catch (Exception e) {
                    g = null; // a group that does not exist yet gets its offsets created
                }
                ShareGroupDescription share = g == null ? ShareGroups.describe(admin, group, root.global) : null;
                int members = g != null ? g.members().size() : share != null ? share.members().size() : 0;
                if (members > 0) {
                    throw new CliException((share != null ? "share group " : "group ") + group + " has " + members
                            + " active member(s); stop them before resetting its offsets");
                }
                Map<TopicPartition, OffsetSpec> specs = new LinkedHashMap<>();
                d.partitions().forEach(p -> specs.put(new TopicPartition(topic, p.partition()), spec));
                Map<TopicPartition, Long> wanted = new LinkedHashMap<>();
                if (target.offset != null) {
                    specs.keySet().forEach(tp -> wanted.put(tp, target.offset));
                } else if (target.shift != null) {
                    wanted.putAll(shifted(admin, share != null, specs.keySet(), root.global));
                }
                Map<TopicPartition, Long> exact = wanted.isEmpty() ? null : clamped(admin, wanted, root);
                Map<TopicPartition, Long> offsets = share != null ? ShareGroups.reset(admin, group, specs, exact, root.global)
                        : resetCommitted(admin, specs, exact, root.global);
                offsets.forEach((tp, o) -> root.io.out().println(tp.topic() + " " + tp.partition() + " " + o));
            }
            return Cli.OK;
        }

        /**
         * Each partition's current offset (committed, or a share group's start offset) plus {@code --shift-by};
         * a partition without one fails the command, as there is nothing to shift.
         */
        private Map<TopicPartition, Long> shifted(Admin admin, boolean share, Set<TopicPartition> partitions,
                                                  GlobalOptions global) {
            Map<TopicPartition, Long> current = new HashMap<>();
            if (share) {
                Clients.await(admin.shareGroups().offsets(group), global).forEach((tp, o) -> current.put(tp, o.startOffset()));
            } else {
                Clients.await(admin.groups().offsets(group), global).forEach((tp, o) -> current.put(tp, o.offset()));
            }
            Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
            for (TopicPartition tp : partitions) {
                Long o = current.get(tp);
                if (o == null || o < 0) {
                    throw new CliException("group " + group + " has no offset on " + tp.topic() + " " + tp.partition()
                            + " to shift; reset it to an offset first");
                }
                long sum = o + target.shift;
                boolean overflow = ((o ^ sum) & (target.shift ^ sum)) < 0;
                offsets.put(tp, overflow ? (target.shift > 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : sum);
            }
            return offsets;
        }

        /**
         * The wanted offset of each partition, moved into the partition's range as Apache Kafka's
         * {@code kafka-consumer-groups --reset-offsets} moves it: below the log start offset it becomes the
         * log start offset, past the log end offset the log end offset; stderr says so for each partition
         * moved. (Committed as given, an offset out of range only defers the reset to the consumer's
         * {@code auto.offset.reset}, which may send it to the other end.)
         */
        private static Map<TopicPartition, Long> clamped(Admin admin, Map<TopicPartition, Long> wanted, SkeinCommand root) {
            Map<TopicPartition, OffsetSpec> first = new LinkedHashMap<>();
            Map<TopicPartition, OffsetSpec> end = new LinkedHashMap<>();
            wanted.keySet().forEach(tp -> {
                first.put(tp, OffsetSpec.earliest());
                end.put(tp, OffsetSpec.latest());
            });
            Map<TopicPartition, OffsetAndTimestamp> starts = Clients.await(admin.records().listOffsets(first).all(), root.global);
            Map<TopicPartition, OffsetAndTimestamp> ends = Clients.await(admin.records().listOffsets(end).all(), root.global);
            Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
            for (Map.Entry<TopicPartition, Long> w : wanted.entrySet()) {
                TopicPartition tp = w.getKey();
                long offset = w.getValue();
                long start = starts.get(tp).offset();
                long last = ends.get(tp).offset();
                long o = Math.max(start, Math.min(last, offset));
                if (o != offset) {
                    root.io.err().println("skein: warning: " + tp.topic() + " " + tp.partition() + ": offset " + offset
                            + (offset < start ? " is before the partition's start " : " is past the partition's end ")
                            + o + "; resetting to " + o);
                }
                offsets.put(tp, o);
            }
            return offsets;
        }

        /** Commits {@code exact} (the clamped {@code --to-offset} or {@code --shift-by}) or else the offsets the specs find. */
        private Map<TopicPartition, Long> resetCommitted(Admin admin, Map<TopicPartition, OffsetSpec> specs,
                                                         Map<TopicPartition, Long> exact, GlobalOptions global) {
            Map<TopicPartition, Long> offsets = new LinkedHashMap<>();
            if (exact != null) {
                offsets.putAll(exact);
            } else {
                Map<TopicPartition, OffsetAndTimestamp> found = Clients.await(admin.records().listOffsets(specs).all(), global);
                Map<TopicPartition, OffsetSpec> ends = new LinkedHashMap<>();
                found.forEach((tp, o) -> {
                    if (o.offset() >= 0) {
                        offsets.put(tp, o.offset());
                    } else {
                        ends.put(tp, OffsetSpec.latest()); // no record that late: the end
                    }
                });
                if (!ends.isEmpty()) {
                    Clients.await(admin.records().listOffsets(ends).all(), global).forEach((tp, o) -> offsets.put(tp, o.offset()));
                }
            }
            Map<TopicPartition, OffsetAndMetadata> commit = new LinkedHashMap<>();
            offsets.forEach((tp, o) -> commit.put(tp, OffsetAndMetadata.of(o)));
            Clients.await(admin.groups().alterOffsets(group, commit).all(), global);
            return offsets;
        }

        private OffsetSpec spec() {
            if (target.earliest) {
                return OffsetSpec.earliest();
            }
            if (target.latest || target.offset != null || target.shift != null) {
                return OffsetSpec.latest();
            }
            long millis;
            if (target.duration != null) {
                Duration ago;
                try {
                    ago = Duration.parse(target.duration);
                } catch (DateTimeParseException e) {
                    throw new UsageException("--by-duration " + target.duration + " is not an ISO-8601 duration such as PT1H"
                            + " or P1DT12H");
                }
                if (ago.isNegative()) {
                    throw new UsageException("--by-duration " + target.duration + " is negative: give how long ago");
                }
                long agoMillis;
                try {
                    agoMillis = ago.toMillis();
                } catch (ArithmeticException tooLong) {
                    agoMillis = Long.MAX_VALUE; // before every record
                }
                return OffsetSpec.forTimestamp(Math.max(0, System.currentTimeMillis() - agoMillis));
            }
            try {
                millis = Instant.from(OffsetDateTime.parse(target.datetime)).toEpochMilli();
            } catch (DateTimeParseException e) {
                try {
                    millis = Instant.parse(target.datetime).toEpochMilli();
                } catch (DateTimeParseException e2) {
                    throw new UsageException("--to-datetime " + target.datetime + " is not an ISO-8601 time"
                            + " such as 2026-11-22T10:00:00Z");
                }
            }
            // A time before 1970 is before every record: the start, as the earliest timestamp 0 finds it.
            return OffsetSpec.forTimestamp(Math.max(0, millis));
        }
    }
}
