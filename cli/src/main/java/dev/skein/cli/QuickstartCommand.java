package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.admin.NewTopic;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.Delivery;
import dev.skein.core.TopicPartition;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.producer.RecordMetadata;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A first look at Skein: with no {@code --bootstrap}, starts a local Kafka broker itself; creates a
 * topic, produces keyed records, reads them once in each delivery mode, prints what happened, and
 * cleans up.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        description = "Start a local broker (unless --bootstrap is given), produce and consume in each delivery mode,"
                + " and report what happened.")
final class QuickstartCommand extends Subcommand {
    private static final int RECORDS = 30;
    private static final int KEYS = 5;


    private PrintStream out;
    private final long start = System.nanoTime();

    @Override
    public Integer call() throws Exception {
        SkeinCommand root = root();
        out = root.io.out();
        out.println("Skein quickstart");
        boolean local = root.global.bootstrap == null && root.global.config == null
                && !root.global.properties.containsKey("bootstrap.servers");
        KafkaCluster cluster = null;
        try {
            if (local) {
                long t0 = System.nanoTime();
                cluster = KafkaCluster.builder().temporaryBaseDir().build().start(); // deleted by close()
                root.global.bootstrap = cluster.bootstrapServers();
                line("broker", "started a local Kafka broker at " + cluster.bootstrapServers() + " in " + secs(t0));
            } else {
                line("broker", "using the cluster at " + Clients.properties(root.global).get("bootstrap.servers"));
            }
            run(root.global);
        } finally {
            if (cluster != null) {
                cluster.close();
                line("cleanup", "stopped the local broker");
            }
        }
        out.println("done in " + secs(start));
        return Cli.OK;
    }

    private void run(GlobalOptions global) throws Exception {
        String topic = "quickstart-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Clients.admin(global)) {
            Clients.await(admin.topics().create(List.of(NewTopic.of(topic, 3, -1))).get(topic), global);
            line("topic", "created " + topic + " with 3 partitions");
            produce(global, topic);
            consume(global, admin, topic, Delivery.AT_LEAST_ONCE,
                    "offsets are committed after the records were handed out; a crash re-reads, never loses");
            consume(global, admin, topic, Delivery.AT_MOST_ONCE,
                    "offsets are committed before the records are handed out; a crash may lose, never re-reads");
            Clients.await(admin.topics().delete(List.of(topic)).get(topic), global);
            line("cleanup", "deleted " + topic);
        }
    }

    private void produce(GlobalOptions global, String topic) {
        long t0 = System.nanoTime();
        Map<String, Set<Integer>> partitionsByKey = new TreeMap<>();
        try (Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
                .properties(Clients.producerProperties(global)).maxBlock(Clients.API_TIMEOUT).build()) {
            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                sent.add(producer.send(ProducerRecord.of(topic, "user-" + (i % KEYS), "event " + i)));
            }
            producer.flush();
            for (int i = 0; i < RECORDS; i++) {
                RecordMetadata m = Clients.await(sent.get(i), global);
                partitionsByKey.computeIfAbsent("user-" + (i % KEYS), k -> new HashSet<>()).add(m.partition());
            }
        }
        line("produce", RECORDS + " records with " + KEYS + " keys, all acknowledged (acks=all, idempotent) in " + secs(t0));
        StringBuilder keys = new StringBuilder();
        partitionsByKey.forEach((k, ps) -> {
            if (ps.size() != 1) {
                throw new CliException("key " + k + " landed on partitions " + ps + "; a key must stay on one partition");
            }
            keys.append(keys.length() == 0 ? "" : ", ").append(k).append(" -> ").append(ps.iterator().next());
        });
        line("", "each key stays on one partition: " + keys);
    }

    private void consume(GlobalOptions global, Admin admin, String topic, Delivery delivery, String meaning) {
        long t0 = System.nanoTime();
        String group = "quickstart-" + delivery.name().toLowerCase(Locale.ROOT).replace('_', '-') + "-"
                + UUID.randomUUID().toString().substring(0, 6);
        int read = 0;
        Map<Integer, Long> lastOffset = new TreeMap<>();
        try (Consumer<String, String> consumer = Consumer.builder(Serdes.string(), Serdes.string())
                .properties(Clients.consumerProperties(global)).groupId(group).delivery(delivery)
                .property("auto.offset.reset", "earliest").build()) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Clients.API_TIMEOUT.toNanos() * 2;
            while (read < RECORDS && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    Long prev = lastOffset.put(r.partition(), r.offset());
                    if (prev != null && r.offset() <= prev) {
                        throw new CliException("partition " + r.partition() + " went back from offset " + prev + " to " + r.offset());
                    }
                    read++;
                }
            }
        }
        if (read != RECORDS) {
            throw new CliException(delivery + ": read " + read + " of " + RECORDS + " records");
        }
        Map<TopicPartition, OffsetAndMetadata> committed = Clients.await(admin.groups().offsets(group), global);
        long total = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
        String mode = delivery.name().toLowerCase(Locale.ROOT).replace('_', '-');
        line(mode, "group " + group + " read all " + read + " records once, in offset order per partition, in " + secs(t0)
                + "; committed offsets add up to " + total);
        line("", meaning);
        if (total != RECORDS) {
            throw new CliException(mode + ": the committed offsets add up to " + total + ", not " + RECORDS);
        }
    }

    private void line(String what, String text) {
        out.printf(Locale.ROOT, "  %-14s %s%n", what, text);
        out.flush();
    }

    private static String secs(long since) {
        return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - since) / 1e9);
    }
}
