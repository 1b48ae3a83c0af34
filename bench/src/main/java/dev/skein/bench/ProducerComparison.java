package dev.skein.bench;

import dev.skein.testkit.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.skein.bench.Results.bytes;
import static dev.skein.bench.Results.median;
import static dev.skein.bench.Results.verdict;

/**
 * Skein's producer against the reference producer on one broker (testkit) in one run. Each
 * measurement runs in a fresh JVM ({@link ProducerRun}) on a fresh topic of 6 partitions, which is
 * deleted afterwards; within a round the clients alternate, and which goes first alternates by round.
 *
 * <p>Throughput: N keyless records per measurement, linger 5 ms, 64 KiB batches, 64 MiB buffer
 * memory, over value size (100 B, 1 KiB) x (acks=1 without idempotence, acks=all with it) x codec
 * (none, lz4). Reported per cell: records/s and client CPU-seconds per million records, each the
 * median over the rounds, and Skein's ratio to the reference. The bar (issue #18): at least 2.0x the
 * records/s, at most 0.4x the CPU per record.
 *
 * <p>Latency: 100 B records paced at a fixed rate (acks=1, no compression) for a fixed time, each
 * record's time from just before {@code send} to its callback; p50, p99, p999 and max per client.
 * The bar: Skein's p99 no worse than the reference's.
 *
 * <p>Run (see bench/README.md): {@code mvn -B -pl bench exec:java -Dexec.args="--records 3000000"}.
 * Options, each followed by a value: {@code --records N} (3000000), {@code --sizes 100,1024},
 * {@code --acks 1,all}, {@code --codecs none,lz4}, {@code --rounds 3}, {@code --throughput true},
 * {@code --latency true}, {@code --latency-rate 100000}, {@code --latency-seconds 20},
 * {@code --warmup all} (records each child JVM sends unmeasured before its measurement: {@code all},
 * the default, is as many as it then measures), {@code --warmup-rounds 8} (at most so many warm-ups,
 * repeated until the JIT has settled in two in a row; 1 for a single one). Each measurement's JSON line goes to stdout as it ends, then the Markdown tables.
 */
public final class ProducerComparison {
    private static final int PARTITIONS = 6;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(15);
    private static final Map<String, String> DEFAULTS = Map.ofEntries(Map.entry("records", "3000000"),
            Map.entry("sizes", "100,1024"), Map.entry("acks", "1,all"), Map.entry("codecs", "none,lz4"),
            Map.entry("rounds", "3"), Map.entry("throughput", "true"), Map.entry("latency", "true"),
            Map.entry("latency-rate", "100000"), Map.entry("latency-seconds", "20"), Map.entry("warmup", "all"),
            Map.entry("warmup-rounds", "8"), Map.entry("clients", "skein,reference"));

    private static int topics;
    /** The clients measured ({@code --clients}); the tables need both. */
    private static List<Client> clients;

    private ProducerComparison() {}

