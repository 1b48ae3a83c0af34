package dev.skein.cli;

import dev.skein.admin.TopicDescription;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerBuilder;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.GroupProtocol;
import dev.skein.consumer.WakeupException;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Prints records of a topic to stdout. */
@Command(name = "consume", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
        description = "Print the records of a topic, in a group or straight from its partitions.")
final class ConsumeCommand extends Subcommand {

    @Option(names = "--topic", required = true, description = "The topic to read.")
    String topic;

    @Option(names = "--group", paramLabel = "G", description = "Read as a member of this group, committing offsets"
            + " (without it: every partition, nothing committed).")
    String group;

    @Option(names = "--share-group", paramLabel = "G", description = "Read as a member of this share group (KIP-932):"
            + " its members share the records, and each record printed is accepted (one not printed is released).")
    String shareGroup;

    @Option(names = "--from-beginning", description = "Start at the earliest offset when there is no committed one"
            + " (default: auto.offset.reset from --config or -X, else the end). With --share-group: sets the group config share.auto.offset.reset=earliest, which"
            + " applies to partitions the group has not started.")
    boolean fromBeginning;

    @Option(names = "--partition", paramLabel = "N", description = "Read only this partition (no group).")
    Integer partition;

    @Option(names = "--offset", paramLabel = "O", description = "With --partition: start at this offset.")
    Long offset;

