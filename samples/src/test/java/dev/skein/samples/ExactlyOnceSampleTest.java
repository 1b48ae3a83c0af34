package dev.skein.samples;

import dev.skein.consumer.ConsumerRecord;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.consumer.OffsetReset;
import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.mock.MockConsumer;
import dev.skein.testkit.mock.MockProducer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ExactlyOnceSample}'s transform in one consume-transform-produce transaction on the mocks: the
 * invoices and the orders' offsets are committed together. ({@code ExactlyOnceProcessor} builds its own
 * clients, so the test drives the transaction as the processor does: begin, send, offsets, commit.)
 */
class ExactlyOnceSampleTest {

    @Test
    void eachOrderBecomesOneInvoiceCommittedWithTheOrdersOffsets() {
        TopicPartition orders = new TopicPartition("orders", 0);
        MockConsumer<String, String> consumer = MockConsumer.<String, String>builder().groupId("invoicer")
                .offsetReset(OffsetReset.EARLIEST).build();
        MockProducer<String, String> producer = MockProducer.builder(Serdes.string().serializer(), Serdes.string().serializer())
                .transactional(true).build();
        consumer.addRecord(orders, "customer-1", "two apples");
        consumer.addRecord(orders, "customer-2", "a pear");
        consumer.subscribe(List.of("orders"));
        consumer.rebalance(List.of(orders));

        producer.initTransactions();
        ConsumerRecords<String, String> batch = consumer.poll(Duration.ofSeconds(1));
        producer.beginTransaction();
        for (ConsumerRecord<String, String> order : batch) {
            ExactlyOnceSample.invoice(order, "invoices").forEach(producer::send);
        }
        producer.sendOffsetsToTransaction(Map.of(orders, OffsetAndMetadata.of(consumer.position(orders))),
                consumer.groupMetadata());
        producer.commitTransaction();

        MockProducer.Transaction<String, String> txn = producer.transactions().get(0);
        assertTrue(txn.committed());
        assertEquals(List.of(ProducerRecord.of("invoices", "customer-1", "invoice for two apples"),
                        ProducerRecord.of("invoices", "customer-2", "invoice for a pear")),
                txn.records().stream().map(r -> ProducerRecord.of(r.topic(), r.key(), r.value())).toList(),
                "one invoice per order, keyed like the order");
        assertEquals(Map.of("invoicer", Map.of(orders, OffsetAndMetadata.of(2))), txn.offsets());
        consumer.close();
        producer.close();
    }
}
