import dev.skein.admin.Admin;
import dev.skein.admin.NewTopic;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.OffsetReset;
import dev.skein.consumer.ParallelProcessor;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.samples.MetricsSample;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The run whose meters {@code dashboards/skein-dashboard.png} shows (see dashboards/README.md): one
 * testkit broker, {@link MetricsSample} serving on port 9404, a parallel processor, a second reader
 * joining and leaving, a burst of orders and refused records. Not part of the build; run it as a
 * single-file program with the samples' test classpath: {@code java -cp ... DashboardRun.java <seconds>}.
 */
public class DashboardRun {
    public static void main(String[] args) throws Exception {
        int seconds = Integer.parseInt(args[0]);
        try (KafkaCluster kafka = KafkaCluster.builder().build().start();
             Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            admin.topics().create(List.of(NewTopic.of("orders", 6, 1), NewTopic.of("orders-dlt", 1, 1),
                    NewTopic.of("small", 1, 1).withConfig("max.message.bytes", "1000"))).all().get(30, TimeUnit.SECONDS);
            long start = System.nanoTime();
            try (MetricsSample sample = MetricsSample.start(kafka.bootstrapServers(), "orders", "order-readers", 9404, 400)) {
                System.out.println("serving " + sample.metricsUrl());
                ParallelProcessor<String, String> enricher = ParallelProcessor
                        .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                        .bootstrapServers(kafka.bootstrapServers()).groupId("order-enricher").topics("orders")
                        .options(o -> o.offsetReset(OffsetReset.EARLIEST))
                        .retry(3, Duration.ofMillis(50), Duration.ofMillis(200)).deadLetterTopic("orders-dlt")
                        .meterRegistry(sample.registry()).build();
                CompletableFuture<Void> enriching = CompletableFuture.runAsync(() -> enricher.run(r -> {
                    Thread.sleep(3); // the enrichment's remote call
                    if (r.value().endsWith("13")) {
                        throw new IllegalStateException("cannot enrich " + r.value());
                    }
                }));
                Thread.sleep(seconds * 250L);

                // A second reader joins (a rebalance) and leaves at half time (another).
                Consumer<String, String> second = Consumer.builder(Serdes.string(), Serdes.string())
                        .bootstrapServers(kafka.bootstrapServers()).groupId("order-readers").clientId("orders-reader-2")
                        .offsetReset(OffsetReset.EARLIEST).meterRegistry(sample.registry()).build();
                second.subscribe(List.of("orders"));
                CompletableFuture<Void> secondReading = CompletableFuture.runAsync(() -> {
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) / 2;
                    while (System.nanoTime() < end) {
                        second.poll(Duration.ofMillis(200));
                    }
                    second.close();
                });
                Thread.sleep(seconds * 100L);

                // A burst of orders (lag that drains), then records their topic refuses, one at a time.
                try (Producer<String, String> burst = Producer.builder(Serdes.string(), Serdes.string())
                        .bootstrapServers(kafka.bootstrapServers()).clientId("orders-burst")
                        .meterRegistry(sample.registry()).build()) {
                    for (int i = 0; i < 60_000; i++) {
                        burst.send(ProducerRecord.of("orders", "c" + (i % 50), "burst-" + i));
                    }
                    burst.flush();
                    for (int i = 0; i < 30; i++) {
                        burst.send(ProducerRecord.of("small", "k", "x".repeat(3_000)));
                        Thread.sleep(seconds * 5L);
                    }
                    burst.flush();
                }
                long left = start + TimeUnit.SECONDS.toNanos(seconds) - System.nanoTime();
                if (left > 0) {
                    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
                }
                enricher.close();
                enriching.get(60, TimeUnit.SECONDS);
                secondReading.get(60, TimeUnit.SECONDS);
                System.out.printf("wrote %d orders, read %d%n", sample.written(), sample.read());
            }
        }
    }
}
