package dev.skein.admin;

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

import static dev.skein.admin.AdminIT.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A lost response is retried within the call's timeout, and the call still succeeds. */
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
}
