package dev.skein.consumer;

import dev.skein.serdes.Serdes;

import java.time.Duration;

/**
 * Run in a child JVM by {@link ParallelCrashIT}: a {@link ParallelProcessor} (KEY ordering, the
 * maxInFlight given) that prints "START offset" when a record starts and "DONE offset" as it finishes.
 * The record at {@code stuck} and every record from {@code blockFrom} on never finish, so the test can
 * kill it with a known set of records done and a known set in flight.
 * Args: bootstrap, group, topic, group protocol, maxInFlight, stuck, blockFrom.
 */
public final class CrashingParallelMain {
    private CrashingParallelMain() {}

    public static void main(String[] args) {
        String protocol = args[3];
        int maxInFlight = Integer.parseInt(args[4]);
        long stuck = Long.parseLong(args[5]);
        long blockFrom = Long.parseLong(args[6]);
        ParallelProcessor<String, String> processor = ParallelProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers(args[0]).groupId(args[1]).topics(args[2])
                .options(o -> {
                    o.offsetReset(OffsetReset.EARLIEST).groupProtocol(GroupProtocol.forName(protocol));
                    if (protocol.equals("classic")) { // the consumer protocol's session is the group's config
                        o.sessionTimeout(Duration.ofSeconds(6)).heartbeatInterval(Duration.ofSeconds(1));
                    }
                })
                .maxInFlight(maxInFlight).commitInterval(Duration.ofMillis(50)).build();
        processor.run(r -> {
            synchronized (System.out) {
                System.out.println("START " + r.offset());
                System.out.flush();
            }
            if (r.offset() == stuck || r.offset() >= blockFrom) {
                Thread.sleep(Long.MAX_VALUE); // stuck for good: the parent SIGKILLs this JVM
            }
            Thread.sleep(r.offset() % 3); // the work: records finish out of order
            synchronized (System.out) {
                System.out.println("DONE " + r.offset());
                System.out.flush();
            }
        });
    }
}
