package dev.skein.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad command lines of {@code cluster}, {@code configs} and {@code transactions} exit 2 with one line on
 * stderr naming the bad argument, found before any call to a cluster: they run against a port nothing
 * listens on, where a call would fail with exit 1 instead.
 */
class AdminCommandsUsageTest {

    @Test
    void badFeatureUpdatesNameTheArgument() throws IOException {
        assertUsage("'share.version'", "cluster", "features", "upgrade", "share.version");
        assertUsage("'=1'", "cluster", "features", "upgrade", "=1");
        assertUsage("'share.version=one'", "cluster", "features", "upgrade", "share.version=one");
        assertUsage("'share.version=40000'", "cluster", "features", "upgrade", "share.version=40000");
        assertUsage("'share.version=-1'", "cluster", "features", "downgrade", "share.version=-1");
        assertUsage("level 0 removes a feature", "cluster", "features", "upgrade", "share.version=0");
        assertUsage("named twice", "cluster", "features", "upgrade", "share.version=1", "share.version=1");
        assertUsage("NAME=LEVEL", "cluster", "features", "upgrade");
        assertUsage("--unsafe", "cluster", "features", "upgrade", "share.version=1", "--unsafe");
        assertUsage("--broker", "cluster", "log-dirs", "--broker", "one");
        assertUsage("--broker -1", "cluster", "log-dirs", "--broker", "-1");
        assertUsage("a command is required", "cluster");
    }

    @Test
    void configsNeedExactlyOneResourceAndWellFormedChanges() throws IOException {
        assertUsage("--topic", "configs", "describe");
        assertUsage("mutually exclusive", "configs", "describe", "--topic", "t", "--broker", "1");
        assertUsage("--broker", "configs", "describe", "--broker", "one");
        assertUsage("--broker -3", "configs", "describe", "--broker", "-3");
        assertUsage("nothing to change", "configs", "alter", "--topic", "t");
        assertUsage("--set retention.ms", "configs", "alter", "--topic", "t", "--set", "retention.ms");
        assertUsage("--set =5", "configs", "alter", "--topic", "t", "--set", "=5");
        assertUsage("--delete retention.ms=5", "configs", "alter", "--topic", "t", "--delete", "retention.ms=5");
        assertUsage("changed twice", "configs", "alter", "--topic", "t", "--set", "retention.ms=1", "--delete", "retention.ms");
        String twice = assertUsage("ssl.keystore.password is changed twice", "configs", "alter", "--broker", "1",
                "--set", "ssl.keystore.password=x", "--set", "ssl.keystore.password=hunter2");
        assertFalse(twice.contains("hunter2"), "a value may be a secret: " + twice);
    }

    @Test
    void transactionsRefuseMalformedPartitionsAndAbortTargets() throws IOException {
        assertUsage("'orders'", "transactions", "producers", "orders");
        assertUsage("'orders:x'", "transactions", "producers", "orders:0", "orders:x");
        assertUsage("'orders:-1'", "transactions", "producers", "orders:-1");
        assertUsage("':0'", "transactions", "producers", ":0");
        assertUsage("ID", "transactions", "describe");
        assertUsage("ID", "transactions", "fence");
        assertUsage("--start-offset", "transactions", "abort", "orders:0");
        assertUsage("mutually exclusive", "transactions", "abort", "orders:0", "--start-offset", "3", "--producer-id", "1",
                "--producer-epoch", "0", "--coordinator-epoch", "0");
        assertUsage("--coordinator-epoch", "transactions", "abort", "orders:0", "--producer-id", "1", "--producer-epoch", "0");
        assertUsage("--start-offset -2", "transactions", "abort", "orders:0", "--start-offset", "-2");
        assertUsage("'orders'", "transactions", "abort", "orders", "--start-offset", "2");
    }

    @Test
    void helpListsTheNewCommands() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = Cli.run(new String[] {"--help"}, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
        assertEquals(Cli.OK, exit);
        String help = out.toString(StandardCharsets.UTF_8);
        for (String command : List.of("cluster", "configs", "transactions")) {
            assertTrue(help.contains(command), help);
        }
    }

    private static String assertUsage(String named, String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of("--bootstrap", "127.0.0.1:" + freePort(), "-X", "default.api.timeout.ms=2000",
                "-X", "request.timeout.ms=1000"));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Cli.run(all.toArray(String[]::new), new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(Cli.USAGE, exit, String.join(" ", args) + ": " + stderr);
        assertTrue(stderr.startsWith("skein: ") && stderr.contains(named), String.join(" ", args) + ": " + stderr);
        assertEquals(1, stderr.lines().count(), stderr);
        assertEquals("", out.toString(StandardCharsets.UTF_8), "nothing on stdout");
        return stderr;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
