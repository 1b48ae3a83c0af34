package dev.skein.admin;

import dev.skein.core.errors.TimeoutException;
import dev.skein.core.message.ApiKey;
import dev.skein.testkit.FaultProxy;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.skein.admin.AdminIT.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A lost response is retried within the call's timeout, and the call still succeeds; a call whose
 * request is never answered ends at that timeout, not at the longer request timeout.
 */
@ExtendWith(KafkaClusterExtension.class)
class AdminFaultIT {

    @Test
    void aDroppedResponseIsRetriedAndTheCallSucceeds(@OwnCluster(faultProxy = true) KafkaCluster kafka) throws Exception {
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers())
                .requestTimeout(Duration.ofSeconds(2)).defaultApiTimeout(Duration.ofSeconds(30)).build()) {
            String topic = AdminIT.name("fault");
            get(admin.topics().create(List.of(NewTopic.of(topic, 1, 1))).all());
            int broker = kafka.brokerIds().iterator().next();
            FaultProxy proxy = kafka.proxy(broker);
            proxy.dropResponses(ApiKey.DESCRIBE_CONFIGS.id(), 2);
            ConfigResource r = ConfigResource.topic(topic);
            Map<String, ConfigEntry> configs = get(admin.configs().describe(List.of(r)).get(r));
            assertTrue(configs.containsKey("retention.ms"));
            assertEquals(2, proxy.droppedResponses(), "two answers were lost and the third attempt got through");
        }
    }

    @Test
    void aCallWhoseRequestIsNeverAnsweredFailsAtDefaultApiTimeout(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        try (Admin admin = Admin.builder().bootstrapServers(kafka.bootstrapServers())
                .requestTimeout(Duration.ofSeconds(60)).defaultApiTimeout(Duration.ofSeconds(2)).build()) {
            String topic = AdminIT.name("halfopen");
            get(admin.topics().create(List.of(NewTopic.of(topic, 1, 1))).all());
            FaultProxy proxy = kafka.proxy(kafka.brokerIds().iterator().next());
            proxy.halfOpen(true); // the broker gets the request and answers; the answer never arrives
            ConfigResource r = ConfigResource.topic(topic);
            long started = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> admin.configs().describe(List.of(r)).get(r).get(30, TimeUnit.SECONDS),
                    "the call must end by itself, long before request.timeout.ms (60 s)");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertInstanceOf(TimeoutException.class, e.getCause(), e.toString());
            assertTrue(e.getCause().getMessage().contains("default.api.timeout.ms"), e.getCause().getMessage());
            assertTrue(tookMs >= 1_900 && tookMs < 15_000, "ended at default.api.timeout.ms (2 s), took " + tookMs + " ms");

            // A call of a single request (DescribeCluster) ends at the same bound as one of several items.
            started = System.nanoTime();
            e = assertThrows(ExecutionException.class, () -> admin.cluster().describe().get(30, TimeUnit.SECONDS));
            tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertInstanceOf(TimeoutException.class, e.getCause(), e.toString());
            assertTrue(tookMs >= 1_900 && tookMs < 15_000, "describe cluster ended at 2 s, took " + tookMs + " ms");

            proxy.halfOpen(false);
            assertTrue(get(admin.configs().describe(List.of(r)).get(r)).containsKey("retention.ms"),
                    "the admin client keeps working once answers arrive again");
        }
    }
}
