package dev.skein.samples;

import com.sun.net.httpserver.HttpServer;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.OffsetReset;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Metrics for Prometheus: a producer writes orders at a steady rate and a consumer group member reads
 * them, both with one Micrometer {@link PrometheusMeterRegistry}, which an HTTP endpoint serves at
 * {@code /metrics} for Prometheus to scrape. The dashboard in {@code dashboards/skein.json} charts
 * those series (produce rate and errors, batch size, request latency, buffer use, lag per partition,
 * rebalances, fetch latency); the meters themselves are listed in the Meters sections of the producer
 * and consumer READMEs.
 *
 * <p>Run: {@code MetricsSample localhost:9092 orders 9404 [records-per-second] [seconds]} (runs until
 * stopped, by SIGTERM or Ctrl-C, when no seconds are given; either way it closes its clients before it
 * exits), then point Prometheus at {@code http://localhost:9404/metrics}.
 */
public final class MetricsSample implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpServer http;
    private final Producer<String, String> producer;
    private final Consumer<String, String> consumer;
    private final Thread writer;
    private final Thread reader;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong read = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    /** What ended the reader, when something did: {@code poll()} threw. */
    private final AtomicReference<Throwable> readerFailure = new AtomicReference<>();
    private volatile boolean stopping;

    private MetricsSample(String bootstrap, String topic, String group, int port, int perSecond) throws IOException {
        http = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        http.createContext("/metrics", exchange -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        producer = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(bootstrap)
                .clientId("orders-writer")
                .meterRegistry(registry)
                .build();
        consumer = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(bootstrap)
                .groupId(group)
                .clientId("orders-reader")
                .offsetReset(OffsetReset.EARLIEST)
                .meterRegistry(registry)
                .build();
        writer = new Thread(() -> write(topic, perSecond), "metrics-sample-writer");
        reader = new Thread(() -> read(topic), "metrics-sample-reader");
    }

    /**
     * Starts writing {@code perSecond} orders a second to {@code topic}, reading them in {@code group},
     * and serving the meters on {@code port} of 127.0.0.1 (0 picks a free one; see {@link #metricsUrl()}).
     */
    public static MetricsSample start(String bootstrap, String topic, String group, int port, int perSecond)
            throws IOException {
        MetricsSample sample = new MetricsSample(bootstrap, topic, group, port, perSecond);
        sample.http.start();
        sample.writer.start();
        sample.reader.start();
        return sample;
    }

    public String metricsUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/metrics";
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public long written() {
        return written.get();
    }

    public long read() {
        return read.get();
    }

    /** What was written and read, what could not be written and why, and what stopped the reader. */
    public String report() {
        Throwable first = firstFailure.get();
        String failures = first == null ? "" : " (" + failed.get() + " failed, first: " + first + ")";
        Throwable readerStop = readerFailure.get();
        return "wrote " + written.get() + " orders" + failures + ", read " + read.get()
                + (readerStop == null ? "" : " (reader stopped: " + readerStop + ")");
    }

    private void write(String topic, int perSecond) {
        long intervalNanos = TimeUnit.SECONDS.toNanos(1) / Math.max(1, perSecond);
        long next = System.nanoTime();
        for (long i = 0; !stopping; i++) {
            String customer = "customer-" + (i % 20);
            producer.send(ProducerRecord.of(topic, customer, "order-" + i)).whenComplete((md, e) -> {
                if (e == null) {
                    written.incrementAndGet();
                } else { // also counted by the producer's error meter; kept here for the report
                    failed.incrementAndGet();
                    firstFailure.compareAndSet(null, e);
                }
            });
            next += intervalNanos;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait); // the pace of the orders, not a wait for an outcome
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /**
     * Reads until closed. An exception from the consumer (poll throws only what retrying cannot mend: a
     * refused topic or group, say) ends the reader; it is printed at once and kept for {@link #report()},
     * so the sample does not go on serving meters of a reader that silently stopped.
     */
    private void read(String topic) {
        try {
            consumer.subscribe(List.of(topic));
            while (!stopping) {
                read.addAndGet(consumer.poll(Duration.ofMillis(200)).count());
            }
        } catch (RuntimeException e) {
            readerFailure.set(e);
            System.err.println("metrics sample: the reader stopped: " + e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        writer.join(TimeUnit.SECONDS.toMillis(10));
        reader.join(TimeUnit.SECONDS.toMillis(10));
        producer.close();
        consumer.close();
        http.stop(0);
        registry.close();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: MetricsSample <bootstrap> <topic> <port> [records-per-second] [seconds]");
            System.exit(2);
        }
        int perSecond = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        MetricsSample sample = start(args[0], args[1], "metrics-sample", Integer.parseInt(args[2]), perSecond);
        // Stopped by SIGTERM or Ctrl-C as much as at the end of its seconds: close the clients either way, so the
        // producer sends what it holds and the consumer commits and leaves the group now, not at its session timeout.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                sample.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.out.println(sample.report());
        }, "metrics-sample-shutdown"));
        System.out.println("serving " + sample.metricsUrl());
        if (args.length > 4) {
            Thread.sleep(TimeUnit.SECONDS.toMillis(Long.parseLong(args[4])));
            System.exit(0); // runs the hook above
        }
    }
}
