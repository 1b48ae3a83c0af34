package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.admin.OffsetSpec;
import dev.skein.admin.ShareGroupDescription;
import dev.skein.admin.ShareGroupOffset;
import dev.skein.core.OffsetAndTimestamp;
import dev.skein.core.TopicPartition;
import dev.skein.core.errors.UnsupportedVersionException;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The share-group side of {@code skein groups}: describe and reset-offsets of a share group (KIP-932). */
final class ShareGroups {
    private ShareGroups() {}

    /**
     * The share group named {@code group}, or null when there is none: no group of that name, a group of
     * another type, or a cluster without share groups.
     */
    static ShareGroupDescription describe(Admin admin, String group, GlobalOptions global) {
        try {
            return Clients.await(admin.shareGroups().describe(List.of(group)).get(group), global);
        } catch (CliException e) {
            if (GroupsCommand.notFound(e) || e.getCause() instanceof UnsupportedVersionException) {
                return null;
            }
            throw e;
        }
    }

    /**
     * Prints the group's state and members, then per partition it has started or a member reads: the
     * start offset, the end offset, the lag (the broker's count where it reports one) and the client ids
     * of the members reading it (a share group may have several on one partition).
     */
    static void print(Admin admin, ShareGroupDescription d, SkeinCommand root) {
        Map<TopicPartition, ShareGroupOffset> starts = Clients.await(admin.shareGroups().offsets(d.groupId()), root.global);
        Comparator<TopicPartition> order = Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);
        Map<TopicPartition, Set<String>> readers = new TreeMap<>(order);
        starts.keySet().forEach(tp -> readers.put(tp, new TreeSet<>()));
        d.members().forEach(m -> m.assignment().forEach(tp -> readers.computeIfAbsent(tp, k -> new TreeSet<>()).add(m.clientId())));
        Map<TopicPartition, OffsetSpec> specs = new LinkedHashMap<>();
        readers.keySet().forEach(tp -> specs.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, OffsetAndTimestamp> ends = specs.isEmpty() ? Map.of()
                : Clients.await(admin.records().listOffsets(specs).all(), root.global);
        PrintStream out = root.io.out();
        out.println("group " + d.groupId() + "  share  state " + d.state() + "  members " + d.members().size()
                + (d.coordinator() == null ? "" : "  coordinator " + d.coordinator().id()));
        out.printf("%-30s %-9s %-12s %-12s %-8s %s%n", "topic", "partition", "start", "end", "lag", "members");
        readers.forEach((tp, clients) -> {
            ShareGroupOffset start = starts.get(tp);
            long end = ends.get(tp).offset();
            String lag = start == null ? "-" : Long.toString(start.lag() >= 0 ? start.lag() : Math.max(0, end - start.startOffset()));
            out.printf("%-30s %-9d %-12s %-12d %-8s %s%n", tp.topic(), tp.partition(),
                    start == null ? "-" : start.startOffset(), end, lag, clients.isEmpty() ? "-" : String.join(",", clients));
        });
    }

    /**
     * Moves the group's start offsets to {@code exact} when given (the {@code --to-offset}, already moved
     * into each partition's range), else to what the specs find; returns them.
     */
    static Map<TopicPartition, Long> reset(Admin admin, String group, Map<TopicPartition, OffsetSpec> specs,
                                           Map<TopicPartition, Long> exact, GlobalOptions global) {
        if (exact == null) {
            return Clients.await(admin.shareGroups().resetOffsets(group, specs).all(), global); // in the specs' order
        }
        Clients.await(admin.shareGroups().alterOffsets(group, exact).all(), global);
        return exact;
    }
}
