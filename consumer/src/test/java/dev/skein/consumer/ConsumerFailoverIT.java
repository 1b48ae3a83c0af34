package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

@ExtendWith(KafkaClusterExtension.class)
class ConsumerFailoverIT {

    @Test
    void aKilledBrokerNeitherStopsConsumptionNorTriggersARebalanceNorLosesRecords(@OwnCluster(brokers = 3) KafkaCluster kafka)
            throws Exception {
        String topic = "failover";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 3))).all().get(60, TimeUnit.SECONDS);
        }
        int total = 6_000;
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "acks", "all"), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < total; i++) {
                p.send(new ProducerRecord<>(topic, Integer.toString(i), Integer.toString(i))).get(30, TimeUnit.SECONDS);
                if (i == 200) {
                    break;
                }
            }
            for (int i = 201; i < total; i++) {
                p.send(new ProducerRecord<>(topic, Integer.toString(i), Integer.toString(i)));
            }
            p.flush();
        }
        AtomicInteger rebalances = new AtomicInteger();
        Set<String> seen = new HashSet<>();
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(kafka.bootstrapServers()).groupId("failover-group").offsetReset(OffsetReset.EARLIEST)
                .maxPollRecords(100).heartbeatInterval(Duration.ofMillis(500)).sessionTimeout(Duration.ofSeconds(30))
                .requestTimeout(Duration.ofSeconds(5)).build()) {
            c.subscribe(List.of(topic), new RebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    rebalances.incrementAndGet();
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            boolean killed = false;
            while (seen.size() < total && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
                if (!killed && seen.size() > total / 3) {
                    int victim = kafka.brokerIds().stream().sorted().toList().get(1);
                    kafka.kill(victim);
                    killed = true;
                }
            }
        }
        assertEquals(total, seen.size(), "nothing lost while a broker was down");
        assertEquals(1, rebalances.get(), "one assignment at the start and no rebalance after the kill");
    }
}
