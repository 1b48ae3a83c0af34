package dev.skein.admin;

import dev.skein.core.TopicPartition;
import dev.skein.core.errors.ProducerFencedException;
import dev.skein.producer.Producer;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.skein.admin.AdminIT.failure;
import static dev.skein.admin.AdminIT.get;
import static dev.skein.admin.AdminIT.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(KafkaClusterExtension.class)
class TransactionAdminIT {

    @Test
    void anOpenTransactionIsListedDescribedAndAbortedSoTheStableOffsetMovesOn(KafkaCluster kafka) throws Exception {
        String topic = name("txn");
        String txnId = name("txn-id");
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build();
             org.apache.kafka.clients.admin.Admin reference = org.apache.kafka.clients.admin.Admin.create(
                     Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            get(admin.topics().create(List.of(NewTopic.of(topic, 1, 1))).all());
            AdminIT.referenceView(reference, topic);
            TopicPartition tp = new TopicPartition(topic, 0);
            KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                    "transactional.id", txnId), new StringSerializer(), new StringSerializer());
            try {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(topic, 0, null, "open")).get(30, TimeUnit.SECONDS);

                TransactionListing listed = get(admin.transactions().list()).stream()
                        .filter(t -> t.transactionalId().equals(txnId)).findFirst().orElseThrow();
                assertEquals("Ongoing", listed.state());
                TransactionDescription d = get(admin.transactions().describe(List.of(txnId)).get(txnId));
                assertEquals("Ongoing", d.state());
                assertEquals(listed.producerId(), d.producerId());
                assertEquals(java.util.Set.of(tp), d.partitions());
                assertTrue(d.startTimeMs() > 0);
                var refDesc = reference.describeTransactions(List.of(txnId)).all().get(30, TimeUnit.SECONDS).get(txnId);
                assertEquals(refDesc.producerId(), d.producerId());
                assertEquals(refDesc.coordinatorId(), d.coordinator().id());

                List<ProducerState> producers = get(admin.transactions().describeProducers(List.of(tp)).get(tp));
                ProducerState open = producers.stream().filter(p -> p.producerId() == d.producerId()).findFirst().orElseThrow();
                assertEquals(0, open.currentTransactionStartOffset(), "the transaction began at offset 0");

                try (KafkaConsumer<String, String> committed = new KafkaConsumer<>(Map.of("bootstrap.servers",
                        kafka.bootstrapServers(), "isolation.level", "read_committed"), new StringDeserializer(),
                        new StringDeserializer())) {
                    org.apache.kafka.common.TopicPartition rtp = new org.apache.kafka.common.TopicPartition(topic, 0);
                    assertEquals(0L, committed.endOffsets(List.of(rtp)).get(rtp), "the open transaction holds the LSO");
                    get(admin.transactions().abort(AbortSpec.of(tp, open)));
                    // After the abort marker the stable offset is the log end.
                    Await.until("the stable offset past the abort marker", Duration.ofSeconds(30),
                            () -> committed.endOffsets(List.of(rtp), Duration.ofSeconds(10)).get(rtp) >= 2);
                    assertEquals(2L, committed.endOffsets(List.of(rtp), Duration.ofSeconds(10)).get(rtp),
                            "after the abort marker the stable offset is the log end");
                }
            } finally {
                producer.close(Duration.ofSeconds(5));
            }
            String unknown = name("no-such-txn");
            Throwable e = failure(admin.transactions().describe(List.of(unknown)).get(unknown));
            assertTrue(e.getMessage().contains(unknown), e.getMessage());
        }
    }

    @Test
    void fencingATransactionalIdFencesItsProducerAndAbortsItsOpenTransaction(KafkaCluster kafka) throws Exception {
        String topic = name("fence");
        String txnId = name("fence-id");
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build();
             org.apache.kafka.clients.admin.Admin reference = org.apache.kafka.clients.admin.Admin.create(
                     Map.of("bootstrap.servers", kafka.bootstrapServers()));
             Producer<String, String> producer = Producer.builder(Serdes.string(), Serdes.string())
                     .bootstrapServers(kafka.bootstrapServers()).transactionalId(txnId)
                     .transactionTimeout(Duration.ofMinutes(1)).build()) {
            get(admin.topics().create(List.of(NewTopic.of(topic, 1, 1))).all());
            AdminIT.referenceView(reference, topic);
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(dev.skein.producer.ProducerRecord.of(topic, "k", "open")).get(30, TimeUnit.SECONDS);
            TransactionDescription open = get(admin.transactions().describe(List.of(txnId)).get(txnId));
            assertEquals("Ongoing", open.state());

            FencedProducer fenced = get(admin.transactions().fenceProducers(List.of(txnId)).get(txnId));
            assertEquals(txnId, fenced.transactionalId());
            assertEquals(open.producerId(), fenced.producerId(), "the same producer id, a newer epoch");
            assertTrue(fenced.producerEpoch() > open.producerEpoch(), fenced + " after " + open);

            Throwable e = assertThrows(ExecutionException.class, () -> producer.send(
                    dev.skein.producer.ProducerRecord.of(topic, "k", "late")).get(30, TimeUnit.SECONDS)).getCause();
            assertInstanceOf(ProducerFencedException.class, e, e.toString());
            assertThrows(ProducerFencedException.class, producer::commitTransaction);

            try (KafkaConsumer<String, String> committed = new KafkaConsumer<>(Map.of("bootstrap.servers",
                    kafka.bootstrapServers(), "isolation.level", "read_committed"), new StringDeserializer(),
                    new StringDeserializer())) {
                org.apache.kafka.common.TopicPartition rtp = new org.apache.kafka.common.TopicPartition(topic, 0);
                // The coordinator's abort marker ends the transaction: the stable offset passes it.
                Await.until("the stable offset past the abort marker", Duration.ofSeconds(30),
                        () -> committed.endOffsets(List.of(rtp), Duration.ofSeconds(10)).get(rtp) >= 2);
                committed.assign(List.of(rtp));
                committed.seekToBeginning(List.of(rtp));
                long end = committed.endOffsets(List.of(rtp), Duration.ofSeconds(10)).get(rtp);
                List<String> seen = new ArrayList<>();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (committed.position(rtp) < end && System.nanoTime() < deadline) {
                    committed.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
                }
                assertEquals(end, committed.position(rtp), "read to the end");
                assertEquals(List.of(), seen, "none of the fenced producer's records is committed");
            }
            TransactionDescription after = get(admin.transactions().describe(List.of(txnId)).get(txnId));
            assertEquals("Empty", after.state(), "no transaction open under the id any more");
            assertEquals(fenced.producerEpoch(), after.producerEpoch(), "the epoch the fence reported");

            // An id no producer used yet is registered, as a producer's initTransactions() would.
            String fresh = name("fence-fresh");
            FencedProducer created = get(admin.transactions().fenceProducers(List.of(fresh)).get(fresh));
            assertTrue(created.producerId() >= 0, created.toString());
            assertEquals("Empty", get(admin.transactions().describe(List.of(fresh)).get(fresh)).state());
        }
    }
}
