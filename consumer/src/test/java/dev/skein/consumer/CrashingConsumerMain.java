package dev.skein.consumer;

import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.List;

/** Run in a child JVM by {@link ConsumerCrashIT}: consumes at-least-once and prints each value it processed. */
public final class CrashingConsumerMain {
    private CrashingConsumerMain() {}

    public static void main(String[] args) {
        try (Consumer<String, String> c = Consumer.builder(Serdes.string(), Serdes.string()).bootstrapServers(args[0])
                .groupId(args[1]).offsetReset(OffsetReset.EARLIEST).maxPollRecords(50).build()) {
            c.subscribe(List.of(args[2]));
            while (true) {
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
                    System.out.println("PROCESSED " + r.value());
                }
                System.out.flush();
            }
        }
    }
}
