package dev.skein.testkit.internal;

import org.junit.jupiter.api.Test;

import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FreePortsTest {

    /** Distinct, below the ephemeral range (no outgoing connection takes them), and claimed against other JVMs. */
    @Test
    void portsAreDistinctBelowTheEphemeralRangeAndStayClaimed() throws Exception {
        Set<Integer> seen = new HashSet<>();
        for (int round = 0; round < 20; round++) {
            for (int port : FreePorts.take(8)) {
                assertTrue(seen.add(port), "port " + port + " handed out twice");
            }
        }
        String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
        int ephemeralLow = Integer.parseInt(range[0]);
        assertTrue(seen.stream().allMatch(p -> p < ephemeralLow), "below the ephemeral range " + ephemeralLow + ": " + seen);
        int one = seen.iterator().next();
        Path lock = Path.of(System.getProperty("java.io.tmpdir"), "skein-testkit-ports", one + ".lock");
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE)) {
            assertThrows(OverlappingFileLockException.class, channel::tryLock, "the claim on " + one + " is held");
        }
    }
}
