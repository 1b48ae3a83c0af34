package dev.skein.admin;

import dev.skein.core.TopicPartition;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.skein.admin.AdminIT.get;
import static dev.skein.admin.AdminIT.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DescribeLogDirs against real brokers, read against Apache Kafka's Admin. */
@ExtendWith(KafkaClusterExtension.class)
class LogDirsAndQuorumIT {

    @Test
    void aPartitionWrittenToHasItsSizeInItsLeadersLogDir(KafkaCluster kafka) throws Exception {
        String topic = name("logdirs");
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build();
             org.apache.kafka.clients.admin.Admin reference = org.apache.kafka.clients.admin.Admin.create(
                     Map.of("bootstrap.servers", kafka.bootstrapServers()));
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                     kafka.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            get(admin.topics().create(List.of(NewTopic.of(topic, 1, 1))).all());
            int leader = AdminIT.referenceView(reference, topic).partitions().get(0).leader().id();
            for (int i = 0; i < 20; i++) {
                producer.send(new ProducerRecord<>(topic, 0, "k" + i, "value-" + i));
            }
            producer.flush();
            TopicPartition tp = new TopicPartition(topic, 0);

            Results<Integer, Map<String, LogDirDescription>> all = admin.cluster().describeLogDirs(kafka.brokerIds());
            assertEquals(kafka.brokerIds(), all.byItem().keySet());
            Map<String, LogDirDescription> dirs = get(all.get(leader));
            assertFalse(dirs.isEmpty());
            LogDirDescription dir = dirs.values().stream().filter(d -> d.replicas().containsKey(tp)).findFirst()
                    .orElseThrow(() -> new AssertionError(tp + " in no log dir of broker " + leader + ": " + dirs));
            assertNull(dir.error(), dir.toString());
            LogDirDescription.Replica replica = dir.replicas().get(tp);
            assertTrue(replica.sizeBytes() > 0, "the partition holds the records: " + replica);
            assertFalse(replica.future());
            assertEquals(0, replica.offsetLag(), "a leader's log end is its high watermark once flushed");
            assertTrue(dir.totalBytes().isPresent() && dir.usableBytes().isPresent(), "v4+ reports space: " + dir);
            assertTrue(dir.totalBytes().getAsLong() >= dir.usableBytes().getAsLong() && dir.usableBytes().getAsLong() > 0,
                    dir.toString());

            var ref = reference.describeLogDirs(List.of(leader)).allDescriptions().get(30, TimeUnit.SECONDS).get(leader);
            assertEquals(ref.keySet(), dirs.keySet(), "the same directories");
            var refReplica = ref.get(dir.path()).replicaInfos().get(new org.apache.kafka.common.TopicPartition(topic, 0));
            assertEquals(refReplica.size(), replica.sizeBytes(), "the same size as the reference reads");
            assertEquals(ref.get(dir.path()).totalBytes().getAsLong(), dir.totalBytes().getAsLong());
        }
    }
}
