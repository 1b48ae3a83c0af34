package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The consumer's meters over its life: what close() and unsubscribe() take away, and whose they are. No broker. */
class ConsumerMetersTest {
    private static final TopicPartition TP0 = new TopicPartition("t", 0);
    private static final TopicPartition TP1 = new TopicPartition("t", 1);

    private static ConsumerBuilder<String, String> builder(SimpleMeterRegistry registry) {
        return Consumer.builder(Serdes.string(), Serdes.string()).bootstrapServers("127.0.0.1:1")
                .delivery(Delivery.MANUAL).meterRegistry(registry);
    }

    private static List<String> ids(SimpleMeterRegistry registry, String name) {
        return registry.find(name).gauges().stream().map(g -> g.getId().getTag("client.id") + " " + g.getId().getTags())
                .toList();
    }

    @Test
    void closeRemovesTheConsumersGaugesAndTheRegistryNoLongerHoldsTheConsumer() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WeakReference<Consumer<String, String>> closed = assignAndClose(registry);
        assertEquals(List.of(), ids(registry, "skein.consumer.lag"), "lag gauges of a closed consumer");
        assertEquals(List.of(), ids(registry, "skein.consumer.buffered.bytes"), "buffered.bytes of a closed consumer");
        assertEquals(List.of(), registry.getMeters().stream().filter(m -> m instanceof Gauge)
                .map(m -> m.getId().toString()).toList(), "no gauge of a closed consumer is left");
        assertNotNull(registry.find("skein.consumer.records.consumed").counter(), "counters stay, with their totals");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<byte[]> garbage = new ArrayList<>();
        while (closed.get() != null && System.nanoTime() - deadline < 0) {
            System.gc();
            garbage.add(new byte[1 << 16]); // work for the collector, dropped in bounded amounts
            if (garbage.size() > 64) {
                garbage.clear();
            }
        }
        assertNull(closed.get(), "the closed consumer is still reachable (from the registry's gauges)");
    }

    private static WeakReference<Consumer<String, String>> assignAndClose(SimpleMeterRegistry registry) {
        Consumer<String, String> c = builder(registry).build();
        c.assign(List.of(TP0));
        assertEquals(1, ids(registry, "skein.consumer.lag").size(), "a lag gauge per assigned partition");
        c.close(Duration.ofSeconds(5));
        return new WeakReference<>(c);
    }

    @Test
    void aPartitionThatGoesTakesItsLagGaugeAndUnsubscribeTakesThemAll() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Consumer<String, String> c = builder(registry).build()) {
            c.assign(List.of(TP0, TP1));
            assertEquals(2, ids(registry, "skein.consumer.lag").size());
            c.assign(List.of(TP1));
            assertEquals(1, ids(registry, "skein.consumer.lag").size(), "t-0 unassigned");
            c.unsubscribe();
            assertEquals(List.of(), ids(registry, "skein.consumer.lag"), "lag gauges after unsubscribe()");
            assertNotNull(registry.find("skein.consumer.buffered.bytes").gauge(), "the open consumer keeps its other meters");
        }
    }

    @Test
    void closingAConsumerLeavesTheMetersAnotherOfTheSameClientIdRegistered() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Consumer<String, String> first = builder(registry).clientId("same").build()) {
            first.assign(List.of(TP0));
            try (Consumer<String, String> second = builder(registry).clientId("same").build()) {
                second.assign(List.of(TP0));
            }
            assertEquals(1, ids(registry, "skein.consumer.lag").size(), "the first consumer's lag gauge stays");
            assertNotNull(registry.find("skein.consumer.buffered.bytes").gauge(), "and its buffered.bytes");
        }
        assertEquals(List.of(), ids(registry, "skein.consumer.lag"));
    }

    @Test
    void consumersWithoutAClientIdEachHaveTheirOwnAndTheirLagIsReportedApart() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (Consumer<String, String> a = builder(registry).groupId("billing").build();
             Consumer<String, String> b = builder(registry).groupId("shipping").build();
             Consumer<String, String> c = builder(registry).build()) {
            a.assign(List.of(TP0));
            b.assign(List.of(TP0));
            c.assign(List.of(TP0));
            List<String> clients = registry.find("skein.consumer.lag").gauges().stream()
                    .map(g -> g.getId().getTag("client.id")).sorted().toList();
            assertEquals(3, clients.size(), "one lag series per consumer: " + clients);
            assertTrue(clients.get(0).matches("consumer-\\d+"), clients.toString());
            assertTrue(clients.get(1).matches("consumer-billing-\\d+"), clients.toString());
            assertTrue(clients.get(2).matches("consumer-shipping-\\d+"), clients.toString());
        }
        try (Consumer<String, String> x = builder(registry).groupId("billing").build();
             Consumer<String, String> y = builder(registry).groupId("billing").build()) {
            List<Gauge> buffered = registry.find("skein.consumer.buffered.bytes").gauges().stream().toList();
            assertEquals(2, buffered.size(), "two consumers of one group, two series");
            assertNotEquals(buffered.get(0).getId().getTag("client.id"), buffered.get(1).getId().getTag("client.id"));
        }
    }
}
