package dev.skein.cli;

import dev.skein.admin.Admin;
import dev.skein.admin.ConfigEntry;
import dev.skein.admin.ConfigResource;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.skein.cli.CliClusterIT.ok;
import static dev.skein.cli.CliIT.skein;
import static dev.skein.cli.CliIT.topic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code skein configs describe | alter} on a topic, a broker, a group and a client-metrics subscription. */
@ExtendWith(KafkaClusterExtension.class)
class CliConfigsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static ConfigEntry entry(KafkaCluster kafka, ConfigResource r, String name) throws Exception {
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            Map<String, ConfigEntry> all = admin.configs().describe(List.of(r)).get(r).get(30, TimeUnit.SECONDS);
            return all.get(name);
        }
    }

    /** Whether {@code configs describe} prints {@code line} (a change reaches the broker asked a moment later). */
    private static boolean describes(KafkaCluster kafka, String line, String... resource) {
        String[] args = new String[resource.length + 2];
        args[0] = "configs";
        args[1] = "describe";
        System.arraycopy(resource, 0, args, 2, resource.length);
        return skein(kafka, "", args).lines().contains(line);
    }

    @Test
    void aTopicConfigIsSetValidatedAndDeleted(KafkaCluster kafka) throws Exception {
        String t = topic(kafka, 1);
        ConfigResource r = ConfigResource.topic(t);
        CliIT.Run before = ok(skein(kafka, "", "configs", "describe", "--topic", t));
        assertEquals("", before.out(), "only configs set for the topic, not what it inherits from the broker");
        assertTrue(ok(skein(kafka, "", "configs", "describe", "--topic", t, "--all")).lines()
                .contains("retention.ms=604800000  (default-config)"), "--all adds the defaults");

        CliIT.Run altered = ok(skein(kafka, "", "configs", "alter", "--topic", t, "--set", "retention.ms=1234",
                "--set", "cleanup.policy=compact"));
        assertEquals("set retention.ms on topic " + t + "\nset cleanup.policy on topic " + t + "\n", altered.err());
        Await.until("describe shows retention.ms=1234", WAIT,
                () -> describes(kafka, "retention.ms=1234  (dynamic-topic-config)", "--topic", t));
        assertTrue(describes(kafka, "cleanup.policy=compact  (dynamic-topic-config)", "--topic", t));
        assertEquals("1234", entry(kafka, r, "retention.ms").value(), "the admin client reads it back");

        CliIT.Run dry = ok(skein(kafka, "", "configs", "alter", "--topic", t, "--set", "retention.ms=99", "--delete",
                "cleanup.policy", "--dry-run"));
        assertTrue(dry.err().startsWith("dry run: would set retention.ms on topic " + t), dry.err());
        assertEquals("1234", entry(kafka, r, "retention.ms").value(), "a dry run changes nothing");
        assertEquals("compact", entry(kafka, r, "cleanup.policy").value());

        CliIT.Run bad = skein(kafka, "", "configs", "alter", "--topic", t, "--set", "retention.ms=soon");
        assertEquals(1, bad.exit(), bad.err());
        assertTrue(bad.err().startsWith("skein: ") && bad.err().contains("retention.ms"), bad.err());

        ok(skein(kafka, "", "configs", "alter", "--topic", t, "--delete", "retention.ms"));
        Await.until("retention.ms back to its default", WAIT,
                () -> entry(kafka, r, "retention.ms").source() == ConfigEntry.Source.DEFAULT_CONFIG);
        Await.until("describe no longer lists retention.ms", WAIT,
                () -> !skein(kafka, "", "configs", "describe", "--topic", t).out().contains("retention.ms="));

        String missing = "cli-no-such-" + UUID.randomUUID();
        CliIT.Run gone = skein(kafka, "", "configs", "alter", "--topic", missing, "--set", "retention.ms=1");
        assertEquals(1, gone.exit());
        assertEquals("skein: topic " + missing + " does not exist\n", gone.err());
    }

    @Test
    void aBrokerConfigIsSetAndDeletedOnThatBroker(KafkaCluster kafka) throws Exception {
        int broker = kafka.brokerIds().iterator().next();
        String id = Integer.toString(broker);
        ConfigResource r = ConfigResource.broker(broker);
        assertTrue(ok(skein(kafka, "", "configs", "describe", "--broker", id, "--all")).out().contains("log.cleaner.backoff.ms="));
        try {
            ok(skein(kafka, "", "configs", "alter", "--broker", id, "--set", "log.cleaner.backoff.ms=16000"));
            Await.until("the broker reports log.cleaner.backoff.ms=16000", WAIT,
                    () -> describes(kafka, "log.cleaner.backoff.ms=16000  (dynamic-broker-config)", "--broker", id));
            assertEquals("16000", entry(kafka, r, "log.cleaner.backoff.ms").value());
        } finally {
            ok(skein(kafka, "", "configs", "alter", "--broker", id, "--delete", "log.cleaner.backoff.ms"));
        }
        Await.until("log.cleaner.backoff.ms no longer set on the broker", WAIT,
                () -> entry(kafka, r, "log.cleaner.backoff.ms").source() != ConfigEntry.Source.DYNAMIC_BROKER_CONFIG);

        long start = System.nanoTime();
        CliIT.Run unknown = skein(kafka, "", "configs", "describe", "--broker", "4242");
        assertEquals(1, unknown.exit(), unknown.err());
        assertTrue(unknown.err().startsWith("skein: --broker 4242: no such broker (the cluster has "), unknown.err());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "said at once, not after the timeout");
    }

    @Test
    void aGroupConfigIsSetBeforeTheGroupExists(KafkaCluster kafka) throws Exception {
        String group = "cli-configs-" + UUID.randomUUID();
        ok(skein(kafka, "", "configs", "alter", "--group", group, "--set", "share.record.lock.duration.ms=20000"));
        Await.until("describe shows the group config", WAIT,
                () -> describes(kafka, "share.record.lock.duration.ms=20000  (group-config)", "--group", group));
        assertEquals("20000", entry(kafka, ConfigResource.group(group), "share.record.lock.duration.ms").value());
    }

    @Test
    void aClientMetricsSubscriptionIsConfigured(KafkaCluster kafka) throws Exception {
        String name = "cli-metrics-" + UUID.randomUUID().toString().substring(0, 8);
        ok(skein(kafka, "", "configs", "alter", "--client-metrics", name, "--set", "interval.ms=60000",
                "--set", "metrics=org.apache.kafka.producer."));
        Await.until("describe shows the subscription's interval", WAIT,
                () -> describes(kafka, "interval.ms=60000  (client-metrics-config)", "--client-metrics", name));
        ConfigResource r = ConfigResource.clientMetrics(name);
        assertEquals("60000", entry(kafka, r, "interval.ms").value());
        // Deleting its configs removes the subscription, so no client of the other tests pushes metrics.
        ok(skein(kafka, "", "configs", "alter", "--client-metrics", name, "--delete", "interval.ms", "--delete", "metrics"));
        Await.until("the subscription's interval back to its default", WAIT,
                () -> !describes(kafka, "interval.ms=60000  (client-metrics-config)", "--client-metrics", name));
    }
}
