package dev.skein.testkit;

import dev.skein.testkit.internal.MetadataProbe;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(KafkaClusterExtension.class)
class KafkaClusterIT {

    @Test
    void sharedBrokerServesTheReferenceClient(KafkaCluster kafka) throws Exception {
        String topic = "testkit-roundtrip";
        try (KafkaProducer<String, String> producer = producer(kafka, Map.of())) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
            }
        }
        assertEquals(List.of("v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9"), readAll(kafka, topic, 10));
    }

    @Test
    void securedListenersServeTheReferenceClient(@OwnCluster(securityListeners = true) KafkaCluster kafka)
            throws Exception {
        TestCertificates certs = kafka.certificates();
        Map<String, String> trust = Map.of("ssl.truststore.location", certs.trustStore().toString(),
                "ssl.truststore.password", TestCertificates.PASSWORD, "ssl.truststore.type", "PKCS12");
        Map<String, String> clientCert = Map.of("ssl.keystore.location", certs.clientKeyStore().toString(),
                "ssl.keystore.password", TestCertificates.PASSWORD, "ssl.key.password", TestCertificates.PASSWORD,
                "ssl.keystore.type", "PKCS12");
        String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"alice\" "
                + "password=\"" + KafkaCluster.PLAIN_USERS.get("alice") + "\";";
        List<Map<String, String>> variants = List.of(
                merge(Map.of("bootstrap.servers", kafka.bootstrapServers(KafkaCluster.Listener.SSL),
                        "security.protocol", "SSL"), trust),
                merge(merge(Map.of("bootstrap.servers", kafka.bootstrapServers(KafkaCluster.Listener.MTLS),
                        "security.protocol", "SSL"), trust), clientCert),
                merge(Map.of("bootstrap.servers", kafka.bootstrapServers(KafkaCluster.Listener.SASL_SSL),
                        "security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN", "sasl.jaas.config", plain), trust),
                Map.of("bootstrap.servers", kafka.bootstrapServers(KafkaCluster.Listener.SASL_PLAINTEXT),
                        "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config", plain));
        for (Map<String, String> v : variants) {
            try (KafkaProducer<String, String> producer = producer(kafka, v)) {
                producer.send(new ProducerRecord<>("testkit-secured", "k", v.get("security.protocol")))
                        .get(30, TimeUnit.SECONDS);
            }
        }
        assertEquals(4, readAll(kafka, "testkit-secured", 4).size());
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> m = new java.util.HashMap<>(a);
        m.putAll(b);
        return m;
    }

    @Test
    void sharedClusterIsTheSameInstance(KafkaCluster a, KafkaCluster b) {
        assertTrue(a == b, "plain KafkaCluster parameters share one cluster per JVM");
    }

    @Test
    void killedNodeLeavesMetadataAndReturnsOnRestart(@OwnCluster(brokers = 3) KafkaCluster kafka) throws Exception {
        assertEquals(3, probe(kafka, 1).size());
        kafka.kill(2);
        assertFalse(kafka.isRunning(2));
        assertTrue(Await.holds(() -> probe(kafka, 1).size() == 2, Duration.ofSeconds(30)),
                "the survivors drop the killed node from metadata");

        kafka.pause(3);
        assertThrows(java.io.IOException.class,
                () -> MetadataProbe.brokerIds("127.0.0.1", port(kafka, 3), 1_000), "a paused node answers nothing");
        kafka.resume(3);
        assertTrue(Await.holds(() -> portAnswers(kafka, 3), Duration.ofSeconds(30)));

        kafka.restart(2);
        assertTrue(kafka.isRunning(2));
        assertTrue(Await.holds(() -> probe(kafka, 1).size() == 3, Duration.ofSeconds(30)));
    }

    @Test
    void droppedProduceResponseIsRetriedWithoutDuplicate(@OwnCluster(faultProxy = true) KafkaCluster kafka)
            throws Exception {
        String topic = "testkit-dropped-response";
        try (KafkaProducer<String, String> producer = producer(kafka, Map.of("enable.idempotence", "true"))) {
            producer.send(new ProducerRecord<>(topic, "warm", "up")).get(30, TimeUnit.SECONDS);
            kafka.proxy(1).dropResponses(0 /* Produce */, 1);
            producer.send(new ProducerRecord<>(topic, "k", "once")).get(60, TimeUnit.SECONDS);
        }
        assertEquals(1, kafka.proxy(1).droppedResponses(), "the proxy dropped the Produce response");
        assertEquals(List.of("up", "once"), readAll(kafka, topic, 2));
    }

    @Test
    void blackHoleStopsTrafficUntilHealed(@OwnCluster(faultProxy = true) KafkaCluster kafka) throws Exception {
        String topic = "testkit-black-hole";
        try (KafkaProducer<String, String> producer = producer(kafka, Map.of("delivery.timeout.ms", "120000"))) {
            producer.send(new ProducerRecord<>(topic, "k", "before")).get(30, TimeUnit.SECONDS);
            kafka.proxy(1).blackHole(true);
            var pending = producer.send(new ProducerRecord<>(topic, "k", "during"));
            Thread.sleep(1_500); // a negative check: time passes, and nothing gets through
            assertFalse(pending.isDone(), "nothing passes a black hole");
            kafka.proxy(1).heal().cutConnections();
            pending.get(60, TimeUnit.SECONDS);
        }
        assertEquals(List.of("before", "during"), readAll(kafka, topic, 2));
    }

    @Test
    void latencyDelaysButDelivers(@OwnCluster(faultProxy = true) KafkaCluster kafka) throws Exception {
        String topic = "testkit-latency";
        kafka.proxy(1).latency(Duration.ofMillis(200));
        try (KafkaProducer<String, String> producer = producer(kafka, Map.of())) {
            long start = System.nanoTime();
            producer.send(new ProducerRecord<>(topic, "k", "slow")).get(60, TimeUnit.SECONDS);
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(400),
                    "a produce round trip crosses the proxy at least twice");
        }
        kafka.proxy(1).heal();
        assertEquals(List.of("slow"), readAll(kafka, topic, 1));
    }

    static KafkaProducer<String, String> producer(KafkaCluster kafka, Map<String, String> extra) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("acks", "all");
        p.put("request.timeout.ms", "10000");
        p.put("delivery.timeout.ms", "60000");
        p.putAll(extra);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    static List<String> readAll(KafkaCluster kafka, String topic, int expected) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            // One more short poll: a duplicate past the expected count must show up here.
            consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
        }
        return values;
    }

    private static List<Integer> probe(KafkaCluster kafka, int node) {
        try {
            return MetadataProbe.brokerIds("127.0.0.1", port(kafka, node), 2_000);
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    private static boolean portAnswers(KafkaCluster kafka, int node) {
        return !probe(kafka, node).isEmpty();
    }

    private static int port(KafkaCluster kafka, int node) {
        String hostPort = kafka.bootstrapServers(node);
        return Integer.parseInt(hostPort.substring(hostPort.indexOf(':') + 1));
    }
}
