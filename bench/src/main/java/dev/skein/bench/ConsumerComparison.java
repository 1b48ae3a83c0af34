package dev.skein.bench;

import dev.skein.bench.ConsumerWorkload.Mode;
import dev.skein.testkit.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.skein.bench.Results.bytes;
import static dev.skein.bench.Results.mark;
import static dev.skein.bench.Results.max;
import static dev.skein.bench.Results.median;
import static dev.skein.bench.Results.verdict;

/**
 * Skein's consumer against the reference consumer on one broker (testkit) in one run. The data is
 * written once per codec by the reference producer: N records of B bytes of word-like text
 * ({@link ProducerWorkload#values(int)}), linger 5 ms, 64 KiB batches, on a topic of 6 partitions.
 * Each measurement runs in a fresh JVM ({@link ConsumerRun}) that reads the whole topic from the
 * start; within a round the clients alternate on each cell, and which goes first alternates by round.
 *
 * <p>Matrix: mode (assigned; a group of one, {@code group.protocol} classic; the same, consumer) x
 * codec (none, lz4, zstd). Reported per cell: records/s and client CPU-seconds per million records,
 * each the median over the rounds, and Skein's ratio to the reference; per group protocol, each
 * client's join time (subscribe to first assignment), median and max over every measurement of that
 * protocol. The bar (issue #19): at least 1.3x the records/s, at most 0.6x the CPU per record, a join
 * under 500 ms.
 *
 * <p>Run (see bench/README.md): {@code mvn -B -pl bench exec:java -Dexec.mainClass=dev.skein.bench.ConsumerComparison}.
 * Options, each followed by a value: {@code --records 3000000}, {@code --size 100}, {@code --rounds 3},
 * {@code --modes assigned,group-classic,group-consumer}, {@code --codecs none,lz4,zstd},
 * {@code --clients skein,reference}, {@code --warmup all} (records each child JVM reads unmeasured
 * first: {@code all}, the default, is the whole topic, as many as measured), {@code --warmup-rounds 12}
 * (at most so many warm-up reads, repeated until the JIT has settled in two in a row; 1 for a single one). The older positional form {@code records size rounds} still works.
 * Each measurement's JSON line goes to stdout as it ends, then the Markdown tables.
 */
public final class ConsumerComparison {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
    private static final double JOIN_BAR_MS = 500;
    private static final Map<String, String> DEFAULTS = Map.of("records", "3000000", "size", "100", "rounds", "3",
            "modes", "assigned,group-classic,group-consumer", "codecs", "none,lz4,zstd", "clients", "skein,reference",
            "warmup", "all", "warmup-rounds", "12");

    private ConsumerComparison() {}

