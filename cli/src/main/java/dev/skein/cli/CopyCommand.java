package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.ExactlyOnceProcessor;
import dev.skein.core.TopicPartition;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import dev.skein.serdes.Serdes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * Copies records (key, value, headers, timestamp) from one topic to another as a group member.
 * At-least-once: a polled batch is written and acknowledged before its offsets are committed (at the
 * next poll or on exit), so a kill and restart repeats at most what was in flight, never loses.
 * At-most-once: offsets are committed before the batch is written.
 */
@Command(name = "copy", mixinStandardHelpOptions = true, showDefaultValues = true, usageHelpAutoWidth = true,
        description = "Copy records from one topic to another with a delivery guarantee; safe to kill and restart.")
final class CopyCommand extends Subcommand {

    @Option(names = "--from", required = true, paramLabel = "T1")
    String from;

    @Option(names = "--to", required = true, paramLabel = "T2")
    String to;

    @Option(names = "--group", required = true, paramLabel = "G", description = "The group whose offsets track progress.")
    String group;

    @Option(names = "--delivery", defaultValue = "at-least-once",
            description = "at-least-once, at-most-once or exactly-once (transactions; read it with read_committed).")
    String delivery;

    @Option(names = "--transactional-id", paramLabel = "ID",
            description = "For exactly-once: the same across restarts (default skein-copy-<group>-<from>).")
    String transactionalId;

    @Option(names = "--max-messages", paramLabel = "N", description = "Exit after copying N records.")
    Long maxMessages;

    @Option(names = "--timeout-ms", paramLabel = "MS", description = "Exit after MS milliseconds without a new record"
            + " (counted once the group has assigned partitions).")
    Long timeoutMs;

    @Mixin
    ProgressOption progressOption = new ProgressOption();

