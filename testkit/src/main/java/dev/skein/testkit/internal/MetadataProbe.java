package dev.skein.testkit.internal;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks one broker for cluster metadata with a hand-encoded Metadata v8 request (the highest
 * version before flexible encoding), so that testkit can tell when a broker serves clients
 * without depending on any Kafka client library. Only the broker list is decoded.
 */
public final class MetadataProbe {
    private static final short METADATA = 3;
    private static final short VERSION = 8;
    private static final int MAX_RESPONSE = 16 * 1024 * 1024;

    private MetadataProbe() {}

    /** Returns the node ids of the brokers that {@code host:port} reports, or throws. */
    public static List<Integer> brokerIds(String host, int port, int timeoutMillis) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] clientId = "skein-testkit".getBytes(StandardCharsets.UTF_8);
            int size = 2 + 2 + 4 + 2 + clientId.length + 4 + 1 + 1 + 1;
            out.writeInt(size);
            out.writeShort(METADATA);
            out.writeShort(VERSION);
            out.writeInt(1); // correlation id
            out.writeShort(clientId.length);
            out.write(clientId);
            out.writeInt(0); // topics: none, just the brokers
            out.writeByte(0); // allow_auto_topic_creation
            out.writeByte(0); // include_cluster_authorized_operations
            out.writeByte(0); // include_topic_authorized_operations
            out.flush();

            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = in.readInt();
            if (length < 12 || length > MAX_RESPONSE) {
                throw new IOException("implausible Metadata response length " + length);
            }
            byte[] body = new byte[length];
            in.readFully(body);
            ByteBuffer buf = ByteBuffer.wrap(body);
            buf.getInt(); // correlation id
            buf.getInt(); // throttle_time_ms
            int brokers = buf.getInt();
            List<Integer> ids = new ArrayList<>(Math.max(0, brokers));
            for (int i = 0; i < brokers; i++) {
                ids.add(buf.getInt());
                skipString(buf); // host
                buf.getInt(); // port
                skipString(buf); // rack (nullable)
            }
            return ids;
        } catch (BufferUnderflowException e) {
            throw new IOException("truncated Metadata response", e);
        }
    }

    private static void skipString(ByteBuffer buf) {
        short len = buf.getShort();
        if (len > 0) {
            buf.position(buf.position() + len);
        }
    }
}
