package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Skein's read_committed consumer on transactions written by Apache Kafka's producer. */
@ExtendWith(KafkaClusterExtension.class)
class ReadCommittedIT {

    static KafkaProducer<String, String> transactional(KafkaCluster kafka) {
        KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "transactional.id", "ref-" + UUID.randomUUID()), new StringSerializer(), new StringSerializer());
        p.initTransactions();
        return p;
    }

    static Consumer<String, String> readCommitted(KafkaCluster kafka, int maxPartitionFetchBytes) {
        return ConsumerIT.builder(kafka).delivery(Delivery.MANUAL).isolation(IsolationLevel.READ_COMMITTED)
                .maxPartitionFetchBytes(maxPartitionFetchBytes).build();
    }

    @Test
    void onlyCommittedRecordsArriveAndAnOpenTransactionHoldsTheStableOffset(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "rc", 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        try (KafkaProducer<String, String> p = transactional(kafka);
             Consumer<String, String> c = readCommitted(kafka, 1024 * 1024)) {
            c.assign(List.of(tp));
            for (String kind : List.of("commit", "abort", "commit")) {
                p.beginTransaction();
                for (int i = 0; i < 50; i++) {
                    p.send(new ProducerRecord<>(topic, kind + "-" + i));
                }
                if (kind.equals("abort")) {
                    p.flush();
                    p.abortTransaction();
                } else {
                    p.commitTransaction();
                }
            }
            List<String> got = new ArrayList<>();
            ConsumerIT.pollUntil(c, 100, Duration.ofSeconds(30)).forEach(r -> got.add(r.value()));
            assertEquals(100, got.size());
            assertTrue(got.stream().allMatch(v -> v.startsWith("commit-")), "nothing aborted, no control record: " + got);

            long lsoBefore = c.endOffsets(List.of(tp)).get(tp);
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "open")).get();
            p.flush();
            assertEquals(lsoBefore, c.endOffsets(List.of(tp)).get(tp), "endOffsets is the LSO: the open transaction holds it");
            assertTrue(ConsumerIT.pollUntil(c, 1, Duration.ofSeconds(2)).isEmpty(), "nothing past the LSO");
            p.commitTransaction();
            List<ConsumerRecord<String, String>> after = ConsumerIT.pollUntil(c, 1, Duration.ofSeconds(30));
            assertEquals("open", after.get(0).value(), "readable once committed");
        }
    }

    @Test
    void aBigAbortedTransactionIsSkippedAndOnlyAbortedDataStillAdvances(KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "rc-big", 1);
        TopicPartition tp = new TopicPartition(topic, 0);
        String big = "x".repeat(1_000);
        try (KafkaProducer<String, String> p = transactional(kafka)) {
            p.beginTransaction();
            for (int i = 0; i < 2_000; i++) { // about 2 MB, far over max.partition.fetch.bytes below
                p.send(new ProducerRecord<>(topic, big));
            }
            p.flush();
            p.abortTransaction();
            p.beginTransaction();
            p.send(new ProducerRecord<>(topic, "after"));
            p.commitTransaction();
        }
        try (Consumer<String, String> c = readCommitted(kafka, 64 * 1024)) {
            c.assign(List.of(tp));
            List<ConsumerRecord<String, String>> got = ConsumerIT.pollUntil(c, 1, Duration.ofSeconds(60));
            assertEquals(1, got.size(), "only the committed record");
            assertEquals("after", got.get(0).value());
            assertEquals(c.endOffsets(List.of(tp)).get(tp), c.position(tp), "caught up past the aborted data and markers");
        }
    }
}
