package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.admin.ClusterDescription;
import dev.skein.admin.FeatureMetadata;
import dev.skein.admin.LogDirDescription;
import dev.skein.admin.QuorumInfo;
import dev.skein.core.Node;
import dev.skein.core.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code skein cluster describe | features [upgrade | downgrade] | log-dirs | quorum}: what Apache
 * Kafka's {@code kafka-features}, {@code kafka-log-dirs} and {@code kafka-metadata-quorum} show and do
 * (the feature changes are in {@link FeaturesCommand}).
 */
@Command(name = "cluster", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Describe the cluster, its features, log directories and metadata quorum; change feature levels.",
        subcommands = {ClusterCommand.Describe.class, FeaturesCommand.class, ClusterCommand.LogDirs.class,
                ClusterCommand.Quorum.class})
final class ClusterCommand extends CommandGroup {

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Print the cluster id and controller, then one line per broker: id, host, port, rack.")
    static final class Describe extends Subcommand {

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                ClusterDescription d = Clients.await(admin.cluster().describe(), root.global);
                PrintStream out = root.io.out();
                out.println("cluster " + d.clusterId() + "  controller " + (d.controller() == null ? "none" : d.controller().id())
                        + "  brokers " + d.brokers().size());
                out.printf("%-8s %-30s %-6s %s%n", "broker", "host", "port", "rack");
                d.brokers().stream().sorted(Comparator.comparingInt(Node::id)).forEach(b -> out.printf("%-8d %-30s %-6d %s%n",
                        b.id(), b.host(), b.port(), b.rack() == null ? "-" : b.rack()));
            }
            return Cli.OK;
        }
    }

    @Command(name = "log-dirs", mixinStandardHelpOptions = true,
            description = "Print each broker's log directories (path, volume space, error) and the replicas in each:"
                    + " size in bytes, offset lag, and whether it is a future replica being moved in.")
    static final class LogDirs extends Subcommand {

        @Option(names = "--broker", paramLabel = "ID", split = ",",
                description = "Only these brokers (repeatable or comma-separated; default: every broker).")
        List<Integer> brokers = new ArrayList<>();

        @Override
        public Integer call() {
            SkeinCommand root = root();
            for (int b : brokers) {
                if (b < 0) {
                    throw new UsageException("--broker " + b + ": a broker id is 0 or more");
                }
            }
            try (Admin admin = Clients.admin(root.global)) {
                List<Integer> ids = new ArrayList<>(brokers);
                if (ids.isEmpty()) {
                    Clients.await(admin.cluster().describe(), root.global).brokers().forEach(n -> ids.add(n.id()));
                } else {
                    Clients.requireBrokers(admin, ids, root.global);
                }
                Map<Integer, Map<String, LogDirDescription>> all = Clients.await(
                        admin.cluster().describeLogDirs(new TreeSet<>(ids)).all(), root.global);
                PrintStream out = root.io.out();
                new TreeMap<>(all).forEach((broker, dirs) -> new TreeMap<>(dirs).forEach((path, d) -> {
                    out.println("broker " + broker + "  dir " + path + space("total", d.totalBytes())
                            + space("usable", d.usableBytes()) + (d.error() == null ? "" : "  error " + Cli.describe(d.error())));
                    out.printf("  %-30s %-9s %-14s %-10s %s%n", "topic", "partition", "size", "offset-lag", "future");
                    Map<TopicPartition, LogDirDescription.Replica> replicas = new TreeMap<>(Comparator
                            .comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
                    replicas.putAll(d.replicas());
                    replicas.forEach((tp, r) -> out.printf("  %-30s %-9d %-14d %-10d %s%n", tp.topic(), tp.partition(),
                            r.sizeBytes(), r.offsetLag(), r.future() ? "yes" : "no"));
                }));
            }
            return Cli.OK;
        }

        private static String space(String what, OptionalLong bytes) {
            return bytes.isPresent() ? "  " + what + " " + bytes.getAsLong() : "";
        }
    }

    @Command(name = "quorum", mixinStandardHelpOptions = true,
            description = "Print the KRaft metadata quorum: leader, epoch, high watermark, then each voter and observer"
                    + " with its log end offset, its lag behind the leader's, and when it last fetched and caught up.")
    static final class Quorum extends Subcommand {

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                QuorumInfo q = Clients.await(admin.cluster().describeQuorum(), root.global);
                long leaderEnd = q.voters().stream().filter(v -> v.replicaId() == q.leaderId())
                        .mapToLong(QuorumInfo.ReplicaState::logEndOffset).findFirst().orElse(q.highWatermark());
                PrintStream out = root.io.out();
                out.println("leader " + (q.leaderId() < 0 ? "none" : q.leaderId()) + "  epoch " + q.leaderEpoch()
                        + "  high-watermark " + q.highWatermark() + "  voters " + q.voters().size() + "  observers "
                        + q.observers().size());
                out.printf("%-8s %-9s %-14s %-8s %-26s %s%n", "node", "role", "log-end", "lag", "last-fetch", "last-caught-up");
                q.voters().forEach(v -> row(out, v, v.replicaId() == q.leaderId() ? "leader" : "voter", leaderEnd));
                q.observers().forEach(o -> row(out, o, "observer", leaderEnd));
            }
            return Cli.OK;
        }

        private static void row(PrintStream out, QuorumInfo.ReplicaState r, String role, long leaderEnd) {
            out.printf("%-8d %-9s %-14d %-8s %-26s %s%n", r.replicaId(), role, r.logEndOffset(),
                    r.logEndOffset() < 0 ? "-" : Long.toString(Math.max(0, leaderEnd - r.logEndOffset())),
                    time(r.lastFetchTimestamp()), time(r.lastCaughtUpTimestamp()));
        }

        private static String time(OptionalLong millis) {
            return millis.isPresent() && millis.getAsLong() >= 0 ? Instant.ofEpochMilli(millis.getAsLong()).toString() : "-";
        }
    }

    /** {@code feature  finalized  supported}: every feature a broker supports or the cluster finalized. */
    static void printFeatures(FeatureMetadata f, PrintStream out) {
        out.println("finalized-epoch " + f.finalizedEpoch());
        out.printf("%-34s %-10s %s%n", "feature", "finalized", "supported");
        TreeSet<String> names = new TreeSet<>(f.supported().keySet());
        names.addAll(f.finalized().keySet());
        for (String name : names) {
            FeatureMetadata.Range fin = f.finalized().get(name);
            FeatureMetadata.Range sup = f.supported().get(name);
            out.printf("%-34s %-10s %s%n", name, fin == null ? "-" : Short.toString(fin.max()),
                    sup == null ? "-" : sup.min() + "-" + sup.max());
        }
    }
}
