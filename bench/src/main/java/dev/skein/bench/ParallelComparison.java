package dev.skein.bench;

import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.skein.bench.Results.bytes;
import static dev.skein.bench.Results.mark;
import static dev.skein.bench.Results.number;

/**
 * Skein's {@code ParallelProcessor} against a plain poll loop, both reading one partition whose every
 * record needs slow I/O (issue: "1 partition, 10,000 keys, 5 ms of simulated I/O per record,
 * maxInFlight 1,000: at least 50,000 records/s end to end, against about 200 records/s for a plain poll
 * loop on the same topic"). One broker (testkit); the data is written once by Skein's producer: N
 * records of B bytes ({@link ProducerWorkload#values(int)}) with keys {@code k0}..{@code k<keys-1>} in
 * turn, on a topic of one partition. Each measurement runs in a fresh JVM ({@link ParallelRun}).
 *
 * <ul>
 *   <li>{@code parallel}: a {@code ParallelProcessor} (KEY ordering, {@code maxInFlight}, its default
 *       executor: on Java 17 a pool of {@code min(maxInFlight, 256 × CPUs, 1024)} threads) whose handler sleeps the
 *       simulated I/O, from the start of the topic until all N records are done;</li>
 *   <li>{@code poll-loop}: a plain {@code Consumer} (at-least-once) sleeping on its polling thread per
 *       record, for a bounded time from its first record.</li>
 * </ul>
 *
 * <p>Reported per mode: records/s from the first handler call to the last, process CPU-seconds per
 * million records, the most and the mean handlers running at once, and the mean of the records the
 * processor holds (its {@code inFlight()}, sampled every 100 ms); the ratio of the two rates; and ✓/✗
 * against the bar of 50,000 records/s.
 *
 * <p>Run (see bench/README.md): {@code mvn -B -pl bench exec:java -Dexec.mainClass=dev.skein.bench.ParallelComparison}.
 * Options, each followed by a value: {@code --records 200000}, {@code --size 100}, {@code --keys 10000},
 * {@code --max-in-flight 1000}, {@code --commit-interval-ms 1000} (the processor's default),
 * {@code --sleep-ms 5}, {@code --poll-loop-seconds 20}, {@code --warmup 20000} (records a first
 * processor handles unmeasured in the same JVM), {@code --modes parallel,poll-loop}, {@code --bar 50000}
 * (records/s). Each measurement's JSON line goes to stdout as it ends, then the table.
 */
public final class ParallelComparison {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
    private static final Map<String, String> DEFAULTS = Map.of("records", "200000", "size", "100", "keys", "10000",
            "max-in-flight", "1000", "commit-interval-ms", "1000", "sleep-ms", "5", "poll-loop-seconds", "20",
            "warmup", "20000", "modes", "parallel,poll-loop", "bar", "50000");

