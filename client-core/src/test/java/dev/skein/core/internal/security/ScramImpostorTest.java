package dev.skein.core.internal.security;

import dev.skein.core.ClientOptions;
import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.internal.ClusterClient;
import dev.skein.core.internal.security.ScramExchangeTest.FakeServer;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.ApiVersionsResponse;
import dev.skein.core.message.RequestHeader;
import dev.skein.core.message.ResponseHeader;
import dev.skein.core.message.SaslAuthenticateRequest;
import dev.skein.core.message.SaslAuthenticateResponse;
import dev.skein.core.message.SaslHandshakeResponse;
import dev.skein.core.security.SaslCredentials;
import dev.skein.core.security.Secret;
import dev.skein.core.security.SecurityProtocol;
import dev.skein.testkit.Await;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client over a real socket to a server that pretends to be a broker and lies in its SCRAM
 * exchange: the client refuses it, each time it connects (after its backoff), and sends it nothing but
 * the authentication requests.
 * (A real broker never lies, so this is the one place a fake stands in; {@link ScramExchangeTest}
 * covers the exchange's rules one by one.)
 */
class ScramImpostorTest {
    private static final String PASSWORD = "impostor-Test-Secret";

    @Test
    void aServerNonceThatDoesNotExtendTheClientsEndsTheConnection() throws Exception {
        List<ApiKey> seen = refusedBy(s -> s.extendNonce = false, "nonce");
        assertEquals(List.of(ApiKey.API_VERSIONS, ApiKey.SASL_HANDSHAKE, ApiKey.SASL_AUTHENTICATE), seen.subList(0, 3));
    }

    @Test
    void aServerThatCannotProveItKnowsThePasswordGetsNoRequest() throws Exception {
        // The impostor checked the client's proof and answers with a signature it could not have made:
        // the client must not go on to send it metadata requests, records or commits.
        List<ApiKey> seen = refusedBy(s -> s.wrongSignature = true, "signature");
        assertEquals(List.of(ApiKey.API_VERSIONS, ApiKey.SASL_HANDSHAKE, ApiKey.SASL_AUTHENTICATE,
                ApiKey.SASL_AUTHENTICATE), seen.subList(0, 4));
    }

    @Test
    void tooFewIterationsEndTheConnectionBeforeAProofIsSent() throws Exception {
        List<ApiKey> seen = refusedBy(s -> s.iterations = 1024, "1024 iterations");
        assertEquals(List.of(ApiKey.API_VERSIONS, ApiKey.SASL_HANDSHAKE, ApiKey.SASL_AUTHENTICATE), seen.subList(0, 3));
    }

    /**
     * A broker that offers no SaslAuthenticate (older than Kafka 1.0, KIP-152, or a proxy that hides it):
     * the client says so at once. The error was thrown inside a future's callback and lost, and the
     * connection waited out its setup timeout, then tried again and again with "not ready".
     */
    @Test
    void aBrokerWithoutSaslAuthenticateIsNamedPromptly() throws Exception {
        try (Impostor impostor = new Impostor(new FakeServer(Scram.SHA_256, PASSWORD))) {
            impostor.offerSaslAuthenticate = false;
            ClientOptions options = ClientOptions.builder().bootstrapServers("127.0.0.1:" + impostor.port())
                    .securityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                    .sasl(SaslCredentials.scramSha256("user", Secret.of(PASSWORD)))
                    .connectTimeout(Duration.ofSeconds(10)).build();
            try (ClusterClient client = ClusterClient.start(options, null)) {
                long start = System.nanoTime();
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> client.awaitReady(Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS));
                Throwable cause = e.getCause();
                assertTrue(String.valueOf(cause.getMessage()).contains("SaslAuthenticate"), cause::toString);
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "promptly, not after the setup timeout");
            }
        }
    }

    /** Connects to an impostor set up by {@code lie}; returns the requests it received, in order. */
    private static List<ApiKey> refusedBy(Consumer<FakeServer> lie, String reason) throws Exception {
        FakeServer scram = new FakeServer(Scram.SHA_256, PASSWORD);
        lie.accept(scram);
        try (Impostor impostor = new Impostor(scram)) {
            ClientOptions options = ClientOptions.builder().bootstrapServers("127.0.0.1:" + impostor.port())
                    .securityProtocol(SecurityProtocol.SASL_PLAINTEXT)
                    .sasl(SaslCredentials.scramSha256("user", Secret.of(PASSWORD)))
                    .connectTimeout(Duration.ofSeconds(10)).build();
            try (ClusterClient client = ClusterClient.start(options, null)) {
                ExecutionException e = assertThrows(ExecutionException.class,
                        () -> client.awaitReady(Duration.ofSeconds(20)).get(30, TimeUnit.SECONDS));
                AuthenticationException a = assertInstanceOf(AuthenticationException.class, e.getCause(), e::toString);
                assertTrue(a.getMessage().contains(reason), a.getMessage());
                assertFalse(a.getMessage().contains(PASSWORD));
                assertFalse(a.isRetriable(), "not retried within the call that met it");
                // Not final for the client: it connects again, but only after its backoff, and is refused
                // each time (reconnect.backoff.ms 50 ms, then 100, +/-20%: the third connection comes
                // 120 ms at least after the first was refused).
                long refusedAt = System.nanoTime();
                Await.until("the client connects again after its backoff", Duration.ofSeconds(10),
                        () -> impostor.connections >= 3);
                assertTrue(System.nanoTime() - refusedAt >= TimeUnit.MILLISECONDS.toNanos(100),
                        "backed off between attempts, no reconnect storm");
                impostor.awaitDisconnect();
            }
            List<ApiKey> seen = List.copyOf(impostor.received);
            assertTrue(seen.stream().allMatch(k -> k == ApiKey.API_VERSIONS || k == ApiKey.SASL_HANDSHAKE
                    || k == ApiKey.SASL_AUTHENTICATE), "nothing but authentication, on every connection: " + seen);
            return seen;
        }
    }

    /**
     * A server socket that answers ApiVersions, SaslHandshake and SaslAuthenticate (through a
     * {@link FakeServer}) and records every request; anything else it records and leaves unanswered.
     */
    static final class Impostor implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        private final FakeServer scram;
        private final Thread thread;
        final List<ApiKey> received = new CopyOnWriteArrayList<>();
        volatile int connections;
        volatile boolean offerSaslAuthenticate = true;
        private volatile boolean disconnected;

        Impostor(FakeServer scram) throws IOException {
            this.scram = scram;
            this.thread = new Thread(this::serve, "scram-impostor");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket s = socket.accept()) {
                    connections++;
                    session(s);
                } catch (IOException e) {
                    // the socket closed: by the client (the end of a session) or by close()
                } finally {
                    disconnected = true;
                }
            }
        }

        private void session(Socket s) throws IOException {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            boolean firstRound = true;
            while (true) {
                byte[] frame;
                try {
                    frame = new byte[in.readInt()];
                    in.readFully(frame);
                } catch (EOFException closed) {
                    return;
                }
                ByteBuf request = Unpooled.wrappedBuffer(frame);
                ApiKey api = ApiKey.forId(request.getShort(0));
                short version = request.getShort(2);
                RequestHeader header = RequestHeader.read(request, api.requestHeaderVersion(version));
                received.add(api);
                ApiMessage response;
                switch (api) {
                    case API_VERSIONS -> response = new ApiVersionsResponse().setApiKeys(offerSaslAuthenticate
                            ? List.of(supports(ApiKey.API_VERSIONS, 3), supports(ApiKey.SASL_HANDSHAKE, 1),
                                    supports(ApiKey.SASL_AUTHENTICATE, 2), supports(ApiKey.METADATA, 12))
                            : List.of(supports(ApiKey.API_VERSIONS, 3), supports(ApiKey.SASL_HANDSHAKE, 1),
                                    supports(ApiKey.METADATA, 12)));
                    case SASL_HANDSHAKE -> response = new SaslHandshakeResponse().setMechanisms(List.of(scram.scram.mechanism()));
                    case SASL_AUTHENTICATE -> {
                        byte[] message = SaslAuthenticateRequest.read(request, version).authBytes();
                        response = new SaslAuthenticateResponse()
                                .setAuthBytes(firstRound ? scram.first(message) : scram.last(message));
                        firstRound = false;
                    }
                    default -> {
                        continue; // an impostor the client believed: recorded, and left waiting
                    }
                }
                ByteBuf buf = Unpooled.buffer();
                buf.writeInt(0);
                new ResponseHeader().setCorrelationId(header.correlationId()).write(buf, api.responseHeaderVersion(version));
                response.write(buf, version);
                buf.setInt(0, buf.writerIndex() - 4);
                out.write(ByteBufUtil.getBytes(buf));
                out.flush();
            }
        }

        private static ApiVersionsResponse.ApiVersion supports(ApiKey api, int max) {
            return new ApiVersionsResponse.ApiVersion().setApiKey(api.id()).setMinVersion((short) 0).setMaxVersion((short) max);
        }

        /** Waits (at most 10 s) until the client has closed its connection. */
        void awaitDisconnect() {
            Await.until("the client closed the connection", Duration.ofSeconds(10), () -> disconnected);
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
    }
}
