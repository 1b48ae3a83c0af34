package dev.skein.consumer;

import dev.skein.serdes.Serdes;

import java.time.Duration;
import java.util.List;

/**
 * Run in a child JVM by {@link ShareConsumerIT}: joins the share group, prints "ACQUIRED value" for
 * every record its first non-empty poll acquired, then hangs holding them (until SIGKILL).
 * Args: bootstrap, group, topic.
 */
public final class CrashingShareMain {
    private CrashingShareMain() {}

    public static void main(String[] args) throws InterruptedException {
        ShareConsumer<String, String> c = ShareConsumer.builder(Serdes.string(), Serdes.string())
                .bootstrapServers(args[0]).groupId(args[1]).build();
        c.subscribe(List.of(args[2]));
        while (true) {
            List<ShareRecord<String, String>> records = c.poll(Duration.ofMillis(200));
            if (!records.isEmpty()) {
                for (ShareRecord<String, String> r : records) {
                    System.out.println("ACQUIRED " + r.value());
                }
                System.out.println("HOLDING");
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE); // hold the records until the parent SIGKILLs this JVM
            }
        }
    }
}
