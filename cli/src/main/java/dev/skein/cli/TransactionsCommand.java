package dev.skein.cli;

import dev.skein.admin.AbortSpec;
import dev.skein.admin.Admin;
import dev.skein.admin.ProducerState;
import dev.skein.admin.TopicDescription;
import dev.skein.admin.TransactionListing;
import dev.skein.core.TopicPartition;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;

/**
 * {@code skein transactions list | describe | producers | abort | fence}: what Apache Kafka's
 * {@code kafka-transactions} shows and does.
 */
@Command(name = "transactions", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "List and describe transactional ids, show partitions' producers, abort a hanging transaction,"
                + " fence producers.",
        subcommands = {TransactionsCommand.ListTransactions.class, TransactionsCommand.Describe.class,
                TransactionsCommand.Producers.class, TransactionsCommand.Abort.class, TransactionsCommand.Fence.class})
final class TransactionsCommand extends CommandGroup {

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Print every transactional id on every broker: id, producer id, state (Ongoing, Empty, ...).")
    static final class ListTransactions extends Subcommand {

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                Clients.await(admin.transactions().list(), root.global).stream()
                        .sorted(Comparator.comparing(TransactionListing::transactionalId))
                        .forEach(t -> root.io.out().println(String.format("%-40s %-12d %s", t.transactionalId(),
                                t.producerId(), t.state())));
            }
            return Cli.OK;
        }
    }

    @Command(name = "describe", mixinStandardHelpOptions = true,
            description = "Print each transactional id's state at its coordinator: producer id and epoch, timeout, when"
                    + " the open transaction started, and the partitions it wrote to.")
    static final class Describe extends Subcommand {

        @Parameters(arity = "1..*", paramLabel = "ID", description = "Transactional ids.")
        List<String> ids = new ArrayList<>();

        @Override
        public Integer call() {
            SkeinCommand root = root();
            PrintStream out = root.io.out();
            try (Admin admin = Clients.admin(root.global)) {
                each(admin.transactions().describe(new LinkedHashSet<>(ids)).byItem(), root, (id, d) -> {
                    out.println("transaction " + id + "  state " + d.state() + "  coordinator "
                            + (d.coordinator() == null ? "-" : d.coordinator().id()) + "  producer-id " + d.producerId()
                            + "  epoch " + d.producerEpoch() + "  timeout-ms " + d.timeoutMs() + "  started "
                            + (d.startTimeMs() < 0 ? "-" : Instant.ofEpochMilli(d.startTimeMs()).toString()));
                    out.println("  partitions " + (d.partitions().isEmpty() ? "-" : d.partitions().stream()
                            .sorted(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition))
                            .map(tp -> tp.topic() + ":" + tp.partition()).collect(Collectors.joining(","))));
                });
            }
            return Cli.OK;
        }
    }

    @Command(name = "producers", mixinStandardHelpOptions = true,
            description = "Print the active producers each partition's leader knows: producer id, epoch, last sequence,"
                    + " last timestamp, coordinator epoch, and the offset its open transaction started at (- for none).")
    static final class Producers extends Subcommand {

        @Parameters(arity = "1..*", paramLabel = "TOPIC:PARTITION", description = "Partitions, such as orders:0.")
        List<String> partitions = new ArrayList<>();

        @Override
        public Integer call() {
            SkeinCommand root = root();
            List<TopicPartition> tps = new ArrayList<>();
            for (String p : partitions) {
                tps.add(partition(p));
            }
            PrintStream out = root.io.out();
            try (Admin admin = Clients.admin(root.global)) {
                for (TopicPartition tp : new LinkedHashSet<>(tps)) {
                    checkPartition(Clients.requireTopic(admin, tp.topic(), root.global), tp);
                }
                out.printf("%-30s %-9s %-12s %-6s %-9s %-26s %-10s %s%n", "topic", "partition", "producer-id", "epoch",
                        "sequence", "last-timestamp", "coord-epoch", "txn-start");
                each(admin.transactions().describeProducers(new LinkedHashSet<>(tps)).byItem(), root, (tp, producers) ->
                        producers.forEach(p -> out.printf("%-30s %-9d %-12d %-6d %-9d %-26s %-10d %s%n", tp.topic(),
                                tp.partition(), p.producerId(), p.producerEpoch(), p.lastSequence(),
                                p.lastTimestamp() < 0 ? "-" : Instant.ofEpochMilli(p.lastTimestamp()).toString(),
                                p.coordinatorEpoch(), p.currentTransactionStartOffset() < 0 ? "-"
                                        : Long.toString(p.currentTransactionStartOffset()))));
            }
            return Cli.OK;
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = "Write an abort marker for a hanging transaction on one partition (one its coordinator no longer"
                    + " knows, holding the partition's stable offset back), named by the offset it started at or by its"
                    + " producer. Only for hanging transactions: an open transaction of a live producer is its to end.")
    static final class Abort extends Subcommand {

        @Parameters(index = "0", paramLabel = "TOPIC:PARTITION", description = "The partition, such as orders:0.")
        String partition;

        static final class Target {
            @Option(names = "--start-offset", required = true, paramLabel = "O",
                    description = "The offset the transaction started at (see 'transactions producers').")
            Long startOffset;

            @ArgGroup(exclusive = false, multiplicity = "1")
            ProducerArgs producer;
        }

        static final class ProducerArgs {
            @Option(names = "--producer-id", required = true, paramLabel = "P",
                    description = "The producer of the transaction (see 'transactions producers').")
            long producerId;

            @Option(names = "--producer-epoch", required = true, paramLabel = "E", description = "The producer's epoch.")
            short producerEpoch;

            @Option(names = "--coordinator-epoch", required = true, paramLabel = "C",
                    description = "The coordinator epoch the partition's leader reports for the producer.")
            int coordinatorEpoch;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        @Override
        public Integer call() {
            SkeinCommand root = root();
            TopicPartition tp = partition(partition);
            if (target.startOffset != null && target.startOffset < 0) {
                throw new UsageException("--start-offset " + target.startOffset + ": an offset is 0 or more");
            }
            if (target.producer != null && (target.producer.producerId < 0 || target.producer.producerEpoch < 0)) {
                throw new UsageException("--producer-id and --producer-epoch are 0 or more");
            }
            try (Admin admin = Clients.admin(root.global)) {
                checkPartition(Clients.requireTopic(admin, tp.topic(), root.global), tp);
                AbortSpec spec;
                if (target.startOffset != null) {
                    List<ProducerState> producers = Clients.await(admin.transactions().describeProducers(List.of(tp)).get(tp),
                            root.global);
                    ProducerState open = producers.stream()
                            .filter(p -> p.currentTransactionStartOffset() == target.startOffset).findFirst()
                            .orElseThrow(() -> new CliException("no open transaction on " + tp.topic() + ":" + tp.partition()
                                    + " started at offset " + target.startOffset + " (see 'skein transactions producers "
                                    + tp.topic() + ":" + tp.partition() + "')"));
                    spec = AbortSpec.of(tp, open);
                } else {
                    spec = new AbortSpec(tp, target.producer.producerId, target.producer.producerEpoch,
                            target.producer.coordinatorEpoch);
                }
                Clients.await(admin.transactions().abort(spec), root.global);
                root.io.err().println("aborted the transaction of producer " + spec.producerId() + " (epoch "
                        + spec.producerEpoch() + ") on " + tp.topic() + ":" + tp.partition());
            }
            return Cli.OK;
        }
    }

    @Command(name = "fence", mixinStandardHelpOptions = true,
            description = "Fence the producers of transactional ids (KIP-618): the coordinator bumps each id's epoch and"
                    + " aborts its open transaction, and a producer still using the id fails its next send or commit."
                    + " Prints each id with its producer id and new epoch. An id never used is created.")
    static final class Fence extends Subcommand {

        @Parameters(arity = "1..*", paramLabel = "ID", description = "Transactional ids.")
        List<String> ids = new ArrayList<>();

        @Override
        public Integer call() {
            SkeinCommand root = root();
            try (Admin admin = Clients.admin(root.global)) {
                each(admin.transactions().fenceProducers(new LinkedHashSet<>(ids)).byItem(), root, (id, f) ->
                        root.io.out().println(String.format("%-40s %-12d %d", id, f.producerId(), f.producerEpoch())));
            }
            return Cli.OK;
        }
    }

    /**
     * A {@code TOPIC:PARTITION} argument (split at the last ':', as a topic name holds none); a usage error
     * naming the argument when it is not one.
     */
    static TopicPartition partition(String arg) {
        int colon = arg.lastIndexOf(':');
        if (colon <= 0 || colon == arg.length() - 1) {
            throw new UsageException("'" + arg + "': expected TOPIC:PARTITION, such as orders:0");
        }
        int p;
        try {
            p = Integer.parseInt(arg.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new UsageException("'" + arg + "': the partition must be a number, as in orders:0");
        }
        if (p < 0) {
            throw new UsageException("'" + arg + "': a partition is 0 or more");
        }
        return new TopicPartition(arg.substring(0, colon), p);
    }

    /**
     * A usage error unless the topic has the partition: asked for, a partition beyond the topic's would wait
     * for a leader until the timeout.
     */
    private static void checkPartition(TopicDescription d, TopicPartition tp) {
        int n = d.partitions().size();
        if (tp.partition() >= n) {
            throw new UsageException("'" + tp.topic() + ":" + tp.partition() + "': topic " + tp.topic() + " has partitions 0.."
                    + (n - 1));
        }
    }

    /**
     * Prints each item that succeeded, in order; then, if any failed, fails the command with one line naming
     * each failed item and why.
     */
    private static <K, V> void each(Map<K, CompletableFuture<V>> items, SkeinCommand root, BiConsumer<K, V> print) {
        List<String> failed = new ArrayList<>();
        CliException first = null;
        for (Map.Entry<K, CompletableFuture<V>> e : items.entrySet()) {
            V v;
            try {
                v = Clients.await(e.getValue(), root.global);
            } catch (CliException f) {
                String name = name(e.getKey());
                failed.add(f.getMessage().contains(name) ? f.getMessage() : name + ": " + f.getMessage());
                first = first == null ? f : first;
                continue;
            }
            print.accept(e.getKey(), v);
        }
        if (!failed.isEmpty()) {
            throw new CliException(String.join("; ", failed), first); // the cause decides the exit status
        }
    }

    private static String name(Object item) {
        return item instanceof TopicPartition tp ? tp.topic() + ":" + tp.partition() : item.toString();
    }
}
