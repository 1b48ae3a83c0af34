package dev.skein.testkit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A release other than the built-in one, in ZooKeeper mode: the parts of testkit that differ there. */
@ExtendWith(KafkaClusterExtension.class)
class OlderReleaseIT {

    @Test
    void zooKeeperModeBrokerServesAndComesBackAfterAKill(
            @OwnCluster(release = "3.9.1", metadataMode = MetadataMode.ZOOKEEPER) KafkaCluster kafka) throws Exception {
        assertEquals("3.9.1", kafka.release());
        assertEquals(MetadataMode.ZOOKEEPER, kafka.metadataMode());
        String topic = "testkit-zk";
        try (KafkaProducer<String, String> producer = KafkaClusterIT.producer(kafka, Map.of())) {
            producer.send(new ProducerRecord<>(topic, "k", "before")).get(30, TimeUnit.SECONDS);
        }
        // The killed broker's registration outlives it until its ZooKeeper session ends; restart waits.
        kafka.kill(1);
        kafka.restart(1);
        try (KafkaProducer<String, String> producer = KafkaClusterIT.producer(kafka, Map.of())) {
            producer.send(new ProducerRecord<>(topic, "k", "after")).get(30, TimeUnit.SECONDS);
        }
        assertEquals(List.of("before", "after"), KafkaClusterIT.readAll(kafka, topic, 2));
    }
}