    private ParallelComparison() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o = Options.parse("ParallelComparison", DEFAULTS, args);
        int records = Integer.parseInt(o.get("records"));
        int size = Integer.parseInt(o.get("size"));
        int keys = Integer.parseInt(o.get("keys"));
        int maxInFlight = Integer.parseInt(o.get("max-in-flight"));
        int commitMillis = Integer.parseInt(o.get("commit-interval-ms"));
        int sleepMillis = Integer.parseInt(o.get("sleep-ms"));
        double bar = Double.parseDouble(o.get("bar"));
        List<ParallelWorkload.Mode> modes = Arrays.stream(o.get("modes").split(",")).map(ParallelWorkload.Mode::of).toList();
        try (KafkaCluster kafka = KafkaCluster.builder().brokerConfig("log.segment.delete.delay.ms", "1000").build().start();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            String topic = "bench-parallel";
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
            Map<ParallelWorkload.Mode, String> results = new LinkedHashMap<>();
            try {
                write(kafka.bootstrapServers(), topic, records, size, keys);
                ParallelWorkload base = new ParallelWorkload(ParallelWorkload.Mode.PARALLEL, kafka.bootstrapServers(), topic,
                        records, maxInFlight, commitMillis, sleepMillis, Integer.parseInt(o.get("poll-loop-seconds")),
                        Integer.parseInt(o.get("warmup")));
                for (ParallelWorkload.Mode mode : modes) {
                    String json = ChildJvm.json(ParallelRun.class, base.with(mode).toArgs(), RUN_TIMEOUT);
                    System.out.println(json);
                    results.put(mode, json);
                }
            } finally {
                admin.deleteTopics(List.of(topic)).all().get(60, TimeUnit.SECONDS);
            }
            System.out.println();
            print(results, records, size, keys, maxInFlight, commitMillis, sleepMillis, bar);
        }
    }

    /** The records every measurement reads: keys in turn, so any {@code keys} records in a row have distinct keys. */
    private static void write(String bootstrap, String topic, int records, int size, int keys) throws Exception {
        byte[][] values = ProducerWorkload.values(size);
        byte[][] keyBytes = new byte[keys][];
        for (int k = 0; k < keys; k++) {
            keyBytes[k] = ("k" + k).getBytes(StandardCharsets.US_ASCII);
        }
        Acknowledgements acks = new Acknowledgements(0);
        long start = System.nanoTime();
        try (Producer<byte[], byte[]> producer = Producer.builder(Serdes.bytes(), Serdes.bytes())
                .bootstrapServers(bootstrap).linger(Duration.ofMillis(5)).batchSize(64 * 1024).build()) {
            for (int i = 0; i < records; i++) {
                producer.send(ProducerRecord.of(topic, keyBytes[i % keys], values[i % values.length]), acks.counting);
            }
            producer.flush();
        }
        acks.await(records, Duration.ofMinutes(1));
        System.err.printf(Locale.ROOT, "wrote %,d records of %d B with %,d keys to %s in %.1f s%n", records, size, keys, topic,
                (System.nanoTime() - start) / 1e9);
    }

    private static void print(Map<ParallelWorkload.Mode, String> results, int records, int size, int keys, int maxInFlight,
                              int commitMillis, int sleepMillis, double bar) {
        System.out.printf(Locale.ROOT, "Parallel processing: 1 partition, %,d records of %s, %,d keys, %d ms of simulated"
                + " I/O per record:%n%n", records, bytes(size), keys, sleepMillis);
        System.out.println("| how | records | seconds | records/s | CPU-s/M rec | handlers at once: max | mean | records held: mean |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        results.forEach((mode, json) -> {
            String how = mode == ParallelWorkload.Mode.PARALLEL
                    ? String.format(Locale.ROOT, "`ParallelProcessor`, KEY, maxInFlight %,d%s", maxInFlight,
                            commitMillis == 1000 ? "" : ", commit every " + commitMillis + " ms")
                    : "plain `Consumer` poll loop, handler on the polling thread";
            double rate = number(json, "records_per_sec");
            String rateCell = mode == ParallelWorkload.Mode.PARALLEL
                    ? String.format(Locale.ROOT, "%,.0f %s", rate, mark(rate >= bar)) : String.format(Locale.ROOT, "%,.0f", rate);
            String held = json.contains("\"mean_held\"") ? String.format(Locale.ROOT, "%,.0f", number(json, "mean_held")) : "—";
            System.out.printf(Locale.ROOT, "| %s | %,.0f | %.1f | %s | %.3f | %.0f | %.1f | %s |%n", how, number(json, "records"),
                    number(json, "seconds"), rateCell, number(json, "cpu_s_per_million"), number(json, "max_concurrent"),
                    number(json, "mean_concurrent"), held);
        });
        System.out.println();
        if (results.size() == 2) {
            double ratio = number(results.get(ParallelWorkload.Mode.PARALLEL), "records_per_sec")
                    / number(results.get(ParallelWorkload.Mode.POLL_LOOP), "records_per_sec");
            System.out.printf(Locale.ROOT, "ParallelProcessor to the poll loop: %.0fx the records/s.%n", ratio);
        }
        System.out.printf(Locale.ROOT, "Bar: at least %,.0f records/s with the ParallelProcessor.%n", bar);
    }
}
