package dev.skein.bench;

import dev.skein.consumer.ClassicAssignor;
import dev.skein.consumer.Consumer;
import dev.skein.consumer.ConsumerBuilder;
import dev.skein.consumer.ConsumerRecords;
import dev.skein.consumer.GroupProtocol;
import dev.skein.consumer.OffsetReset;
import dev.skein.consumer.RebalanceListener;
import dev.skein.core.TopicPartition;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.KafkaCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * How a busy group absorbs a new member, per group protocol: 4 Skein members share 24 partitions
 * while a producer writes at a steady rate; a fifth joins. For classic eager (range), classic
 * cooperative-sticky, and the consumer protocol (KIP-848, broker's uniform assignor) it reports the
 * time from the fifth member's subscribe until every partition has one owner again and all five own
 * some, the records the four old members consumed in that time against what they consumed in as long
 * a window just before, and the longest stretch any old member went without a record.
 *
 * <p>The heartbeat interval is the same for all three (the classic members' {@code heartbeat.interval.ms}
 * and the broker's {@code group.consumer.heartbeat.interval.ms}), since both protocols notice a
 * change at the next heartbeat.
 *
 * <p>Run: {@code mvn -B -pl bench exec:java -Dexec.mainClass=dev.skein.bench.RebalanceComparison
 * -Dexec.args="3 3000"} (rounds, heartbeat interval in ms, and optionally a comma-separated list of
 * modes).
 */
public final class RebalanceComparison {
    private static final int PARTITIONS = 24;
    private static final int RATE_PER_SEC = 20_000;

    private RebalanceComparison() {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int heartbeatMs = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        List<String> modes = args.length > 2 ? List.of(args[2].split(","))
                : List.of("classic-eager", "classic-cooperative", "consumer-protocol");
        try (KafkaCluster kafka = KafkaCluster.builder()
                .brokerConfig("group.consumer.heartbeat.interval.ms", Integer.toString(heartbeatMs)).build().start()) {
            String topic = "bench-rebalance";
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get(60, TimeUnit.SECONDS);
            }
            AtomicBoolean producing = new AtomicBoolean(true);
            Thread producer = new Thread(() -> produce(kafka, topic, producing), "bench-producer");
            producer.start();
            try {
                for (int round = 0; round < rounds; round++) {
                    for (String mode : modes) {
                        run(kafka, topic, mode, round, heartbeatMs);
                    }
                }
            } finally {
                producing.set(false);
                producer.join(10_000);
            }
        }
    }

    /** Writes about RATE_PER_SEC 100-byte records a second, spread over the partitions. */
    private static void produce(KafkaCluster kafka, String topic, AtomicBoolean producing) {
        byte[] value = new byte[100];
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "linger.ms", 5, "acks", "1"), new ByteArraySerializer(), new ByteArraySerializer())) {
            long sent = 0;
            long start = System.nanoTime();
            while (producing.get()) {
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, (int) (sent % PARTITIONS), null, value));
                sent++;
                if (sent % 200 == 0) {
                    long due = start + sent * 1_000_000_000L / RATE_PER_SEC;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void run(KafkaCluster kafka, String topic, String mode, int round, int heartbeatMs) throws Exception {
        String group = "bench-" + mode + "-" + UUID.randomUUID();
        List<Member> members = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                members.add(new Member(kafka, group, topic, mode, heartbeatMs));
            }
            List<Member> four = List.copyOf(members);
            if (!waitFor(() -> settled(four), Duration.ofSeconds(120))) {
                throw new IllegalStateException(mode + ": four members did not settle");
            }
            Thread.sleep(3_000); // steady state
            long joinStart = System.nanoTime();
            members.add(new Member(kafka, group, topic, mode, heartbeatMs));
            if (!waitFor(() -> settled(members), Duration.ofSeconds(120))) {
                throw new IllegalStateException(mode + ": five members did not settle");
            }
            long joinEnd = System.nanoTime();
            long window = joinEnd - joinStart;
            long during = 0;
            long before = 0;
            long stall = 0;
            for (Member m : four) {
                during += m.receivedBetween(joinStart, joinEnd);
                before += m.receivedBetween(joinStart - window, joinStart);
                stall = Math.max(stall, m.longestGap(joinStart, joinEnd));
            }
            System.out.printf("{\"mode\":\"%s\",\"round\":%d,\"heartbeat_ms\":%d,\"absorb_ms\":%d,"
                            + "\"consumed_during\":%d,\"consumed_before\":%d,\"longest_stall_ms\":%d}%n",
                    mode, round, heartbeatMs, TimeUnit.NANOSECONDS.toMillis(window), during, before,
                    TimeUnit.NANOSECONDS.toMillis(stall));
        } finally {
            for (Member m : members) {
                m.close();
            }
        }
    }

    /** Every partition has exactly one owner, and every member owns some. */
    private static boolean settled(List<Member> members) {
        Set<TopicPartition> all = new HashSet<>();
        int total = 0;
        for (Member m : members) {
            if (m.owned.isEmpty()) {
                return false;
            }
            all.addAll(m.owned);
            total += m.owned.size();
        }
        return all.size() == PARTITIONS && total == PARTITIONS;
    }

    private static boolean waitFor(BooleanSupplier ok, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(5);
        }
        return true;
    }

    /** A group member polling on its own thread, noting what it owns and when records arrive. */
    private static final class Member implements AutoCloseable {
        final Set<TopicPartition> owned = ConcurrentHashMap.newKeySet();
        /** {System.nanoTime(), records} per non-empty poll. */
        final List<long[]> receipts = new CopyOnWriteArrayList<>();
        final Thread thread;
        volatile boolean running = true;

        Member(KafkaCluster kafka, String group, String topic, String mode, int heartbeatMs) {
            ConsumerBuilder<byte[], byte[]> b = Consumer.builder(Serdes.bytes(), Serdes.bytes())
                    .bootstrapServers(kafka.bootstrapServers()).groupId(group).offsetReset(OffsetReset.LATEST);
            switch (mode) {
                case "classic-eager" -> b.groupProtocol(GroupProtocol.CLASSIC).assignors(ClassicAssignor.RANGE)
                        .heartbeatInterval(Duration.ofMillis(heartbeatMs));
                case "classic-cooperative" -> b.groupProtocol(GroupProtocol.CLASSIC).assignors(ClassicAssignor.COOPERATIVE_STICKY)
                        .heartbeatInterval(Duration.ofMillis(heartbeatMs));
                default -> b.groupProtocol(GroupProtocol.CONSUMER).remoteAssignor("uniform");
            }
            Consumer<byte[], byte[]> consumer = b.build();
            consumer.subscribe(List.of(topic), new RebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    owned.removeAll(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    owned.addAll(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    owned.removeAll(partitions);
                }
            });
            thread = new Thread(() -> {
                try (consumer) {
                    while (running) {
                        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(50));
                        if (!records.isEmpty()) {
                            receipts.add(new long[] {System.nanoTime(), records.count()});
                        }
                    }
                }
            }, "bench-member");
            thread.start();
        }

        long receivedBetween(long from, long to) {
            return receipts.stream().filter(r -> r[0] >= from && r[0] <= to).mapToLong(r -> r[1]).sum();
        }

        /** The longest time between records (or a window edge and a record) within the window. */
        long longestGap(long from, long to) {
            long last = from;
            long gap = 0;
            for (long[] r : receipts) {
                if (r[0] < from || r[0] > to) {
                    continue;
                }
                gap = Math.max(gap, r[0] - last);
                last = r[0];
            }
            return Math.max(gap, to - last);
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(30_000);
        }
    }
}
