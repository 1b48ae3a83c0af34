package dev.skein.core.internal.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on 127.0.0.1 to {@code host:port} that closes the first {@code closing} connections it
 * accepts at once, before a byte passes (a docker-proxy or sidecar whose upstream is not ready), and
 * forwards the later ones. Notes when it accepted each. Blocking sockets on daemon threads; a test tool.
 */
public final class ClosingForwarder implements AutoCloseable {
    private final ServerSocket server;
    private final List<Long> acceptedAtNanos = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    public ClosingForwarder(String host, int port, int closing) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        daemon(() -> {
            while (!server.isClosed()) {
                try {
                    Socket in = server.accept();
                    acceptedAtNanos.add(System.nanoTime());
                    if (acceptedAtNanos.size() <= closing) {
                        in.close();
                        continue;
                    }
                    Socket out = new Socket(host, port);
                    open.add(in);
                    open.add(out);
                    daemon(() -> pipe(in, out));
                    daemon(() -> pipe(out, in));
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
    }

    private static void daemon(Runnable r) {
        Thread t = new Thread(r, "closing-forwarder");
        t.setDaemon(true);
        t.start();
    }

    private static void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed: the other pipe or close() ends the rest
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    public int accepted() {
        return acceptedAtNanos.size();
    }

    /** {@link System#nanoTime()} at each connection accepted, in order. */
    public List<Long> acceptedAtNanos() {
        return List.copyOf(acceptedAtNanos);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
