package dev.skein.testkit.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks ports on 127.0.0.1 for brokers to bind later, all distinct, and safe from two races:
 * <ul>
 *   <li>Another test JVM picking the same port before our broker binds it (Maven forks running
 *       side by side): a port is claimed by an exclusive lock on a file named after it in
 *       {@code ${java.io.tmpdir}/skein-testkit-ports}, held until this JVM exits (the OS releases it
 *       then, however the JVM ends), and never handed out twice by one JVM.</li>
 *   <li>An outgoing connection taking the port as its source port meanwhile: the ports come from
 *       below the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}), which outgoing
 *       connections never use.</li>
 * </ul>
 * Where neither the lock directory nor a range below the ephemeral one is available, it falls back to
 * ports the kernel picks (free now, not reserved).
 */
public final class FreePorts {
    private static final int LOW = 15_000;
    private static final Path LOCKS = Path.of(System.getProperty("java.io.tmpdir"), "skein-testkit-ports");
    /** The claims of this JVM: open channels whose locks stand until it exits. */
    private static final List<FileChannel> CLAIMED = new ArrayList<>();
    private static final int HIGH = ephemeralLow() - 1;
    private static int next = HIGH > LOW ? LOW + ThreadLocalRandom.current().nextInt(HIGH - LOW) : -1;

    private FreePorts() {}

    public static synchronized int[] take(int count) {
        if (next < 0 || !lockDirectory()) {
            return kernelPicked(count);
        }
        int[] ports = new int[count];
        int range = HIGH - LOW + 1;
        for (int i = 0; i < count; i++) {
            ports[i] = -1;
            for (int tried = 0; tried < range && ports[i] < 0; tried++) {
                int port = next;
                next = next >= HIGH ? LOW : next + 1;
                if (claim(port)) {
                    ports[i] = port;
                }
            }
            if (ports[i] < 0) {
                throw new IllegalStateException("no free port left in " + LOW + ".." + HIGH + " on 127.0.0.1");
            }
        }
        return ports;
    }

    /** Locks the port's file (kept for this JVM's life) if no JVM holds it and the port can be bound now. */
    private static boolean claim(int port) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(LOCKS.resolve(port + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null || !bindable(port)) {
                channel.close();
                return false;
            }
            CLAIMED.add(channel);
            return true;
        } catch (OverlappingFileLockException e) {
            close(channel); // this JVM holds it already
            return false;
        } catch (IOException e) {
            close(channel);
            return false;
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean lockDirectory() {
        try {
            Files.createDirectories(LOCKS);
            return Files.isWritable(LOCKS);
        } catch (IOException e) {
            return false;
        }
    }

    /** The low end of the ephemeral range (Linux); 32768 when it cannot be read. */
    private static int ephemeralLow() {
        try {
            // procfs files report no size: read them as a stream, not by size
            String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim().split("\\s+");
            return Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }

    private static void close(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was claimed through it
            }
        }
    }

    /** Ports free now that the kernel picks (the fallback: not reserved against other JVMs). */
    private static int[] kernelPicked(int count) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                // Holding every socket until all are picked keeps the ports distinct.
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                socket.setReuseAddress(true);
                held.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        } finally {
            for (ServerSocket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // Closing a listening socket that was never used cannot lose anything.
                }
            }
        }
    }
}
