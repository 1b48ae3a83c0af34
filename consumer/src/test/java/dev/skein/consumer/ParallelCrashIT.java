package dev.skein.consumer;

import dev.skein.consumer.internal.DoneOffsets;
import dev.skein.serdes.Serdes;
import dev.skein.testkit.Await;
import dev.skein.testkit.KafkaCluster;
import dev.skein.testkit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link ParallelProcessor} member killed with SIGKILL: its successor loses nothing and runs again
 * only what was in flight, not the records finished above the stuck one that holds the commit back.
 */
@ExtendWith(KafkaClusterExtension.class)
class ParallelCrashIT {
    private static final int TOTAL = 3_000;
    private static final int MAX_IN_FLIGHT = 500;
    private static final long STUCK = 100;
    private static final long BLOCK_FROM = 2_000;

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void afterSigkillNothingIsLostAndOnlyWhatWasInFlightRunsAgain(String protocol, KafkaCluster kafka) throws Exception {
        String topic = ConsumerIT.topic(kafka, "parallel-crash", 1);
        ParallelProcessorIT.produce(kafka, topic, TOTAL, 1_000);
        String group = "parallel-crash-" + UUID.randomUUID();
        ConsumerIT.groupSession(kafka, group, Duration.ofSeconds(6));
        Set<Long> started = new HashSet<>();
        Set<Long> done = new HashSet<>();
        List<String> other = new java.util.ArrayList<>();
        Process child = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CrashingParallelMain.class.getName(),
                kafka.bootstrapServers(), group, topic, protocol, Integer.toString(MAX_IN_FLIGHT), Long.toString(STUCK),
                Long.toString(BLOCK_FROM))).redirectErrorStream(true).start();
        // The child's lines, read on a thread of their own so that every wait below has a deadline.
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // the child is gone
            }
        }, "child-output");
        reader.setDaemon(true);
        reader.start();
        // Below BLOCK_FROM everything finishes but the stuck record and the one of its key waiting behind it.
        long expectDone = BLOCK_FROM - 2;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            // Until done, or the child has died and said all it had to say.
            while (done.size() < expectDone && System.nanoTime() < deadline
                    && (child.isAlive() || reader.isAlive() || !lines.isEmpty())) {
                take(lines.poll(100, TimeUnit.MILLISECONDS), started, done, other);
            }
            assertEquals(expectDone, done.size(), () -> "the child finished all but the stuck key below " + BLOCK_FROM
                    + " (child " + (child.isAlive() ? "alive" : "exited " + child.exitValue()) + ", started "
                    + started.size() + "); its other output: " + other);
            // Kill it once its commit says so: the offset stays at the stuck record, the metadata carries the rest.
            OffsetAndMetadata[] om = new OffsetAndMetadata[1];
            try {
                Await.until("a commit at the stuck record " + STUCK + " covering everything done",
                        Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), () -> {
                            om[0] = ParallelProcessorIT.committed(admin, group, topic, 0);
                            return om[0] != null && om[0].offset() == STUCK && coversAll(om[0], done);
                        });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; committed: " + om[0], e);
            }
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            reader.join(10_000);
            for (String line; (line = lines.poll()) != null; ) {
                take(line, started, done, other);
            }
        } finally {
            child.destroyForcibly();
        }
        Set<Long> inFlight = new HashSet<>(started);
        inFlight.removeAll(done);
        assertTrue(inFlight.size() <= MAX_IN_FLIGHT, "no more than maxInFlight ran at once: " + inFlight.size());

        Set<Long> again = ConcurrentHashMap.newKeySet();
        try (ParallelProcessor<String, String> successor = ParallelProcessor
                .builder(Serdes.string().deserializer(), Serdes.string().deserializer())
                .bootstrapServers(kafka.bootstrapServers()).groupId(group).topics(topic)
                .options(o -> o.offsetReset(OffsetReset.EARLIEST).groupProtocol(GroupProtocol.forName(protocol)))
                .maxInFlight(MAX_IN_FLIGHT).build()) {
            CompletableFuture<Throwable> run = ParallelProcessorIT.start(() -> successor.run(r -> again.add(r.offset())));
            ParallelProcessorIT.await(() -> again.size() + done.size() >= TOTAL || run.isDone(), Duration.ofSeconds(90),
                    "the successor finishes the partition");
            successor.close();
            assertNull(run.get(30, TimeUnit.SECONDS));
        }
        for (long o = 0; o < TOTAL; o++) {
            assertTrue(done.contains(o) || again.contains(o), "record " + o + " lost");
        }
        Set<Long> rerun = new HashSet<>(again);
        rerun.retainAll(done);
        assertEquals(Set.of(), rerun, "records finished before the kill (and committed as done) ran again");
        assertTrue(again.contains(STUCK));
        assertTrue(again.size() <= MAX_IN_FLIGHT + (TOTAL - BLOCK_FROM),
                "ran again: only the records not finished: " + again.size());
        Set<Long> unfinishedBelow = new HashSet<>();
        for (long o : again) {
            if (o < BLOCK_FROM) {
                unfinishedBelow.add(o);
            }
        }
        // Below BLOCK_FROM only the stuck record and those of its key waiting behind it (offsets 1100) were not done.
        assertEquals(Set.of(STUCK, STUCK + 1_000), unfinishedBelow);
    }

    private static void take(String line, Set<Long> started, Set<Long> done, List<String> other) {
        if (line == null) {
            return;
        }
        String[] f = line.split(" ");
        if (f.length == 2 && f[0].equals("START")) {
            started.add(Long.parseLong(f[1]));
        } else if (f.length == 2 && f[0].equals("DONE")) {
            done.add(Long.parseLong(f[1]));
        } else if (other.size() < 200) { // logs and stack traces: what a failure message shows
            other.add(line);
        }
    }

    private static boolean coversAll(OffsetAndMetadata om, Set<Long> done) {
        DoneOffsets d = DoneOffsets.decode(om.offset(), om.metadata());
        for (long o : done) {
            if (o >= om.offset() && !d.isDone(o)) {
                return false;
            }
        }
        return true;
    }
}