    /** Records to send unmeasured before measuring {@code measured}: {@code --warmup}, where {@code all} is as many. */
    private static int warmup(Map<String, String> o, int measured) {
        return o.get("warmup").equals("all") ? measured : Integer.parseInt(o.get("warmup"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        int rounds = Integer.parseInt(o.get("rounds"));
        clients = Arrays.stream(o.get("clients").split(",")).map(Client::of).toList();
        try (KafkaCluster kafka = KafkaCluster.builder().brokerConfig("log.segment.delete.delay.ms", "1000").build().start();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Map<ProducerWorkload, Map<Client, List<String>>> throughput = new LinkedHashMap<>();
            if (Boolean.parseBoolean(o.get("throughput"))) {
                for (int round = 0; round < rounds; round++) {
                    for (int size : ints(o.get("sizes"))) {
                        for (String acks : o.get("acks").split(",")) {
                            for (String codec : o.get("codecs").split(",")) {
                                ProducerWorkload cell = new ProducerWorkload(Client.SKEIN, kafka.bootstrapServers(), "",
                                        Integer.parseInt(o.get("records")), size, acks, codec, 0,
                                        warmup(o, Integer.parseInt(o.get("records"))), Integer.parseInt(o.get("warmup-rounds")));
                                measureBoth(admin, cell, round, throughput.computeIfAbsent(cell, c -> new LinkedHashMap<>()));
                            }
                        }
                    }
                }
            }
            Map<Client, List<String>> latency = new LinkedHashMap<>();
            int rate = Integer.parseInt(o.get("latency-rate"));
            int seconds = Integer.parseInt(o.get("latency-seconds"));
            if (Boolean.parseBoolean(o.get("latency"))) {
                ProducerWorkload paced = new ProducerWorkload(Client.SKEIN, kafka.bootstrapServers(), "", rate * seconds, 100,
                        "1", "none", rate, warmup(o, rate * seconds), Integer.parseInt(o.get("warmup-rounds")));
                for (int round = 0; round < rounds; round++) {
                    measureBoth(admin, paced, round, latency);
                }
            }
            System.out.println();
            if (clients.size() < 2) {
                System.out.println("one client measured (--clients " + o.get("clients") + "): no comparison tables");
                return;
            }
            if (!throughput.isEmpty()) {
                printThroughput(throughput, rounds);
            }
            if (!latency.isEmpty()) {
                printLatency(latency, rounds, rate, seconds);
            }
        }
    }

    /** Both clients on {@code cell}, the first of them by round, each result's JSON line added to {@code results}. */
    private static void measureBoth(Admin admin, ProducerWorkload cell, int round, Map<Client, List<String>> results)
            throws Exception {
        List<Client> order = round % 2 == 0 ? List.of(Client.SKEIN, Client.REFERENCE) : List.of(Client.REFERENCE, Client.SKEIN);
        for (Client client : order) {
            if (!clients.contains(client)) {
                continue;
            }
            ProducerWorkload w = cell.with(client, "bench-produce-" + (++topics) + "-" + client.label());
            results.computeIfAbsent(client, c -> new ArrayList<>()).add(measure(admin, w, round));
        }
    }

    private static String measure(Admin admin, ProducerWorkload w, int round) throws Exception {
        admin.createTopics(List.of(new NewTopic(w.topic(), PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
        try {
            Duration timeout = w.paced() ? RUN_TIMEOUT.plusSeconds(w.records() / w.ratePerSec()) : RUN_TIMEOUT;
            String json = ChildJvm.json(ProducerRun.class, w.toArgs(), timeout);
            System.out.println("{\"round\":" + round + "," + json.substring(1));
            return json;
        } finally {
            admin.deleteTopics(List.of(w.topic())).all().get(60, TimeUnit.SECONDS);
        }
    }

    private static void printThroughput(Map<ProducerWorkload, Map<Client, List<String>>> results, int rounds) {
        System.out.printf(Locale.ROOT, "Producer throughput, median of %d round(s) of %,d records each:%n%n", rounds,
                results.keySet().iterator().next().records());
        System.out.println("| value | acks | codec | skein rec/s | reference rec/s | ratio (bar ≥ 2.0) "
                + "| skein CPU-s/M rec | reference CPU-s/M rec | ratio (bar ≤ 0.4) |");
        System.out.println("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        results.forEach((cell, byClient) -> {
            double skeinRate = median(byClient.get(Client.SKEIN), "records_per_sec");
            double refRate = median(byClient.get(Client.REFERENCE), "records_per_sec");
            double skeinCpu = median(byClient.get(Client.SKEIN), "cpu_s_per_million");
            double refCpu = median(byClient.get(Client.REFERENCE), "cpu_s_per_million");
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %,.0f | %,.0f | %s | %.3f | %.3f | %s |%n",
                    bytes(cell.valueBytes()),
                    cell.acks().equals("all") ? "all, idempotent" : cell.acks(), cell.compression(), skeinRate, refRate,
                    verdict(skeinRate / refRate, skeinRate / refRate >= 2.0), skeinCpu, refCpu,
                    verdict(skeinCpu / refCpu, skeinCpu / refCpu <= 0.4));
        });
        System.out.println();
    }

    private static void printLatency(Map<Client, List<String>> results, int rounds, int rate, int seconds) {
        System.out.printf(Locale.ROOT, "Producer latency, send to callback, at %,d records/s for %d s (100 B, acks=1, none),"
                + " median of %d round(s):%n%n", rate, seconds, rounds);
        System.out.println("| client | sent rec/s | p50 ms | p99 ms | p999 ms | max ms | CPU-s/M rec |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        results.forEach((client, runs) -> System.out.printf(Locale.ROOT, "| %s | %,.0f | %.2f | %.2f | %.2f | %.2f | %.3f |%n",
                client.label(), median(runs, "sent_per_sec"), median(runs, "p50_ms"), median(runs, "p99_ms"),
                median(runs, "p999_ms"), median(runs, "max_ms"), median(runs, "cpu_s_per_million")));
        double ratio = median(results.get(Client.SKEIN), "p99_ms") / median(results.get(Client.REFERENCE), "p99_ms");
        System.out.printf(Locale.ROOT, "%np99, skein to reference: %s (bar ≤ 1.0)%n%n", verdict(ratio, ratio <= 1.0));
    }

    private static int[] ints(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    /** {@code --name value} pairs over {@link #DEFAULTS}; an unknown name is an error. */
    private static Map<String, String> options(String[] args) {
        Map<String, String> o = Options.parse("ProducerComparison", DEFAULTS, args);
        for (String acks : o.get("acks").split(",")) {
            if (!Set.of("1", "all").contains(acks)) {
                throw new IllegalArgumentException("--acks takes 1 (idempotence off) and/or all (idempotence on), not " + acks);
            }
        }
        return o;
    }
}
