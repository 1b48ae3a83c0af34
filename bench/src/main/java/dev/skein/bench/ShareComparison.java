package dev.skein.bench;

import dev.skein.testkit.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.skein.bench.Results.bytes;
import static dev.skein.bench.Results.max;
import static dev.skein.bench.Results.median;
import static dev.skein.bench.Results.verdict;

/**
 * Skein's share consumer (KIP-932) against the reference's {@code KafkaShareConsumer} on one broker
 * (testkit) in one run (issue: "share-consumer throughput against the reference's share consumer in
 * one run, 1 and 3 members, implicit mode: at least the reference's records/s"). The data is written
 * once per partition count by the reference producer: N records of B bytes of word-like text
 * ({@link ProducerWorkload#values(int)}), linger 5 ms, 64 KiB batches, no compression.
 *
 * <p>Each measurement runs in a fresh JVM ({@link ShareRun}) holding all the members of a fresh share
 * group (set to start at the earliest offset), one thread each, implicit acknowledgement, every other
 * setting each client's default; they poll until the group has received every record. Within a round
 * the clients alternate on each cell (partitions x members), and which goes first alternates by round.
 * Reported per cell: records/s from the first record to the last and process CPU-seconds per million
 * records, each the median over the rounds, Skein's ratio to the reference (the bar: at least 1.0x),
 * the broker's CPU-seconds per million records over the same windows (median), and the most
 * duplicates any measurement saw.
 *
 * <p>Run (see bench/README.md): {@code mvn -B -pl bench exec:java -Dexec.mainClass=dev.skein.bench.ShareComparison}.
 * Options, each followed by a value: {@code --records 1000000}, {@code --size 100}, {@code --rounds 3},
 * {@code --members 1,3}, {@code --partitions 1} (e.g. {@code 1,3}), {@code --clients skein,reference},
 * {@code --warmup 100000} (records a first group reads unmeasured in each child JVM). Each measurement's
 * JSON line goes to stdout as it ends, then the Markdown table.
 */
public final class ShareComparison {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
    private static final double BAR = 1.0;
    private static final Map<String, String> DEFAULTS = Map.of("records", "1000000", "size", "100", "rounds", "3",
            "members", "1,3", "partitions", "1", "clients", "skein,reference", "warmup", "100000");

    private ShareComparison() {}

