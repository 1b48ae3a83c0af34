package dev.skein.consumer;

import dev.skein.producer.ProducerRecord;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import dev.skein.testkit.OwnCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The exactly-once copier on 3 brokers (RF 3, min.insync.replicas 2) while each broker in turn is
 * killed with SIGKILL and restarted: a fresh read_committed reader sees every input value once.
 */
@ExtendWith(KafkaClusterExtension.class)
@Execution(ExecutionMode.CONCURRENT) // the fault lane, beside the other ITs: see this module's pom.xml
class ExactlyOnceFaultIT {

    /**
     * One partition, where the order must be the input's too. (The copier across several partitions
     * under broker kills and more is SoakIT's, which compares the copy with its input partition by
     * partition.)
     */
    @ParameterizedTest
    @ValueSource(ints = {1})
    void copiesEachRecordOnceWhileEveryBrokerInTurnIsKilledAndRestarted(int partitions,
            @OwnCluster(brokers = 3) KafkaCluster kafka) throws Exception {
        String in = "eos-fault-in";
        String out = "eos-fault-out";
        int total = 50_000;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(in, partitions, (short) 3), new NewTopic(out, partitions, (short) 3)))
                    .all().get(60, TimeUnit.SECONDS);
        }
        // Not idempotent (one request in flight keeps the order): on a topic just created, the reference's
        // idempotent producer was seen retrying OUT_OF_ORDER_SEQUENCE_NUMBER past the 60 s wait below.
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "acks", "all", "linger.ms", 5, "enable.idempotence", false, "max.in.flight.requests.per.connection", 1),
                new StringSerializer(), new StringSerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                sent.add(p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(in, "k" + (i % 97), Integer.toString(i))));
            }
            for (Future<RecordMetadata> f : sent) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        AtomicLong copied = new AtomicLong();
        Thread faults;
        try (ExactlyOnceProcessor<String, String, String, String> copier = ExactlyOnceProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer(), Serdes.string().serializer(),
                        Serdes.string().serializer())
                .bootstrapServers(kafka.bootstrapServers()).input(List.of(in)).groupId("eos-fault-" + UUID.randomUUID())
                .transactionalId("eos-fault-" + UUID.randomUUID()).property("max.poll.records", 500)
                .property("request.timeout.ms", 10_000).build()) {
            faults = new Thread(() -> {
                try {
                    for (int broker : kafka.brokerIds().stream().sorted().toList()) {
                        long target = Math.min(copied.get() + total / 5, total);
                        try {
                            Await.until("a fifth more copied before broker " + broker + " is killed", Duration.ofSeconds(60),
                                    () -> copied.get() >= target);
                        } catch (AssertionError slow) {
                            // A schedule, not a check: after 60 s the fault comes anyway (the copy is checked below).
                        }
                        kafka.kill(broker);
                        Thread.sleep(2_000); // the fault: the broker stays down this long
                        kafka.restart(broker);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            faults.start();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
            while (copied.get() < total && System.nanoTime() < deadline) {
                copied.addAndGet(copier.processOnce(Duration.ofMillis(200),
                        r -> List.of(new ProducerRecord<>(out, r.partition(), r.key(), r.value(), r.headers(), null))));
            }
            faults.join(TimeUnit.MINUTES.toMillis(3));
        }
        assertEquals(total, copied.get(), "every input record committed once by the copier");
        List<List<String>> output = ExactlyOnceIT.readCommitted(kafka, out, partitions);
        ExactlyOnceIT.assertExactlyOnce(total, output);
        if (partitions == 1) {
            List<String> inOrder = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                inOrder.add(Integer.toString(i));
            }
            assertEquals(inOrder, output.get(0), "one partition: the output order is the input's");
        }
    }
}
