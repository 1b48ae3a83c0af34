package dev.skein.testkit;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerLifetimeIT {

    @Test
    void aBrokerDiesWithItsParentEvenWhenTheParentIsKilled() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "orphan-" + System.nanoTime()));
        Process parent = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OrphanMain.class.getName(), dir.toString()))
                .redirectErrorStream(true).start();
        long brokerPid = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream()))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            String line;
            StringBuilder seen = new StringBuilder();
            while (brokerPid < 0 && System.nanoTime() < deadline && (line = out.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.startsWith("BROKER_PID ")) {
                    brokerPid = Long.parseLong(line.substring("BROKER_PID ".length()).trim());
                }
            }
            assertTrue(brokerPid > 0, "the child started a broker; it printed:\n" + seen);
            ProcessHandle broker = ProcessHandle.of(brokerPid).orElseThrow();
            assertTrue(broker.isAlive());

            parent.destroyForcibly(); // SIGKILL: no shutdown hook runs in the parent
            assertTrue(parent.waitFor(10, TimeUnit.SECONDS));
            broker.onExit().get(20, TimeUnit.SECONDS);
            assertFalse(broker.isAlive(), "the orphaned broker halted by itself");
        } finally {
            parent.destroyForcibly();
            if (brokerPid > 0) {
                ProcessHandle.of(brokerPid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }
}