    @Override
    public Integer call() {
        SkeinCommand root = root();
        Delivery mode = switch (delivery) {
            case "at-least-once" -> Delivery.AT_LEAST_ONCE;
            case "at-most-once" -> Delivery.AT_MOST_ONCE;
            case "exactly-once" -> Delivery.EXACTLY_ONCE;
            default -> throw new UsageException("--delivery must be at-least-once, at-most-once or exactly-once,"
                    + " was " + delivery);
        };
        if (transactionalId != null && mode != Delivery.EXACTLY_ONCE) {
            throw new UsageException("--transactional-id goes with --delivery exactly-once");
        }
        try (Admin admin = Clients.admin(root.global)) {
            Clients.requireTopic(admin, from, root.global);
            Clients.requireTopic(admin, to, root.global);
        }
        if (mode == Delivery.EXACTLY_ONCE) {
            return copyExactlyOnce(root);
        }
        long copied = 0;
        Progress progress = Progress.of(root, progressOption, "copied");
        OptionalLong lag = OptionalLong.empty();
        Map<String, Object> consumerProps = Clients.consumerProperties(root.global);
        consumerProps.putIfAbsent("auto.offset.reset", "earliest"); // a new group copies everything
        Map<String, Object> producerProps = Clients.producerProperties(root.global);
        producerProps.putIfAbsent("max.block.ms", Long.toString(Clients.API_TIMEOUT.toMillis()));
        try (Consumer<byte[], byte[]> consumer = Consumer.builder(Serdes.bytes(), Serdes.bytes()).properties(consumerProps)
                .groupId(group).delivery(mode).build();
             Producer<byte[], byte[]> producer = Producer.builder(Serdes.bytes(), Serdes.bytes()).properties(producerProps)
                     .build()) {
            consumer.subscribe(List.of(from));
            long last = System.nanoTime();
            while (maxMessages == null || copied < maxMessages) {
                List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>();
                consumer.poll(Duration.ofMillis(200)).forEach(batch::add);
                lag = lag(consumer);
                progress.update(copied, lag);
                if (batch.isEmpty()) {
                    if (consumer.assignment().isEmpty()) {
                        last = System.nanoTime(); // idle time counts once the group has given us partitions
                    } else if (timeoutMs != null && System.nanoTime() - last >= timeoutMs * 1_000_000L) {
                        break;
                    }
                    continue;
                }
                last = System.nanoTime();
                Map<TopicPartition, Long> firstOffsets = new LinkedHashMap<>();
                Map<TopicPartition, Long> rewind = new LinkedHashMap<>();
                List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (maxMessages != null && copied + sends.size() >= maxMessages) {
                        rewind.putIfAbsent(tp, r.offset()); // not copied: not to be committed
                        continue;
                    }
                    firstOffsets.putIfAbsent(tp, r.offset());
                    sends.add(producer.send(new ProducerRecord<>(to, null, r.key(), r.value(), r.headers(), r.timestamp())));
                }
                producer.flush();
                for (CompletableFuture<RecordMetadata> f : sends) {
                    if (f.isCompletedExceptionally()) {
                        if (mode == Delivery.AT_LEAST_ONCE) {
                            firstOffsets.forEach(consumer::seek); // nothing of this batch is committed on exit
                        }
                        throw new CliException("copying to " + to + " failed after " + copied + " records: "
                                + Cli.describe(f.handle((m, e) -> e).join()));
                    }
                }
                copied += sends.size();
                rewind.forEach(consumer::seek);
            }
        } finally {
            progress.finish(copied, lag);
        }
        root.io.err().println("copied " + copied + " records from " + from + " to " + to);
        return Cli.OK;
    }

    /**
     * The records left to copy: the source consumer's lag summed over its partitions, from its positions
     * and the end offsets its last fetches saw ({@code currentLag}, no request); empty until one is known.
     */
    private static OptionalLong lag(Consumer<?, ?> consumer) {
        long sum = 0;
        boolean known = false;
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent()) {
                sum += l.getAsLong();
                known = true;
            }
        }
        return known ? OptionalLong.of(sum) : OptionalLong.empty();
    }

    /**
     * One transaction per polled batch: the copies and the input offsets commit together, so a kill and
     * restart (same --transactional-id) neither loses nor repeats a record for read_committed readers.
     */
    private int copyExactlyOnce(SkeinCommand root) {
        String id = transactionalId != null ? transactionalId : "skein-copy-" + group + "-" + from;
        Map<String, Object> props = new LinkedHashMap<>(Clients.properties(root.global));
        props.remove("bootstrap.servers");
        long copied;
        Progress progress = Progress.of(root, progressOption, "copied");
        long[] done = {0};
        OptionalLong lag = OptionalLong.empty();
        try (ExactlyOnceProcessor<byte[], byte[], byte[], byte[]> copier =
                     ExactlyOnceProcessor.builder(Serdes.bytes().deserializer(), Serdes.bytes().deserializer(),
                                     Serdes.bytes().serializer(), Serdes.bytes().serializer())
                             .bootstrapServers((String) Clients.properties(root.global).get("bootstrap.servers"))
                             .properties(props).groupId(group).transactionalId(id).input(List.of(from)).build()) {
            long limit = maxMessages == null ? Long.MAX_VALUE : maxMessages;
            long last = System.nanoTime();
            while (done[0] < limit) {
                int n = copier.processOnce(Duration.ofMillis(200), (int) Math.min(Integer.MAX_VALUE, limit - done[0]), r ->
                        List.of(new ProducerRecord<>(to, null, r.key(), r.value(), r.headers(), r.timestamp())));
                done[0] += n;
                lag = lag(copier.consumer());
                progress.update(done[0], lag);
                if (n > 0 || copier.consumer().assignment().isEmpty()) {
                    last = System.nanoTime();
                } else if (timeoutMs != null && System.nanoTime() - last >= timeoutMs * 1_000_000L) {
                    break;
                }
            }
            copied = done[0];
        } finally {
            progress.finish(done[0], lag);
        }
        root.io.err().println("copied " + copied + " records from " + from + " to " + to + " exactly once"
                + " (transactional id " + id + ")");
        return Cli.OK;
    }
}
