package dev.skein.samples;

import dev.skein.admin.Admin;
import dev.skein.admin.ClusterDescription;
import dev.skein.admin.ConfigEntry;
import dev.skein.admin.ConfigOp;
import dev.skein.admin.ConfigResource;
import dev.skein.admin.GroupListing;
import dev.skein.admin.NewTopic;
import dev.skein.admin.OffsetSpec;
import dev.skein.admin.Results;
import dev.skein.admin.TopicDescription;
import dev.skein.core.TopicPartition;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A tour of the admin client: the cluster, a topic created (one future per topic), described and
 * reconfigured, its end offsets, the groups, and the topic deleted again.
 *
 * <p>Run: {@code AdminTourSample localhost:9092}
 */
public final class AdminTourSample {
    private AdminTourSample() {}

    public static void main(String[] args) throws Exception {
        run(args[0], "tour-" + System.currentTimeMillis(), System.out);
    }

    public static void run(String bootstrap, String topic, PrintStream out) throws Exception {
        try (Admin admin = Admin.builder().bootstrapServers(bootstrap).build()) {
            ClusterDescription cluster = admin.cluster().describe().get(30, TimeUnit.SECONDS);
            out.println("cluster " + cluster.clusterId() + ": " + cluster.brokers().size() + " broker(s), controller "
                    + cluster.controller().id());

            Results<String, ?> created = admin.topics().create(List.of(NewTopic.of(topic, 3, 1)
                    .withConfig("retention.ms", "3600000")));
            created.get(topic).get(30, TimeUnit.SECONDS); // one future per topic: a partial failure is visible
            out.println("created " + topic);

            TopicDescription d = describeWhenVisible(admin, topic);
            d.partitions().forEach(p -> out.println("  partition " + p.partition() + " led by broker " + p.leader().id()));

            ConfigResource resource = ConfigResource.topic(topic);
            admin.configs().alter(Map.of(resource, List.of(ConfigOp.set("retention.ms", "7200000"),
                    ConfigOp.append("cleanup.policy", "compact")))).all().get(30, TimeUnit.SECONDS);
            ConfigEntry retention = admin.configs().describe(List.of(resource)).get(resource).get(30, TimeUnit.SECONDS)
                    .get("retention.ms");
            out.println("retention.ms is now " + retention.value() + " (" + retention.source() + ")");

            Map<TopicPartition, OffsetSpec> ends = Map.of(new TopicPartition(topic, 0), OffsetSpec.latest());
            out.println("end offset of partition 0: " + admin.records().listOffsets(ends).all().get(30, TimeUnit.SECONDS)
                    .get(new TopicPartition(topic, 0)).offset());

            List<GroupListing> groups = admin.groups().list().get(30, TimeUnit.SECONDS);
            out.println(groups.size() + " consumer group(s)");

            admin.topics().delete(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            out.println("deleted " + topic);
        }
    }

    /**
     * A new topic reaches every broker's metadata shortly after the controller created it: waits up to 30 s
     * until it is described with a leader for every partition.
     *
     * @throws IllegalStateException when a partition still has no leader after 30 s
     */
    static TopicDescription describeWhenVisible(Admin admin, String topic) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                TopicDescription d = admin.topics().describe(List.of(topic)).get(topic).get(30, TimeUnit.SECONDS);
                if (d.partitions().stream().allMatch(p -> p.leader() != null)) {
                    return d;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(topic + " has partitions without a leader after 30 s: " + d);
                }
            } catch (ExecutionException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            Thread.sleep(100);
        }
    }
}
