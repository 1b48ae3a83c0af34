package dev.skein.consumer;

import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.instrumentation.kafkaclients.v2_6.KafkaTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * W3C trace context across Skein and Apache Kafka's client instrumented by OpenTelemetry: the
 * OpenTelemetry SDK records spans in memory, Skein's observations reach it through Micrometer Tracing's
 * OpenTelemetry bridge, and the reference clients run on the same broker.
 */
@ExtendWith(KafkaClusterExtension.class)
class TracingIT {
    private InMemorySpanExporter spans;
    private SdkTracerProvider provider;
    private OpenTelemetrySdk otel;
    private Tracer tracer;
    private ObservationRegistry registry;

    @BeforeEach
    void tracing() {
        spans = InMemorySpanExporter.create();
        provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
        otel = OpenTelemetrySdk.builder().setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
        io.opentelemetry.api.trace.Tracer otelTracer = otel.getTracer("skein-test");
        OtelCurrentTraceContext current = new OtelCurrentTraceContext();
        tracer = new OtelTracer(otelTracer, current, event -> { }, new OtelBaggageManager(current, List.of(), List.of()));
        OtelPropagator propagator = new OtelPropagator(otel.getPropagators(), otelTracer);
        registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
                new PropagatingSenderTracingObservationHandler<>(tracer, propagator),
                new PropagatingReceiverTracingObservationHandler<>(tracer, propagator),
                new DefaultTracingObservationHandler(tracer)));
    }

    @AfterEach
    void close() {
        provider.close();
    }

    /** The first finished span that matches, waiting up to 30 s for it. */
    private SpanData span(String what, Predicate<SpanData> p) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            for (SpanData s : spans.getFinishedSpanItems()) {
                if (p.test(s)) {
                    return s;
                }
            }
            assertTrue(System.nanoTime() < deadline, "no " + what + " span in " + spans.getFinishedSpanItems());
            Thread.onSpinWait();
        }
    }

    private static String attribute(SpanData s, String key) {
        return s.getAttributes().get(io.opentelemetry.api.common.AttributeKey.stringKey(key));
    }

    private static KafkaProducer<String, String> referenceProducer(KafkaCluster kafka) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "acks", "1",
                "enable.idempotence", false), new StringSerializer(), new StringSerializer());
    }

    /** Reads the one record of partition 0 of {@code topic} with Apache Kafka's consumer. */
    private static org.apache.kafka.clients.consumer.ConsumerRecord<String, String> readOne(KafkaCluster kafka, String topic) {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "isolation.level", "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    return r;
                }
            }
        }
        throw new AssertionError("nothing read from " + topic);
    }

    /** The (trace id, span id) of a W3C traceparent header value "00-trace-span-flags". */
    private static String[] traceparent(org.apache.kafka.common.header.Headers headers) {
        var h = headers.lastHeader("traceparent");
        assertNotNull(h, "a traceparent header");
        String[] parts = new String(h.value(), StandardCharsets.UTF_8).split("-");
        assertEquals(4, parts.length);
        assertEquals("00", parts[0]);
        return new String[] {parts[1], parts[2]};
    }

    @Test
    void aRecordSkeinProducesInsideASpanCarriesATraceparentTheReferenceConsumerReadsWithTheSameTraceId(KafkaCluster kafka)
            throws Exception {
        String topic = ConsumerIT.topic(kafka, "tracing-out", 1);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).observationRegistry(registry).build()) {
            Observation.createNotStarted("app", registry).observe(
                    () -> p.send(ProducerRecord.of(topic, "k", "v")).join());
        }
        SpanData app = span("app", s -> s.getName().equals("app"));
        SpanData send = span("send", s -> s.getKind() == SpanKind.PRODUCER && s.getName().equals(topic + " publish"));
        assertEquals(app.getSpanId(), send.getParentSpanId(), "the send is a child of the caller's span");
        assertEquals(app.getTraceId(), send.getTraceId());
        assertEquals(topic, attribute(send, "messaging.destination.name"));
        assertEquals("0", attribute(send, "messaging.destination.partition.id"), "the partition, known on the acknowledgement");

        String[] tp = traceparent(readOne(kafka, topic).headers());
        assertEquals(app.getTraceId(), tp[0], "Apache Kafka's consumer sees the caller's trace id");
        assertEquals(send.getSpanId(), tp[1], "and the send as the parent to continue from");
    }

    @Test
    void aRecordFromTheReferenceProducerUnderOpenTelemetryIsProcessedBySkeinAsAChildOfItsTrace(KafkaCluster kafka)
            throws Exception {
        String topic = ConsumerIT.topic(kafka, "tracing-in", 1);
        Span upstream = otel.getTracer("upstream").spanBuilder("upstream").startSpan();
        try (org.apache.kafka.clients.producer.Producer<String, String> p =
                     KafkaTelemetry.create(otel).wrap(referenceProducer(kafka));
             Scope ignored = upstream.makeCurrent()) {
            p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "k", "v")).get(30, TimeUnit.SECONDS);
        } finally {
            upstream.end();
        }
        SpanData published = span("reference publish", s -> s.getKind() == SpanKind.PRODUCER
                && s.getTraceId().equals(upstream.getSpanContext().getTraceId()));

        AtomicReference<String> seenTrace = new AtomicReference<>();
        List<ConsumerRecord<String, String>> got = new ArrayList<>();
        try (Consumer<String, String> c = ConsumerIT.builder(kafka).delivery(Delivery.MANUAL).observationRegistry(registry)
                .build()) {
            c.assign(List.of(new dev.skein.core.TopicPartition(topic, 0)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (got.isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "nothing consumed");
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                    got.add(r);
                    RecordTracing.process(r, registry, () -> seenTrace.set(tracer.currentSpan().context().traceId()));
                }
            }
        }
        assertEquals(upstream.getSpanContext().getTraceId(), seenTrace.get(), "the work runs in the producer's trace");
        SpanData process = span("process", s -> s.getKind() == SpanKind.CONSUMER && s.getName().equals(topic + " process"));
        assertEquals(published.getSpanId(), process.getParentSpanId(), "the process span is a child of the reference's send");
        assertEquals(Long.toString(got.get(0).offset()), attribute(process, "messaging.kafka.offset"));
        span("receive", s -> s.getName().equals("poll") && "receive".equals(attribute(s, "messaging.operation")));
    }

    @Test
    void anExactlyOnceProcessorCarriesTheTraceFromItsInputToItsOutput(KafkaCluster kafka) throws Exception {
        String in = ConsumerIT.topic(kafka, "tracing-eos-in", 1);
        String out = ConsumerIT.topic(kafka, "tracing-eos-out", 1);
        // The reference producer with the trace context injected by OpenTelemetry's W3C propagator.
        Span upstream = otel.getTracer("upstream").spanBuilder("upstream").startSpan();
        try (KafkaProducer<String, String> p = referenceProducer(kafka); Scope ignored = upstream.makeCurrent()) {
            var record = new org.apache.kafka.clients.producer.ProducerRecord<String, String>(in, "k", "v");
            otel.getPropagators().getTextMapPropagator().inject(io.opentelemetry.context.Context.current(), record.headers(),
                    (headers, key, value) -> headers.add(key, value.getBytes(StandardCharsets.UTF_8)));
            p.send(record).get(30, TimeUnit.SECONDS);
        } finally {
            upstream.end();
        }
        try (ExactlyOnceProcessor<String, String, String, String> eos = ExactlyOnceProcessor.builder(
                        Serdes.string().deserializer(), Serdes.string().deserializer(),
                        Serdes.string().serializer(), Serdes.string().serializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId("tracing-" + UUID.randomUUID())
                .transactionalId("tracing-" + UUID.randomUUID()).input(List.of(in)).observationRegistry(registry).build()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (eos.processOnce(Duration.ofMillis(200), r -> List.of(ProducerRecord.of(out, r.key(), r.value()))) == 0) {
                assertTrue(System.nanoTime() < deadline, "nothing processed");
            }
        }
        String trace = upstream.getSpanContext().getTraceId();
        SpanData process = span("process", s -> s.getName().equals(in + " process"));
        assertEquals(upstream.getSpanContext().getSpanId(), process.getParentSpanId());
        SpanData send = span("send", s -> s.getName().equals(out + " publish"));
        assertEquals(process.getSpanId(), send.getParentSpanId(), "the output's send is a child of the input's process");
        String[] tp = traceparent(readOne(kafka, out).headers());
        assertEquals(trace, tp[0], "the output carries the input's trace");
        assertEquals(send.getSpanId(), tp[1]);
    }

    @Test
    void aParallelProcessorRunsEachHandlerInsideItsRecordsTraceAndStopsAnAsyncOneWithItsStage(KafkaCluster kafka)
            throws Exception {
        String topic = ConsumerIT.topic(kafka, "tracing-parallel", 1);
        Span upstream = otel.getTracer("upstream").spanBuilder("upstream").startSpan();
        try (KafkaProducer<String, String> p = referenceProducer(kafka); Scope ignored = upstream.makeCurrent()) {
            for (String key : List.of("blocking", "async")) {
                var record = new org.apache.kafka.clients.producer.ProducerRecord<String, String>(topic, key, key);
                otel.getPropagators().getTextMapPropagator().inject(io.opentelemetry.context.Context.current(),
                        record.headers(), (headers, k, value) -> headers.add(k, value.getBytes(StandardCharsets.UTF_8)));
                p.send(record).get(30, TimeUnit.SECONDS);
            }
        } finally {
            upstream.end();
        }
        java.util.Map<String, String> seenTrace = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.CompletableFuture<Void> asyncWork = new java.util.concurrent.CompletableFuture<>();
        try (ParallelProcessor<String, String> processor = ParallelProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId("tracing-parallel-" + UUID.randomUUID())
                .topics(topic).options(o -> o.offsetReset(OffsetReset.EARLIEST)).ordering(ParallelProcessor.Ordering.UNORDERED)
                .observationRegistry(registry).build()) {
            java.util.concurrent.CompletableFuture<Void> run = java.util.concurrent.CompletableFuture.runAsync(() ->
                    processor.runAsync(r -> {
                        seenTrace.put(r.key(), tracer.currentSpan() == null ? "none" : tracer.currentSpan().context().traceId());
                        return r.key().equals("blocking") ? null : asyncWork;
                    }));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (seenTrace.size() < 2) {
                assertTrue(System.nanoTime() < deadline && !run.isDone(), "both records handled");
                Thread.onSpinWait();
            }
            span("the blocking record's process", s -> s.getName().equals(topic + " process")
                    && "0".equals(attribute(s, "messaging.kafka.offset")));
            assertTrue(spans.getFinishedSpanItems().stream().noneMatch(s -> s.getName().equals(topic + " process")
                    && "1".equals(attribute(s, "messaging.kafka.offset"))),
                    "the async record's observation stays open until its stage completes");
            asyncWork.complete(null);
            processor.close();
            run.get(30, TimeUnit.SECONDS);
        }
        String trace = upstream.getSpanContext().getTraceId();
        assertEquals(trace, seenTrace.get("blocking"), "the blocking handler ran inside the record's trace");
        assertEquals(trace, seenTrace.get("async"), "the async handler was called inside the record's trace");
        span("the async record's process, once its stage completed", s -> s.getName().equals(topic + " process")
                && "1".equals(attribute(s, "messaging.kafka.offset")));
        for (SpanData s : spans.getFinishedSpanItems()) {
            if (s.getName().equals(topic + " process")) {
                assertEquals(trace, s.getTraceId());
                assertEquals(upstream.getSpanContext().getSpanId(), s.getParentSpanId());
            }
        }
    }
    @Test
    void anExactlyOnceProcessorWhoseTracingHandlerThrowsStillProcessesAndCommits(KafkaCluster kafka) throws Exception {
        String in = ConsumerIT.topic(kafka, "tracing-eos-broken-in", 1);
        String out = ConsumerIT.topic(kafka, "tracing-eos-broken-out", 1);
        try (KafkaProducer<String, String> p = referenceProducer(kafka)) {
            p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(in, "k", "v")).get(30, TimeUnit.SECONDS);
        }
        ObservationRegistry broken = ObservationRegistry.create();
        broken.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStart(Observation.Context context) {
                throw new IllegalStateException("a broken tracing handler");
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        try (ExactlyOnceProcessor<String, String, String, String> eos = ExactlyOnceProcessor.builder(
                        Serdes.string().deserializer(), Serdes.string().deserializer(),
                        Serdes.string().serializer(), Serdes.string().serializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId("tracing-broken-" + UUID.randomUUID())
                .transactionalId("tracing-broken-" + UUID.randomUUID()).input(List.of(in)).observationRegistry(broken)
                .build()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (eos.processOnce(Duration.ofMillis(200), r -> List.of(ProducerRecord.of(out, r.key(), r.value() + "!"))) == 0) {
                assertTrue(System.nanoTime() < deadline, "nothing processed");
            }
            assertEquals(1, eos.committedTransactions(), "the batch committed, tracing or not");
        }
        assertEquals("v!", readOne(kafka, out).value(), "the output was written and committed");
    }

    @Test
    void aRecordTheParallelProcessorDeadLettersKeepsTheTraceOfTheRecordItCopies(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "tracing-dlt-in", 1);
        String dlt = ConsumerIT.topic(kafka, "tracing-dlt", 1);
        try (Producer<String, String> p = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).observationRegistry(registry).build()) {
            Observation.createNotStarted("app", registry).observe(() -> p.send(ProducerRecord.of(topic, "k", "v")).join());
        }
        SpanData app = span("app", s -> s.getName().equals("app"));
        try (ParallelProcessor<String, String> processor = ParallelProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId("tracing-dlt-" + UUID.randomUUID())
                .topics(topic).options(o -> o.offsetReset(OffsetReset.EARLIEST))
                .retry(1, Duration.ZERO, Duration.ZERO).deadLetterTopic(dlt).observationRegistry(registry).build()) {
            java.util.concurrent.CompletableFuture<Void> run = java.util.concurrent.CompletableFuture.runAsync(() ->
                    processor.run(r -> {
                        throw new IllegalStateException("poison");
                    }));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (processor.deadLetteredCount() < 1) {
                assertTrue(System.nanoTime() < deadline && !run.isDone(), "the record dead-lettered");
                Thread.onSpinWait();
            }
            processor.close();
            run.get(30, TimeUnit.SECONDS);
        }
        var dead = readOne(kafka, dlt);
        assertEquals("v", dead.value());
        String[] tp = traceparent(dead.headers());
        assertEquals(app.getTraceId(), tp[0], "the dead letter carries the source record's trace on");
    }
}
