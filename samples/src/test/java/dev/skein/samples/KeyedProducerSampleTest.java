package dev.skein.samples;

import dev.skein.producer.Partitioners;
import dev.skein.serdes.Serdes;
import dev.skein.serdes.Serializer;
import dev.skein.testkit.mock.MockProducer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link KeyedProducerSample} on a {@link MockProducer}: placement by key, and a record not written reported. */
class KeyedProducerSampleTest {
    private static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @Test
    void eachCustomerLandsOnItsKeysPartitionAndARecordNotWrittenFailsTheRun() {
        MockProducer<String, String> producer = MockProducer.builder(Serdes.string().serializer(), Serdes.string().serializer())
                .partitions("orders", 6).build();
        Map<String, Integer> placement = KeyedProducerSample.run(producer, "orders", 40, QUIET);
        assertEquals(10, placement.size());
        placement.forEach((customer, partition) -> assertEquals(
                Partitioners.murmur2().partition("orders", customer.getBytes(StandardCharsets.UTF_8), 6), partition, customer));
        assertEquals(40, producer.history().size());
        assertEquals(1, producer.flushCount(), "the sample waits for every callback with flush()");

        Serializer<String> refusesOrder7 = (value, ctx) -> {
            if (value.equals("order 7")) {
                throw new IllegalArgumentException("no");
            }
            return value.getBytes(StandardCharsets.UTF_8);
        };
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        MockProducer<String, String> refusing = MockProducer.builder(Serdes.string().serializer(), refusesOrder7)
                .partitions("orders", 6).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> KeyedProducerSample.run(refusing, "orders",
                20, new PrintStream(report, true, StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("1 of 20"), e.getMessage());
        assertTrue(report.toString(StandardCharsets.UTF_8).contains("not written"), report.toString(StandardCharsets.UTF_8));
    }
}
