package dev.skein.admin;

import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashSet;
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
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ListConfigResources (KIP-1142) and, on older brokers, ListClientMetricsResources (KIP-714), against real brokers. */
@ExtendWith(KafkaClusterExtension.class)
class ConfigResourcesIT {

    @Test
    void aClientMetricsSubscriptionSetThroughAlterIsListed(KafkaCluster kafka) throws Exception {
        String subscription = name("metrics");
        ConfigResource resource = ConfigResource.clientMetrics(subscription);
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build()) {
            assertFalse(get(admin.configs().listResources(Set.of(ConfigResource.Type.CLIENT_METRICS))).contains(resource));
            get(admin.configs().alter(Map.of(resource, List.of(ConfigOp.set("metrics", "org.apache.kafka.producer."),
                    ConfigOp.set("interval.ms", "60000")))).all());
            Await.until(subscription + " listed", Duration.ofSeconds(30),
                    () -> get(admin.configs().listResources(Set.of(ConfigResource.Type.CLIENT_METRICS))).contains(resource));
            List<ConfigResource> onlyMetrics = get(admin.configs().listResources(Set.of(ConfigResource.Type.CLIENT_METRICS)));
            assertTrue(onlyMetrics.stream().allMatch(r -> r.type() == ConfigResource.Type.CLIENT_METRICS), onlyMetrics.toString());
            assertTrue(get(admin.configs().listResources(Set.of())).contains(resource), "every type includes it");

            get(admin.configs().alter(Map.of(resource, List.of(ConfigOp.delete("metrics"), ConfigOp.delete("interval.ms"))))
                    .all());
            Await.until(subscription + " gone", Duration.ofSeconds(30),
                    () -> !get(admin.configs().listResources(Set.of(ConfigResource.Type.CLIENT_METRICS))).contains(resource));
        }
    }

    @Test
    void topicsGroupsAndBrokersAreListedAsTheReferenceListsThem(KafkaCluster kafka) throws Exception {
        String topic = name("listed");
        String group = name("group");
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers()).build();
             org.apache.kafka.clients.admin.Admin reference = org.apache.kafka.clients.admin.Admin.create(
                     Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            get(admin.topics().create(List.of(NewTopic.of(topic, 1, 1))).all());
            get(admin.configs().alter(Map.of(ConfigResource.group(group),
                    List.of(ConfigOp.set("consumer.session.timeout.ms", "45000")))).all());
            Set<ConfigResource.Type> types = Set.of(ConfigResource.Type.TOPIC, ConfigResource.Type.GROUP,
                    ConfigResource.Type.BROKER);
            Await.until(topic + " and " + group + " listed", Duration.ofSeconds(30), () -> {
                List<ConfigResource> listed = get(admin.configs().listResources(types));
                return listed.contains(ConfigResource.topic(topic)) && listed.contains(ConfigResource.group(group));
            });
            List<ConfigResource> listed = get(admin.configs().listResources(types));
            assertTrue(listed.stream().allMatch(r -> types.contains(r.type())), listed.toString());
            for (int id : kafka.brokerIds()) {
                assertTrue(listed.contains(ConfigResource.broker(id)), "broker " + id + " in " + listed);
            }

            Set<String> ours = new HashSet<>();
            get(admin.configs().listResources(Set.of())).forEach(r -> ours.add(r.type() + "/" + r.name()));
            Set<String> theirs = reference.listConfigResources().all().get(30, TimeUnit.SECONDS).stream()
                    .map(r -> r.type() + "/" + r.name()).collect(Collectors.toSet());
            assertEquals(theirs.stream().filter(r -> r.contains(topic) || r.contains(group)).collect(Collectors.toSet()),
                    ours.stream().filter(r -> r.contains(topic) || r.contains(group)).collect(Collectors.toSet()));
            assertEquals(theirs.stream().map(r -> r.substring(0, r.indexOf('/'))).collect(Collectors.toSet()),
                    ours.stream().map(r -> r.substring(0, r.indexOf('/'))).collect(Collectors.toSet()),
                    "the same types as the reference lists");
        }
    }

    @Test
    void aBrokerWithoutKip1142ListsOnlyClientMetrics(@OwnCluster(release = "3.9.1") KafkaCluster old) throws Exception {
        String subscription = name("metrics");
        ConfigResource resource = ConfigResource.clientMetrics(subscription);
        try (Admin admin = Admin.builder().bootstrapServers(old.bootstrapServers()).build()) {
            get(admin.configs().alter(Map.of(resource, List.of(ConfigOp.set("metrics", "org.apache.kafka.producer.")))).all());
            Await.until(subscription + " listed", Duration.ofSeconds(30),
                    () -> get(admin.configs().listResources(Set.of())).contains(resource));
            assertTrue(get(admin.configs().listResources(Set.of(ConfigResource.Type.CLIENT_METRICS))).contains(resource));
            Throwable e = failure(admin.configs().listResources(Set.of(ConfigResource.Type.TOPIC)));
            assertInstanceOf(UnsupportedVersionException.class, e, e.toString());
            assertTrue(e.getMessage().contains("4.1"), e.getMessage());
        }
    }
}
