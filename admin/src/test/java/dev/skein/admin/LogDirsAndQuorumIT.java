package dev.skein.admin;

import dev.skein.core.TopicPartition;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.MetadataMode;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.skein.admin.AdminIT.failure;
import static dev.skein.admin.AdminIT.get;
import static dev.skein.admin.AdminIT.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DescribeLogDirs and DescribeQuorum against real brokers, read against Apache Kafka's Admin. */
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

    @Test
    void theQuorumLeaderIsOneOfItsVoters(KafkaCluster kafka) throws Exception {
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build();
             org.apache.kafka.clients.admin.Admin reference = org.apache.kafka.clients.admin.Admin.create(
                     Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            QuorumInfo quorum = get(admin.cluster().describeQuorum());
            Set<Integer> voters = quorum.voters().stream().map(QuorumInfo.ReplicaState::replicaId).collect(Collectors.toSet());
            assertTrue(voters.contains(quorum.leaderId()), "leader " + quorum.leaderId() + " among voters " + voters);
            assertTrue(quorum.leaderEpoch() > 0 && quorum.highWatermark() > 0, quorum.toString());
            QuorumInfo.ReplicaState leader = quorum.voters().stream().filter(v -> v.replicaId() == quorum.leaderId())
                    .findFirst().orElseThrow();
            assertTrue(leader.logEndOffset() >= quorum.highWatermark(), leader.toString());
            assertTrue(leader.lastCaughtUpTimestamp().isPresent(), "the leader reports its own time: " + leader);
            Set<Integer> observers = quorum.observers().stream().map(QuorumInfo.ReplicaState::replicaId)
                    .collect(Collectors.toSet());
            assertTrue(observers.containsAll(kafka.brokerIds()) || voters.containsAll(kafka.brokerIds()),
                    "every broker follows the metadata log: voters " + voters + ", observers " + observers);

            var ref = reference.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS);
            assertEquals(ref.leaderId(), quorum.leaderId());
            assertEquals(ref.voters().stream().map(r -> r.replicaId()).collect(Collectors.toSet()), voters);
        }
    }

    @Test
    void aZooKeeperClusterHasNoQuorumToDescribe(
            @OwnCluster(release = "3.9.1", metadataMode = MetadataMode.ZOOKEEPER) KafkaCluster zk) throws Exception {
        try (Admin admin = Admin.builder().bootstrapServers(zk.bootstrapServers()).build()) {
            Throwable e = failure(admin.cluster().describeQuorum());
            assertInstanceOf(UnsupportedVersionException.class, e, e.toString());
            assertTrue(e.getMessage().contains("KRaft"), e.getMessage());
            assertNotNull(get(admin.cluster().describe()), "the cluster itself answers");
        }
    }
}