    /** One cell of the matrix: how the partitions are had, and the codec the data was written with. */
    private record Cell(Mode mode, String codec) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o = Options.parse("ConsumerComparison", DEFAULTS, positional(args));
        int records = Integer.parseInt(o.get("records"));
        int size = Integer.parseInt(o.get("size"));
        int warmupRounds = Integer.parseInt(o.get("warmup-rounds"));
        int rounds = Integer.parseInt(o.get("rounds"));
        int warmup = o.get("warmup").equals("all") ? records : Integer.parseInt(o.get("warmup"));
        List<Mode> modes = Arrays.stream(o.get("modes").split(",")).map(Mode::of).toList();
        List<String> codecs = List.of(o.get("codecs").split(","));
        List<Client> clients = Arrays.stream(o.get("clients").split(",")).map(Client::of).toList();
        try (KafkaCluster kafka = KafkaCluster.builder().brokerConfig("log.segment.delete.delay.ms", "1000").build().start();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Map<String, String> topics = new LinkedHashMap<>();
            for (String codec : codecs) {
                topics.put(codec, write(admin, kafka.bootstrapServers(), codec, records, size));
            }
            Map<Cell, Map<Client, List<String>>> results = new LinkedHashMap<>();
            try {
                for (int round = 0; round < rounds; round++) {
                    List<Client> order = new ArrayList<>(clients);
                    if (round % 2 == 1) {
                        Collections.reverse(order);
                    }
                    for (Mode mode : modes) {
                        for (String codec : codecs) {
                            ConsumerWorkload cell = new ConsumerWorkload(Client.SKEIN, kafka.bootstrapServers(), topics.get(codec),
                                    records, size, mode, codec, warmup, warmupRounds);
                            Map<Client, List<String>> byClient = results.computeIfAbsent(new Cell(mode, codec),
                                    c -> new LinkedHashMap<>());
                            for (Client client : order) {
                                byClient.computeIfAbsent(client, c -> new ArrayList<>()).add(measure(cell.with(client), round));
                            }
                        }
                    }
                }
            } finally {
                admin.deleteTopics(topics.values()).all().get(60, TimeUnit.SECONDS);
            }
            System.out.println();
            if (clients.size() < 2) {
                System.out.println("one client measured (--clients " + o.get("clients") + "): no comparison tables");
                return;
            }
            printThroughput(results, rounds, records, size);
            printJoins(results);
        }
    }

    /** The older form, {@code records size rounds}, as options. */
    private static String[] positional(String[] args) {
        if (args.length == 0 || args[0].startsWith("--")) {
            return args;
        }
        List<String> names = List.of("records", "size", "rounds");
        List<String> options = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (i >= names.size()) {
                throw new IllegalArgumentException("the positional form takes records, size and rounds; got "
                        + String.join(" ", args));
            }
            options.addAll(List.of("--" + names.get(i), args[i]));
        }
        return options.toArray(String[]::new);
    }

    /** Writes the records of every measurement with {@code codec} to a new topic, through the reference producer. */
    private static String write(Admin admin, String bootstrap, String codec, int records, int size) throws Exception {
        String topic = "bench-consume-" + codec;
        admin.createTopics(List.of(new NewTopic(topic, ConsumerWorkload.PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
        ProducerWorkload w = new ProducerWorkload(Client.REFERENCE, bootstrap, topic, records, size, "1", codec, 0, 0, 0);
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
        System.err.printf(Locale.ROOT, "wrote %,d records of %d B with %s to %s in %.1f s%n", records, size, codec, topic,
                (System.nanoTime() - start) / 1e9);
        return topic;
    }

    private static String measure(ConsumerWorkload w, int round) throws Exception {
        String json = ChildJvm.json(ConsumerRun.class, w.toArgs(), RUN_TIMEOUT);
        System.out.println("{\"round\":" + round + "," + json.substring(1));
        return json;
    }

    private static void printThroughput(Map<Cell, Map<Client, List<String>>> results, int rounds, int records, int size) {
        System.out.printf(Locale.ROOT, "Consumer throughput, median of %d round(s) of %,d records of %s each:%n%n", rounds,
                records, bytes(size));
        System.out.println("| mode | codec | skein rec/s | reference rec/s | ratio (bar ≥ 1.3) "
                + "| skein CPU-s/M rec | reference CPU-s/M rec | ratio (bar ≤ 0.6) |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        results.forEach((cell, byClient) -> {
            double skeinRate = median(byClient.get(Client.SKEIN), "records_per_sec");
            double refRate = median(byClient.get(Client.REFERENCE), "records_per_sec");
            double skeinCpu = median(byClient.get(Client.SKEIN), "cpu_s_per_million");
            double refCpu = median(byClient.get(Client.REFERENCE), "cpu_s_per_million");
            System.out.printf(Locale.ROOT, "| %s | %s | %,.0f | %,.0f | %s | %.3f | %.3f | %s |%n", cell.mode.label(), cell.codec,
                    skeinRate, refRate, verdict(skeinRate / refRate, skeinRate / refRate >= 1.3), skeinCpu, refCpu,
                    verdict(skeinCpu / refCpu, skeinCpu / refCpu <= 0.6));
        });
        System.out.println();
    }

    /** Per group protocol and client, every measurement's join (all codecs and rounds), warm and in a fresh JVM. */
    private static void printJoins(Map<Cell, Map<Client, List<String>>> results) {
        Map<Mode, Map<Client, List<String>>> byMode = new LinkedHashMap<>();
        results.forEach((cell, byClient) -> {
            if (cell.mode.grouped()) {
                byClient.forEach((client, lines) -> byMode.computeIfAbsent(cell.mode, m -> new LinkedHashMap<>())
                        .computeIfAbsent(client, c -> new ArrayList<>()).addAll(lines));
            }
        });
        if (byMode.isEmpty()) {
            return;
        }
        System.out.println("Group join on an idle broker, subscribe to first assignment, ms: median (max) over every"
                + " measurement of the protocol; bar < 500 on the median:");
        System.out.println();
        System.out.println("| protocol | skein join | reference join | skein join, fresh JVM | reference join, fresh JVM |");
        System.out.println("| --- | ---: | ---: | ---: | ---: |");
        byMode.forEach((mode, byClient) -> System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", mode.groupProtocol,
                join(byClient.get(Client.SKEIN), "join_ms"), join(byClient.get(Client.REFERENCE), "join_ms"),
                join(byClient.get(Client.SKEIN), "first_join_ms"), join(byClient.get(Client.REFERENCE), "first_join_ms")));
        System.out.println();
    }

    private static String join(List<String> lines, String key) {
        double median = median(lines, key);
        return String.format(Locale.ROOT, "%.0f (%.0f) %s", median, max(lines, key), mark(median < JOIN_BAR_MS));
    }
}