    /** One cell: the topic's partitions and the group's members. */
    private record Cell(int partitions, int members) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o = Options.parse("ShareComparison", DEFAULTS, args);
        int records = Integer.parseInt(o.get("records"));
        int size = Integer.parseInt(o.get("size"));
        int rounds = Integer.parseInt(o.get("rounds"));
        int warmup = Integer.parseInt(o.get("warmup"));
        List<Integer> members = ints(o.get("members"));
        List<Integer> partitions = ints(o.get("partitions"));
        List<Client> clients = Arrays.stream(o.get("clients").split(",")).map(Client::of).toList();
        try (KafkaCluster kafka = KafkaCluster.builder().brokerConfig("log.segment.delete.delay.ms", "1000").build().start();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Map<Integer, String> topics = new LinkedHashMap<>();
            Map<Cell, Map<Client, List<String>>> results = new LinkedHashMap<>();
            long brokerPid = kafka.pid(kafka.brokerIds().iterator().next());
            try {
                for (int p : partitions) {
                    topics.put(p, write(admin, kafka.bootstrapServers(), p, records, size));
                }
                for (int round = 0; round < rounds; round++) {
                    List<Client> order = new ArrayList<>(clients);
                    if (round % 2 == 1) {
                        Collections.reverse(order);
                    }
                    for (int p : partitions) {
                        for (int m : members) {
                            Map<Client, List<String>> byClient = results.computeIfAbsent(new Cell(p, m), c -> new LinkedHashMap<>());
                            for (Client client : order) {
                                ShareWorkload w = new ShareWorkload(client, kafka.bootstrapServers(), topics.get(p), p, records,
                                        size, m, shareGroup(admin, "bench-share"), shareGroup(admin, "bench-share-warmup"), warmup,
                                        brokerPid);
                                byClient.computeIfAbsent(client, c -> new ArrayList<>()).add(measure(w, round));
                            }
                        }
                    }
                }
            } finally {
                if (!topics.isEmpty()) {
                    admin.deleteTopics(topics.values()).all().get(60, TimeUnit.SECONDS);
                }
            }
            System.out.println();
            if (clients.size() < 2) {
                System.out.println("one client measured (--clients " + o.get("clients") + "): no comparison table");
                return;
            }
            print(results, rounds, records, size);
        }
    }

    private static List<Integer> ints(String list) {
        return Arrays.stream(list.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }

    /** Writes the records of every measurement on {@code partitions} partitions to a new topic, through the reference producer. */
    private static String write(Admin admin, String bootstrap, int partitions, int records, int size) throws Exception {
        String topic = "bench-share-" + partitions + "p";
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
        ProducerWorkload w = new ProducerWorkload(Client.REFERENCE, bootstrap, topic, records, size, "1", "none", 0, 0, 0);
        byte[][] values = w.values();
        Acknowledgements acks = new Acknowledgements(0);
        long start = System.nanoTime();
        try (BenchProducer producer = BenchProducer.open(Client.REFERENCE, w.properties())) {
            for (int i = 0; i < records; i++) {
                producer.send(topic, values[i % values.length], acks.counting);
            }
            producer.flush();
        }
        acks.await(records, Duration.ofMinutes(1));
        System.err.printf(Locale.ROOT, "wrote %,d records of %d B to %s (%d partition(s)) in %.1f s%n", records, size, topic,
                partitions, (System.nanoTime() - start) / 1e9);
        return topic;
    }

    /** A fresh share group that starts at the earliest offset (group config; the broker's default is latest). */
    private static String shareGroup(Admin admin, String prefix) throws Exception {
        String group = prefix + "-" + UUID.randomUUID();
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
                .all().get(60, TimeUnit.SECONDS);
        return group;
    }

    private static String measure(ShareWorkload w, int round) throws Exception {
        String json = ChildJvm.json(ShareRun.class, w.toArgs(), RUN_TIMEOUT);
        System.out.println("{\"round\":" + round + "," + json.substring(1));
        return json;
    }

    private static void print(Map<Cell, Map<Client, List<String>>> results, int rounds, int records, int size) {
        System.out.printf(Locale.ROOT, "Share-group throughput (implicit acknowledgement), median of %d round(s) of %,d records"
                + " of %s each:%n%n", rounds, records, bytes(size));
        System.out.println("| partitions | members | skein rec/s | reference rec/s | ratio (bar ≥ 1.0) "
                + "| skein CPU-s/M rec | reference CPU-s/M rec | CPU ratio | broker CPU-s/M rec (skein / reference) "
                + "| duplicates (skein / reference) |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        results.forEach((cell, byClient) -> {
            List<String> skein = byClient.get(Client.SKEIN);
            List<String> reference = byClient.get(Client.REFERENCE);
            double skeinRate = median(skein, "records_per_sec");
            double refRate = median(reference, "records_per_sec");
            double skeinCpu = median(skein, "cpu_s_per_million");
            double refCpu = median(reference, "cpu_s_per_million");
            System.out.printf(Locale.ROOT, "| %d | %d | %,.0f | %,.0f | %s | %.3f | %.3f | %.2fx | %.2f / %.2f | %.0f / %.0f |%n",
                    cell.partitions, cell.members, skeinRate, refRate, verdict(skeinRate / refRate, skeinRate / refRate >= BAR),
                    skeinCpu, refCpu, skeinCpu / refCpu, median(skein, "broker_cpu_s_per_million"),
                    median(reference, "broker_cpu_s_per_million"), max(skein, "duplicates"), max(reference, "duplicates"));
        });
        System.out.println();
        System.out.println("Duplicates: the most records any one measurement received more than once (implicit mode, no"
                + " failures: 0 expected).");
    }
}
