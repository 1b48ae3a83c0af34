package dev.skein.producer;

import dev.skein.core.ConsumerGroupMetadata;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sendOffsetsToTransaction} against a real 4.4.0 broker, where TxnOffsetCommit v6 (KIP-1319)
 * carries topic ids: the public call takes them from the producer's metadata, so offsets of a topic
 * deleted and created again since the producer learned its id are refused (the transaction becomes
 * abortable) instead of being committed for the new topic, as v5's names would have them.
 */
@ExtendWith(KafkaClusterExtension.class)
class TxnOffsetCommitV6IT {
    private static KafkaCluster kafka;

    @BeforeAll
    static void start(@OwnCluster(release = "4.4.0") KafkaCluster cluster) {
        kafka = cluster;
    }

    private static Producer<String, String> transactional() {
        return Producer.builder(Serdes.string(), Serdes.string()).bootstrapServers(kafka.bootstrapServers())
                .transactionalId("v6-" + UUID.randomUUID()).property("metadata.max.age.ms", 300_000).build();
    }

    @Test
    void offsetsOfATopicTheProducerKnowsCommitByItsId() throws Exception {
        String topic = Reference.createTopic(kafka, "v6-known", 1, 1);
        String group = "v6-known-" + UUID.randomUUID();
        try (Producer<String, String> p = transactional()) {
            p.initTransactions();
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "x")).get(30, TimeUnit.SECONDS); // the producer's metadata has the topic's id
            p.sendOffsetsToTransaction(Map.of(new TopicPartition(topic, 0), dev.skein.core.OffsetAndMetadata.of(7)),
                    new ConsumerGroupMetadata(group, -1, "", null));
            p.commitTransaction();
        }
        OffsetAndMetadata committed = TransactionIT.stableOffset(kafka, group, topic, 0);
        assertNotNull(committed, "the offset committed by topic id");
        assertEquals(7L, committed.offset());
    }

    @Test
    void offsetsOfATopicRecreatedSinceTheProducerLearnedItsIdAreRefusedAndTheTransactionIsAbortable() throws Exception {
        String topic = Reference.createTopic(kafka, "v6-reborn", 1, 1);
        String group = "v6-reborn-" + UUID.randomUUID();
        try (Producer<String, String> p = transactional();
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            p.initTransactions();
            p.beginTransaction();
            p.send(ProducerRecord.of(topic, "x")).get(30, TimeUnit.SECONDS);
            p.commitTransaction();

            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            Await.until(topic + " created again once its deletion completed", Duration.ofSeconds(30), () -> {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
                    return true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        return false;
                    }
                    throw e;
                }
            });

            p.beginTransaction();
            TransactionAbortableException e = assertThrows(TransactionAbortableException.class,
                    () -> p.sendOffsetsToTransaction(Map.of(new TopicPartition(topic, 0), dev.skein.core.OffsetAndMetadata.of(3)),
                            new ConsumerGroupMetadata(group, -1, "", null)));
            assertTrue(e.getMessage().contains("UNKNOWN_TOPIC_ID"), e.getMessage());
            p.abortTransaction();
            assertNull(TransactionIT.stableOffset(kafka, group, topic, 0),
                    "the offsets read from the old topic were not committed for the new one");

            // The id came from this producer's metadata, which the refusal showed to be out of date: it is read
            // again, so a later transaction (the application read the new topic since) is not refused for ever
            // (this producer's metadata.max.age.ms is 5 minutes).
            Await.until("offsets of the new topic joining a later transaction", Duration.ofSeconds(30), () -> {
                p.beginTransaction();
                try {
                    p.sendOffsetsToTransaction(Map.of(new TopicPartition(topic, 0), dev.skein.core.OffsetAndMetadata.of(0)),
                            new ConsumerGroupMetadata(group, -1, "", null));
                    p.commitTransaction();
                    return true;
                } catch (TransactionAbortableException refused) {
                    p.abortTransaction();
                    return false;
                }
            });
        }
        assertEquals(0L, TransactionIT.stableOffset(kafka, group, topic, 0).offset(), "the new topic's offset committed");
    }
}
