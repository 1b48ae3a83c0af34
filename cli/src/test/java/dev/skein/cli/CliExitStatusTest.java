package dev.skein.cli;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.errors.ConfigException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exit status 2 means a bad command line, found before any work starts; a failure during the run is 1,
 * whatever its exception type. The command-line cases run against a port nothing listens on: a usage
 * error must be reported without reaching for a cluster.
 */
class CliExitStatusTest {

    @Test
    void anIllegalArgumentExceptionThrownDuringTheRunIsARunTimeFailure() {
        assertEquals(Cli.FAILED, Cli.exitStatus(new IllegalArgumentException("partition 3 does not exist: t has 2 partitions")),
                "thrown by a client call or a serializer, not by the command line");
        assertEquals(Cli.FAILED, Cli.exitStatus(new CompletionException(new IllegalArgumentException("bad"))));
        assertEquals(Cli.FAILED, Cli.exitStatus(new CliException("topic t does not exist")));
    }

    @Test
    void usageErrorsAndRefusedPropertiesExit2AndAuthenticationFailuresExit3() {
        assertEquals(Cli.USAGE, Cli.exitStatus(new UsageException("--acks must be 0, 1 or all, was 7")));
        assertEquals(Cli.USAGE, Cli.exitStatus(new ConfigException("linger.ms", "not a number: soon")),
                "a client builder refusing a -X/--config property");
        assertEquals(Cli.AUTHENTICATION, Cli.exitStatus(new CliException("refused",
                new AuthenticationException("SASL authentication failed", (Throwable) null))));
    }

    @Test
    void badCommandLinesExit2BeforeReachingForTheCluster() throws IOException {
        String nowhere = "127.0.0.1:" + freePort();
        assertUsage(nowhere, "unknown option", "consume", "--topic", "t", "--no-such-option");
        assertUsage(nowhere, "--acks", "produce", "--topic", "t", "--acks", "7");
        assertUsage(nowhere, "--offset needs --partition", "consume", "--topic", "t", "--offset", "3");
        assertUsage(nowhere, "--offset", "consume", "--topic", "t", "--partition", "0", "--offset", "-1");
        assertUsage(nowhere, "--max-messages", "consume", "--topic", "t", "--max-messages", "0");
        assertUsage(nowhere, "--type", "groups", "list", "--type", "bogus");
        assertUsage(nowhere, "--to-datetime", "groups", "reset-offsets", "--group", "g", "--topic", "t",
                "--to-datetime", "yesterday");
        assertUsage(nowhere, "--by-duration", "groups", "reset-offsets", "--group", "g", "--topic", "t",
                "--by-duration", "1h");
        assertUsage(nowhere, "--by-duration", "groups", "reset-offsets", "--group", "g", "--topic", "t",
                "--by-duration", "-PT1H");
        assertUsage(nowhere, "--delivery", "copy", "--from", "a", "--to", "b", "--group", "g", "--delivery", "twice");
        assertUsage(nowhere, "--records", "perf", "produce", "--topic", "t", "--records", "0", "--record-size", "10");
        assertUsage(nowhere, "--config", "topics", "list", "--config", "/no/such/file.properties");
    }

    private static void assertUsage(String bootstrap, String named, String... args) {
        List<String> all = new ArrayList<>(List.of("--bootstrap", bootstrap, "-X", "default.api.timeout.ms=2000",
                "-X", "request.timeout.ms=1000"));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Cli.run(all.toArray(String[]::new), new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(Cli.USAGE, exit, String.join(" ", args) + ": " + stderr);
        assertTrue(stderr.startsWith("skein: ") && stderr.toLowerCase().contains(named.toLowerCase()),
                String.join(" ", args) + ": " + stderr);
        assertEquals(1, stderr.lines().count(), stderr);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