    @Option(names = "--max-messages", paramLabel = "N", description = "Exit after N records.")
    Long maxMessages;

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "Exit after MS milliseconds without a new record"
            + " (counted once partitions are assigned).")
    Long timeoutMs;

    @Option(names = "--isolation", defaultValue = "read_uncommitted", description = "read_committed or read_uncommitted"
            + " (not given: isolation.level from --config or -X, else this default).")
    String isolation;

    @Option(names = "--delivery", defaultValue = "at-least-once",
            description = "With --group: at-least-once (commit after printing) or at-most-once (commit before).")
    String delivery;

    @Option(names = "--group-protocol", paramLabel = "P", defaultValue = "auto", description = "With --group:"
            + " consumer (KIP-848, the broker assigns), classic, or auto (consumer when the broker offers it).")
    String groupProtocol;

    @Option(names = "--format", paramLabel = "FMT", defaultValue = "%v\\n",
            description = "%%t topic, %%p partition, %%o offset, %%k key, %%v value, %%T timestamp, %%h headers;"
                    + " escapes \\n and \\t.")
    String format;

    @Mixin
    ProgressOption progressOption = new ProgressOption();

    @Override
    public Integer call() {
        SkeinCommand root = root();
        RecordFormat fmt = new RecordFormat(format);
        if (!List.of("read_committed", "read_uncommitted").contains(isolation)) {
            throw new UsageException("--isolation must be read_committed or read_uncommitted, was " + isolation);
        }
        if (!List.of("at-least-once", "at-most-once").contains(delivery)) {
            throw new UsageException("--delivery must be at-least-once or at-most-once, was " + delivery);
        }
        if (!List.of("auto", "consumer", "classic").contains(groupProtocol)) {
            throw new UsageException("--group-protocol must be auto, consumer or classic, was " + groupProtocol);
        }
        if (offset != null && offset < 0) {
            throw new UsageException("--offset must be >= 0, was " + offset);
        }
        if (offset != null && partition == null) {
            throw new UsageException("--offset needs --partition");
        }
        if (group != null && partition != null) {
            throw new UsageException("--partition reads outside any group: drop --group or --partition");
        }
        if (maxMessages != null && maxMessages < 1) {
            throw new UsageException("--max-messages must be at least 1");
        }
        if (shareGroup != null) {
            checkShareOptions();
            Clients.requireTopic(root.global, topic);
            return ShareConsume.run(this, root, fmt);
        }
        List<TopicPartition> partitions = new ArrayList<>();
        TopicDescription d = Clients.requireTopic(root.global, topic);
        Clients.checkPartition(d, partition);
        d.partitions().forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        Map<String, Object> props = Clients.consumerProperties(root.global);
        Clients.flag(props, "isolation.level", isolation, given("--isolation"));
        Clients.flag(props, "auto.offset.reset", fromBeginning ? "earliest" : "latest", fromBeginning);
        ConsumerBuilder<String, String> b = Consumer.builder(Serdes.string(), Serdes.string()).properties(props);
        if (group != null) {
            b.groupId(group).groupProtocol(GroupProtocol.forName(groupProtocol))
                    .delivery(delivery.equals("at-most-once") ? Delivery.AT_MOST_ONCE : Delivery.AT_LEAST_ONCE);
        } else {
            b.delivery(Delivery.MANUAL);
        }
        PrintStream out = root.io.out();
        long printed = 0;
        Progress progress = Progress.of(root, progressOption, "consumed");
        CountDownLatch closed = new CountDownLatch(1);
        try (Consumer<String, String> consumer = b.build();
             // SIGTERM, Ctrl-C: the poll loop ends and close() commits as the delivery mode says (at-least-once:
             // what was printed), as kafka-console-consumer's shutdown hook does; the hook waits for it.
             OnStop onStop = new OnStop(() -> {
                 consumer.wakeup();
                 awaitQuietly(closed);
             })) {
            if (group != null) {
                consumer.subscribe(List.of(topic));
            } else if (partition != null) {
                TopicPartition tp = new TopicPartition(topic, partition);
                consumer.assign(List.of(tp));
                if (offset != null) {
                    consumer.seek(tp, offset);
                }
            } else {
                consumer.assign(partitions);
            }
            long lastRecord = System.nanoTime();
            while (maxMessages == null || printed < maxMessages) {
                List<ConsumerRecord<String, String>> batch = new ArrayList<>();
                try {
                    consumer.poll(Duration.ofMillis(200)).forEach(batch::add);
                } catch (WakeupException stopping) {
                    break;
                }
                if (!batch.isEmpty()) {
                    progress.clear();
                }
                Map<TopicPartition, Long> rewind = new LinkedHashMap<>();
                int shown = 0;
                for (ConsumerRecord<String, String> r : batch) {
                    if (maxMessages != null && printed >= maxMessages) {
                        // At-least-once commits what poll() returned: rewind what was not printed.
                        rewind.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
                        continue;
                    }
                    out.print(fmt.apply(r));
                    shown++;
                    printed++;
                }
                rewind.forEach(consumer::seek);
                out.flush();
                if (out.checkError()) {
                    // The reader has gone (skein consume | head): which records of this batch reached it is
                    // unknown, so none is committed; at-least-once reads them again, at-most-once had
                    // committed them before poll() returned.
                    Map<TopicPartition, Long> firsts = new LinkedHashMap<>();
                    batch.forEach(r -> firsts.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset()));
                    firsts.forEach(consumer::seek);
                    throw Clients.stdoutClosed(printed - shown);
                }
                progress.update(printed);
                if (!batch.isEmpty() || consumer.assignment().isEmpty()) {
                    lastRecord = System.nanoTime(); // idle time counts once partitions are assigned
                } else if (timeoutMs != null && System.nanoTime() - lastRecord >= timeoutMs * 1_000_000L) {
                    break;
                }
            }
        } finally {
            closed.countDown();
            progress.finish(printed);
        }
        if (root.global.verbose) {
            root.io.err().println("printed " + printed + " records of " + topic);
        }
        return Cli.OK;
    }

    private static void awaitQuietly(CountDownLatch closed) {
        try {
            closed.await(Clients.API_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A share group reads as its configs say: the options of consumer groups and partitions do not apply. */
    private void checkShareOptions() {
        if (group != null) {
            throw new UsageException("--share-group and --group exclude each other: give one group");
        }
        if (partition != null) {
            throw new UsageException("--partition reads outside any group: drop --share-group or --partition");
        }
        if (!delivery.equals("at-least-once") || !groupProtocol.equals("auto")) {
            throw new UsageException("--delivery and --group-protocol are for --group: a share group member"
                    + " accepts each record it prints");
        }
        if (!isolation.equals("read_uncommitted")) {
            throw new UsageException("--isolation does not apply to --share-group: a share group reads as its"
                    + " group config share.isolation.level says");
        }
    }
}
