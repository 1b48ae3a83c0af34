package dev.skein.samples;

import dev.skein.admin.Admin;
import dev.skein.admin.NewTopic;
import dev.skein.admin.TopicDescription;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link AdminTourSample}'s wait for a new topic's leaders is bounded: a partition that has no leader
 * (its only replica's broker is down) ends the tour with an error rather than holding it forever.
 */
@ExtendWith(KafkaClusterExtension.class)
class AdminTourSampleIT {

    @Test
    void aPartitionThatStaysLeaderlessEndsTheWaitWithAnError(@OwnCluster(brokers = 3) KafkaCluster kafka) throws Exception {
        String t = "leaderless";
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            admin.topics().create(List.of(NewTopic.of(t, 3, 1))).all().get(30, TimeUnit.SECONDS);
            TopicDescription before = Await.value("every partition of " + t + " led", Duration.ofSeconds(30), () -> {
                TopicDescription d = admin.topics().describe(List.of(t)).get(t).get(30, TimeUnit.SECONDS);
                return d.partitions().stream().allMatch(p -> p.leader() != null) ? d : null;
            });
            kafka.kill(before.partitions().get(0).leader().id()); // the only replica of partition 0
            Await.until("partition 0 without a leader", Duration.ofSeconds(60), () -> admin.topics().describe(List.of(t))
                    .get(t).get(30, TimeUnit.SECONDS).partitions().get(0).leader() == null);

            Exception e = assertTimeoutPreemptively(Duration.ofSeconds(90),
                    () -> assertThrows(Exception.class, () -> AdminTourSample.describeWhenVisible(admin, t)),
                    "the wait for leaders never ended");
            assertTrue(String.valueOf(e.getMessage()).contains(t), "names the topic: " + e);
        }
    }
}
