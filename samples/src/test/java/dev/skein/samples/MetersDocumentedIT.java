package dev.skein.samples;

import dev.skein.admin.Admin;
import dev.skein.admin.NewTopic;
import dev.skein.consumer.OffsetReset;
import dev.skein.consumer.ParallelProcessor;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaClusterExtension;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The meters of running clients, against their documentation and the dashboard: {@link MetricsSample}
 * serves a producer's and a consumer's meters over HTTP while orders flow; a producer that fails a
 * record and a {@code ParallelProcessor} that retries and dead-letters one add theirs to the same
 * registry. Then every meter registered is a row of the Meters tables in {@code producer/README.md}
 * and {@code consumer/README.md} with its type and tags, every row is registered, every documented
 * Prometheus name is in the scrape, and every series {@code dashboards/skein.json} queries exists.
 */
@ExtendWith(KafkaClusterExtension.class)
class MetersDocumentedIT {
    private static final Path ROOT = Path.of("..");
    private static final Pattern ROW = Pattern.compile(
            "^\\| `(skein\\.[a-z.]+)` \\| (counter|gauge|timer|summary)[^|]*\\| ([^|]+)\\| `([a-z_]+)` \\|");
    private static final Pattern EXPR = Pattern.compile("\"expr\": \"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern SERIES = Pattern.compile("\\bskein_[a-z_]+");

    private record Documented(String name, String type, Set<String> tags, String prometheus) {}

    @Test
    void everyMeterIsDocumentedServedAndChartable(KafkaCluster kafka) throws Exception {
        String orders = SamplesIT.topic(kafka, 3);
        String small = "meters-small-" + UUID.randomUUID().toString().substring(0, 8);
        String work = SamplesIT.topic(kafka, 1);
        String dlt = SamplesIT.topic(kafka, 1);
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            admin.topics().create(List.of(NewTopic.of(small, 1, 1).withConfig("max.message.bytes", "1000")))
                    .all().get(30, TimeUnit.SECONDS);
        }
        try (MetricsSample sample = MetricsSample.start(kafka.bootstrapServers(), orders, "meters-" + UUID.randomUUID(), 0, 500)) {
            await(() -> sample.read() >= 200, "the sample's consumer reads what its producer writes");

            // A record the topic refuses: the error meters appear.
            try (Producer<String, String> failing = Producer.builder(Serdes.string(), Serdes.string())
                    .bootstrapServers(kafka.bootstrapServers()).clientId("meters-failing")
                    .meterRegistry(sample.registry()).build()) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> failing
                        .send(ProducerRecord.of(small, "k", "x".repeat(3_000))).get(30, TimeUnit.SECONDS));
                assertTrue(e.getCause().getMessage().toLowerCase().contains("large"), e.getCause().toString());
                failing.send(ProducerRecord.of(work, "a", "fine")).get(30, TimeUnit.SECONDS);
                failing.send(ProducerRecord.of(work, "b", "poison")).get(30, TimeUnit.SECONDS);
            }
            // A parallel processor that retries and dead-letters one record, open while the meters are checked
            // (its gauges go when it closes).
            try (ParallelProcessor<String, String> processor = ParallelProcessor
                    .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                    .bootstrapServers(kafka.bootstrapServers()).groupId("meters-parallel-" + UUID.randomUUID())
                    .topics(work).options(o -> o.offsetReset(OffsetReset.EARLIEST))
                    .retry(2, Duration.ofMillis(10), Duration.ofMillis(10)).deadLetterTopic(dlt)
                    .meterRegistry(sample.registry()).build()) {
                CompletableFuture<Void> run = CompletableFuture.runAsync(() -> processor.run(r -> {
                    if (r.value().equals("poison")) {
                        throw new IllegalStateException("poison");
                    }
                }));
                await(() -> processor.processedCount() == 2 || run.isDone(), "both records done, one dead-lettered");
                assertEquals(1, processor.deadLetteredCount());

                Map<String, Documented> documented = new TreeMap<>();
                for (String readme : List.of("producer/README.md", "consumer/README.md")) {
                    for (String line : Files.readAllLines(ROOT.resolve(readme), StandardCharsets.UTF_8)) {
                        Matcher m = ROW.matcher(line);
                        if (m.find()) {
                            Set<String> tags = new TreeSet<>();
                            Matcher t = Pattern.compile("`([a-z.]+)`").matcher(m.group(3));
                            while (t.find()) {
                                tags.add(t.group(1));
                            }
                            documented.put(m.group(1), new Documented(m.group(1), m.group(2), tags, m.group(4)));
                        }
                    }
                }
                assertTrue(documented.size() >= 20, "the tables were read: " + documented.keySet());

                Map<String, Documented> registered = new TreeMap<>();
                for (Meter meter : sample.registry().getMeters()) {
                    String name = meter.getId().getName();
                    if (!name.startsWith("skein.")) {
                        continue;
                    }
                    Set<String> tags = meter.getId().getTags().stream().map(Tag::getKey).collect(Collectors.toCollection(TreeSet::new));
                    registered.merge(name, new Documented(name, type(meter), tags, null), (a, b) -> {
                        assertEquals(a.tags(), b.tags(), name + ": every instance has the same tag keys");
                        return a;
                    });
                }
                assertEquals(documented.keySet(), registered.keySet(), "documented meters against registered ones");
                for (Documented r : registered.values()) {
                    Documented d = documented.get(r.name());
                    assertEquals(d.type(), r.type(), r.name() + ": type");
                    assertEquals(d.tags(), r.tags(), r.name() + ": tags");
                }

                // Gauges read live values, also after a collection (a registry holds a gauge's object weakly
                // unless told otherwise).
                System.gc();
                for (Meter meter : sample.registry().getMeters()) {
                    if (meter instanceof Gauge g && meter.getId().getName().startsWith("skein.")) {
                        assertTrue(Double.isFinite(g.value()), meter.getId() + " reads " + g.value());
                    }
                }

                String scrape = get(sample.metricsUrl());
                Set<String> series = new TreeSet<>();
                for (String line : scrape.split("\n")) {
                    Matcher m = SERIES.matcher(line);
                    if (!line.startsWith("#") && m.lookingAt()) {
                        series.add(m.group());
                    }
                }
                for (Documented d : documented.values()) {
                    String expected = d.type().equals("timer") || d.type().equals("summary") ? d.prometheus() + "_count" : d.prometheus();
                    assertTrue(series.contains(expected), d.name() + " is served as " + expected + "; served: " + series);
                }
                assertTrue(scrape.contains("skein_producer_records_sent_total{client_id=\"orders-writer\"}"), scrape);

                String dashboard = Files.readString(ROOT.resolve("dashboards/skein.json"), StandardCharsets.UTF_8);
                List<String> charted = new ArrayList<>();
                Matcher e = EXPR.matcher(dashboard);
                while (e.find()) {
                    Matcher s = SERIES.matcher(e.group(1));
                    while (s.find()) {
                        charted.add(s.group());
                    }
                }
                assertTrue(charted.size() >= 20, "the dashboard's queries were read: " + charted);
                for (String s : charted) {
                    assertTrue(series.contains(s), "the dashboard charts " + s + ", which is served");
                }
                processor.close();
                run.get(30, TimeUnit.SECONDS);
            }
        }
    }

    private static String type(Meter meter) {
        if (meter instanceof Counter || meter instanceof FunctionCounter) {
            return "counter";
        } else if (meter instanceof Timer) {
            return "timer";
        } else if (meter instanceof DistributionSummary) {
            return "summary";
        } else if (meter instanceof Gauge) {
            return "gauge";
        }
        return meter.getClass().getSimpleName();
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
    }

    private static void await(BooleanSupplier condition, String what) {
        Await.until(what, Duration.ofSeconds(60), condition::getAsBoolean);
    }
}
