package dev.skein.samples;

import dev.skein.admin.Admin;
import dev.skein.admin.NewTopic;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.Delivery;
import dev.skein.consumer.IsolationLevel;
import dev.skein.consumer.OffsetReset;
import dev.skein.core.TopicPartition;
import dev.skein.producer.Producer;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.SchemaRegistryStub;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every sample run against a real broker, checking what it promises. */
@ExtendWith(KafkaClusterExtension.class)
class SamplesIT {

    static String topic(KafkaCluster kafka, int partitions) throws Exception {
        String t = "sample-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            admin.topics().create(List.of(NewTopic.of(t, partitions, 1))).all().get(30, TimeUnit.SECONDS);
            Await.until("the broker serves " + t, Duration.ofSeconds(30), () -> {
                admin.topics().describe(List.of(t)).get(t).get(30, TimeUnit.SECONDS);
                return true;
            });
        }
        return t;
    }

    @Test
    void theKeyedProducerKeepsEachCustomerOnOnePartitionAndTheConsumersReadEverything(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 4);
        Map<String, Integer> placement = KeyedProducerSample.run(kafka.bootstrapServers(), t, 200,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(10, placement.size());

        List<String> seen = new ArrayList<>();
        Map<String, Integer> partitionSeen = new HashMap<>();
        Map<String, List<Integer>> ordersOf = new HashMap<>();
        int n = AtLeastOnceConsumerSample.run(kafka.bootstrapServers(), t, "alo-" + UUID.randomUUID(), r -> {
            seen.add(r.value());
            partitionSeen.put(r.key(), r.partition());
            ordersOf.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(Integer.parseInt(r.value().substring("order ".length())));
            return false;
        }, Duration.ofSeconds(3));
        assertEquals(200, n);
        assertEquals(200, new HashSet<>(seen).size(), "every order once");
        assertEquals(placement, partitionSeen, "where the producer's callbacks said");
        ordersOf.forEach((customer, numbers) -> assertEquals(numbers.stream().sorted().toList(), numbers,
                customer + "'s orders in the order they were sent"));

        int m = AtMostOnceConsumerSample.run(kafka.bootstrapServers(), t, "amo-" + UUID.randomUUID(), r -> false,
                Duration.ofSeconds(3));
        assertEquals(200, m);
    }

    @Test
    void atLeastOnceRedeliversWhatWasNotFinishedAndAtMostOnceNeverRepeats(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 1);
        KeyedProducerSample.run(kafka.bootstrapServers(), t, 100, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        // Stop after 30 records: at-least-once committed exactly those, so the next run starts at 30.
        String alo = "alo-" + UUID.randomUUID();
        assertEquals(30, AtLeastOnceConsumerSample.run(kafka.bootstrapServers(), t, alo, r -> r.offset() == 29,
                Duration.ofSeconds(3)));
        List<Long> rest = new ArrayList<>();
        AtLeastOnceConsumerSample.run(kafka.bootstrapServers(), t, alo, r -> {
            rest.add(r.offset());
            return false;
        }, Duration.ofSeconds(3));
        assertEquals(30L, rest.get(0), "resumes after the last processed record");
        assertEquals(70, rest.size());

        // At-most-once: stopping mid-batch skips the rest of that batch; nothing is ever handed out twice.
        String amo = "amo-" + UUID.randomUUID();
        Set<Long> handled = new HashSet<>();
        AtMostOnceConsumerSample.run(kafka.bootstrapServers(), t, amo, r -> {
            handled.add(r.offset());
            return r.offset() == 10;
        }, Duration.ofSeconds(3));
        AtMostOnceConsumerSample.run(kafka.bootstrapServers(), t, amo, r -> {
            assertTrue(handled.add(r.offset()), "offset " + r.offset() + " handed out twice");
            return false;
        }, Duration.ofSeconds(3));
        assertTrue(handled.contains(99L), "the second run reached the end");
    }

    @Test
    void atLeastOnceDeliversAgainTheRecordWhoseProcessingThrewAndEverythingAfterIt(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 1);
        KeyedProducerSample.run(kafka.bootstrapServers(), t, 100, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        String alo = "alo-" + UUID.randomUUID();
        IllegalStateException down = new IllegalStateException("billing is down");
        assertSame(down, assertThrows(IllegalStateException.class, () -> AtLeastOnceConsumerSample.run(
                kafka.bootstrapServers(), t, alo, r -> {
                    if (r.offset() == 29) {
                        throw down;
                    }
                    return false;
                }, Duration.ofSeconds(3))));
        List<Long> rest = new ArrayList<>();
        AtLeastOnceConsumerSample.run(kafka.bootstrapServers(), t, alo, r -> {
            rest.add(r.offset());
            return false;
        }, Duration.ofSeconds(3));
        assertEquals(29L, rest.isEmpty() ? -1L : rest.get(0), "the record that failed is delivered again");
        assertEquals(71, rest.size(), "and every record after it");
    }

    @Test
    void theAdminTourRunsFromStartToFinish(KafkaCluster kafka) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String t = "tour-" + UUID.randomUUID().toString().substring(0, 8);
        AdminTourSample.run(kafka.bootstrapServers(), t, new PrintStream(out, true, StandardCharsets.UTF_8));
        String report = out.toString(StandardCharsets.UTF_8);
        assertTrue(report.contains("created " + t) && report.contains("retention.ms is now 7200000")
                && report.contains("deleted " + t), report);
        assertEquals(3, report.lines().filter(l -> l.contains("led by broker")).count(), report);
    }

    @Test
    void avroPaymentsComeBackThroughTheSchemaRegistry(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 1);
        try (SchemaRegistryStub registry = new SchemaRegistryStub()) {
            List<GenericRecord> read = AvroSample.run(kafka.bootstrapServers(), registry.url(), t, 20);
            assertEquals(20, read.size());
            for (int i = 0; i < 20; i++) {
                assertEquals("pay-" + i, read.get(i).get("id").toString());
                assertEquals(100L * i, read.get(i).get("cents"));
                assertEquals(i % 2 == 0 ? "EUR" : "USD", read.get(i).get("currency").toString());
            }
        }
    }

    @Test
    void protobufPaymentsComeBackThroughTheSchemaRegistryAsDynamicMessages(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 1);
        try (SchemaRegistryStub registry = new SchemaRegistryStub()) {
            List<com.google.protobuf.Message> read = ProtobufSample.run(kafka.bootstrapServers(), registry.url(), t, 20);
            assertEquals(20, read.size());
            for (int i = 0; i < 20; i++) {
                assertEquals("samples.Payment", read.get(i).getDescriptorForType().getFullName());
                assertEquals(ProtobufSample.payment(i).toString(), read.get(i).toString(), "record " + i);
            }
        }
    }

    @Test
    void jsonSchemaPaymentsComeBackAndAnInvalidOneNeverReachesTheTopic(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 1);
        try (SchemaRegistryStub registry = new SchemaRegistryStub()) {
            List<JsonSchemaSample.Payment> read = JsonSchemaSample.run(kafka.bootstrapServers(), registry.url(), t, 20);
            assertEquals(20, read.size());
            for (int i = 0; i < 20; i++) {
                assertEquals(new JsonSchemaSample.Payment("pay-" + i, 100L * i, i % 2 == 0 ? "EUR" : "USD"), read.get(i));
            }
        }
        try (Consumer<byte[], byte[]> raw = Consumer.builder(Serdes.bytes(), Serdes.bytes())
                .bootstrapServers(kafka.bootstrapServers()).delivery(Delivery.MANUAL).build()) {
            TopicPartition p0 = new TopicPartition(t, 0);
            assertEquals(20L, raw.endOffsets(List.of(p0)).get(p0), "the refused payment was not written");
        }
    }

    @Test
    void theSchemaRegistrySamplesReadBackEveryPaymentOfATopicWithManyPartitions(KafkaCluster kafka) throws Exception {
        Set<String> all = new TreeSet<>();
        for (int i = 0; i < 20; i++) {
            all.add("pay-" + i);
        }
        try (SchemaRegistryStub registry = new SchemaRegistryStub()) {
            Set<String> avro = new TreeSet<>();
            AvroSample.run(kafka.bootstrapServers(), registry.url(), topic(kafka, 3), 20).forEach(p -> avro.add(p.get("id").toString()));
            assertEquals(all, avro, "Avro");
            Set<String> protobuf = new TreeSet<>();
            ProtobufSample.run(kafka.bootstrapServers(), registry.url(), topic(kafka, 3), 20).forEach(p -> protobuf.add(
                    (String) p.getField(p.getDescriptorForType().findFieldByName("id"))));
            assertEquals(all, protobuf, "Protobuf");
            Set<String> json = new TreeSet<>();
            JsonSchemaSample.run(kafka.bootstrapServers(), registry.url(), topic(kafka, 3), 20).forEach(p -> json.add(p.id()));
            assertEquals(all, json, "JSON Schema");
        }
    }

    @Test
    void theChangeDataViewMatchesTheTableAndRedeliveryChangesNothing(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 3);
        Map<String, ChangeDataIndexerSample.Change> rows;
        Random random = new Random(42);
        List<String> cities = List.of("Lisbon", "Oslo", "Lagos", "Lima");
        try (ChangeDataIndexerSample.CustomerTable table = new ChangeDataIndexerSample.CustomerTable(kafka.bootstrapServers(), t)) {
            for (int i = 0; i < 300; i++) {
                String id = "c" + random.nextInt(40);
                if (random.nextInt(10) == 0) {
                    table.delete(id);
                } else {
                    table.upsert(id, "name-" + id, cities.get(random.nextInt(cities.size())));
                }
            }
            rows = table.committedRows();
        }
        Map<String, Set<String>> expected = new TreeMap<>();
        rows.values().forEach(c -> expected.computeIfAbsent(c.city(), k -> new TreeSet<>()).add(c.name()));

        ChangeDataIndexerSample.CityIndex index = new ChangeDataIndexerSample.CityIndex();
        int changed = ChangeDataIndexerSample.index(kafka.bootstrapServers(), t, "index-" + UUID.randomUUID(), index,
                Duration.ofSeconds(3));
        assertTrue(changed > 0);
        assertEquals(expected, index.view(), "the view is the table's");

        // Everything delivered again (a new group from the start, as after a crash that lost every commit).
        int again = ChangeDataIndexerSample.index(kafka.bootstrapServers(), t, "index-" + UUID.randomUUID(), index,
                Duration.ofSeconds(3));
        assertEquals(0, again, "no re-delivered event changed anything");
        assertEquals(expected, index.view());
    }

    @Test
    void theTableReportsAChangeEventTheBrokerRefusedInsteadOfReturningRowsTheViewWillNeverSee(KafkaCluster kafka)
            throws Exception {
        String t = "sample-" + UUID.randomUUID().toString().substring(0, 8);
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            admin.topics().create(List.of(NewTopic.of(t, 1, 1).withConfig("max.message.bytes", "1024")))
                    .all().get(30, TimeUnit.SECONDS);
        }
        try (ChangeDataIndexerSample.CustomerTable table = new ChangeDataIndexerSample.CustomerTable(kafka.bootstrapServers(), t)) {
            table.upsert("c1", "Ada", "Lisbon");
            table.upsert("c2", "G" + "r".repeat(4_000) + "ace", "Oslo"); // its event is over the topic's 1 KiB
            IllegalStateException e = assertThrows(IllegalStateException.class, table::committedRows,
                    "a row whose change event was not written must not be reported as committed");
            assertTrue(e.getCause() != null, "names why: " + e);
        }
    }

    @Test
    void theExactlyOnceInvoicerWritesOneCommittedInvoicePerOrderAcrossRestarts(KafkaCluster kafka) throws Exception {
        String orders = topic(kafka, 3);
        String invoices = topic(kafka, 3);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        String group = "invoicer-" + UUID.randomUUID();
        String transactionalId = "invoicer-" + UUID.randomUUID();
        KeyedProducerSample.run(kafka.bootstrapServers(), orders, 300, quiet);
        assertEquals(300, ExactlyOnceSample.run(kafka.bootstrapServers(), orders, invoices, group, transactionalId,
                Duration.ofSeconds(3)));
        assertEquals(0, ExactlyOnceSample.run(kafka.bootstrapServers(), orders, invoices, group, transactionalId,
                Duration.ofSeconds(3)), "a restart invoices nothing that was committed");
        KeyedProducerSample.run(kafka.bootstrapServers(), orders, 100, quiet); // "order 0".."order 99" once more
        assertEquals(100, ExactlyOnceSample.run(kafka.bootstrapServers(), orders, invoices, group, transactionalId,
                Duration.ofSeconds(3)), "a restart invoices only the new orders");

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            expected.add("invoice for order " + i);
        }
        for (int i = 0; i < 100; i++) {
            expected.add("invoice for order " + i);
        }
        List<String> seen = readCommitted(kafka, invoices, expected.size());
        expected.sort(null);
        seen.sort(null);
        assertEquals(expected, seen, "every order invoiced once per time it was placed, as read_committed sees it");
    }

    /** What a read_committed reader sees of {@code topic}: until {@code count} values, or 3 s without one. */
    private static List<String> readCommitted(KafkaCluster kafka, String topic, int count) {
        List<String> seen = new ArrayList<>();
        try (Consumer<String, String> reader = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId("check-" + UUID.randomUUID())
                .isolation(IsolationLevel.READ_COMMITTED).offsetReset(OffsetReset.EARLIEST).build()) {
            reader.subscribe(List.of(topic));
            long last = System.nanoTime();
            while (seen.size() < count && System.nanoTime() - last < TimeUnit.SECONDS.toNanos(3)) {
                for (var r : reader.poll(Duration.ofMillis(200))) {
                    seen.add(r.value());
                    last = System.nanoTime();
                }
            }
            // a moment more: anything beyond count would be a repeat
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (System.nanoTime() < until) {
                reader.poll(Duration.ofMillis(100)).forEach(r -> seen.add(r.value()));
            }
        }
        return seen;
    }

    @Test
    void theParallelEnricherWritesEveryOrderInEachCustomersOrderWithManyLookupsAtOnce(KafkaCluster kafka) throws Exception {
        String orders = topic(kafka, 1);   // one partition: a poll loop would run its lookups one at a time
        String enriched = topic(kafka, 3);
        int count = 2_000;
        int customers = 100;
        Duration latency = Duration.ofMillis(5);
        Map<String, List<String>> sent = new HashMap<>();
        try (Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).linger(Duration.ofMillis(5)).build()) {
            List<CompletableFuture<?>> acks = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String customer = "customer-" + (i % customers);
                acks.add(producer.send(ProducerRecord.of(orders, customer, "order " + i)));
                sent.computeIfAbsent(customer, c -> new ArrayList<>()).add("order " + i);
            }
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }

        ParallelEnrichmentSample.SlowLookup lookup = new ParallelEnrichmentSample.SlowLookup(latency);
        long n = ParallelEnrichmentSample.run(kafka.bootstrapServers(), orders, enriched, "enricher-" + UUID.randomUUID(),
                lookup, Duration.ofSeconds(3));
        assertTrue(n >= count, "at least every order: " + n);

        // Read the output until every order is there (or 30 s pass without a record).
        Map<String, List<String>> received = new HashMap<>();
        Set<String> distinct = new HashSet<>();
        AtLeastOnceConsumerSample.run(kafka.bootstrapServers(), enriched, "check-" + UUID.randomUUID(), r -> {
            received.computeIfAbsent(r.key(), c -> new ArrayList<>()).add(r.value().substring(0, r.value().indexOf(" (")));
            distinct.add(r.value());
            return distinct.size() == count;
        }, Duration.ofSeconds(30));
        assertEquals(count, distinct.size(), "every order enriched, none lost");
        for (String customer : sent.keySet()) {
            // At least once: an order may repeat after a redelivery, but the first time each shows up is in input order.
            assertEquals(sent.get(customer), List.copyOf(new LinkedHashSet<>(received.get(customer))),
                    customer + "'s orders in the order they were placed");
        }

        long oneAtATime = count * latency.toMillis();
        assertTrue(lookup.busy().toMillis() < oneAtATime / 5, "took " + lookup.busy().toMillis()
                + " ms for what one lookup at a time does in " + oneAtATime + " ms");
        assertTrue(lookup.maxConcurrentCalls() >= 10, "lookups ran in parallel: at most " + lookup.maxConcurrentCalls());
        assertTrue(lookup.maxConcurrentCalls() <= customers,
                "never more at once than customers (one per customer at a time): " + lookup.maxConcurrentCalls());
    }
}
