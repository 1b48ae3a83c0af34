package dev.skein.consumer;

import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.List;

/**
 * Run in a child JVM by {@link ConsumerCrashIT}: consumes in the delivery mode given and prints
 * "RECEIVED offset value" for each record as poll() hands it over and "PROCESSED offset value" once
 * it is processed.
 * Args: bootstrap, group, topic, delivery (AT_LEAST_ONCE, AT_MOST_ONCE, or AUTO_COMMIT: MANUAL with
 * enable.auto.commit), group protocol (classic or consumer).
 */
public final class CrashingConsumerMain {
    private CrashingConsumerMain() {}

    public static void main(String[] args) throws InterruptedException {
        boolean autoCommit = args[3].equals("AUTO_COMMIT"); // MANUAL with enable.auto.commit
        Delivery delivery = autoCommit ? Delivery.MANUAL : Delivery.valueOf(args[3]);
        String protocol = args.length > 4 ? args[4] : "classic";
        ConsumerBuilder<String, String> b = Consumer.builder(Serdes.string(), Serdes.string()).bootstrapServers(args[0])
                .groupId(args[1]).offsetReset(OffsetReset.EARLIEST).maxPollRecords(50).delivery(delivery)
                .groupProtocol(GroupProtocol.forName(protocol));
        if (autoCommit) {
            b.property("enable.auto.commit", true).property("auto.commit.interval.ms", 50);
        }
        if (protocol.equals("classic")) { // the consumer protocol's session is the group's config
            b.sessionTimeout(Duration.ofSeconds(6)).heartbeatInterval(Duration.ofSeconds(1));
        }
        try (Consumer<String, String> c = b.build()) {
            c.subscribe(List.of(args[2]));
            while (true) {
                ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(100));
                for (ConsumerRecord<String, String> r : records) {
                    System.out.println("RECEIVED " + r.offset() + " " + r.value());
                }
                System.out.flush();
                for (ConsumerRecord<String, String> r : records) {
                    if (delivery == Delivery.AT_MOST_ONCE) {
                        Thread.sleep(1); // slow processing: the kill lands between commit and processing
                    }
                    System.out.println("PROCESSED " + r.offset() + " " + r.value());
                }
                System.out.flush();
            }
        }
    }
}
