package dev.skein.core.internal.security;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.security.Secret;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client's SCRAM exchange against a small fake server that can be made to lie. */
class ScramExchangeTest {
    private static final String PASSWORD = "pencil-Secret-1";

    /** The server's side of RFC 5802, holding a user's salted credentials; its knobs break one rule each. */
    static final class FakeServer {
        final Scram scram;
        final byte[] salt = new byte[16];
        int iterations = 4096;
        boolean extendNonce = true;
        boolean wrongSignature;
        private String clientFirstBare;
        private String serverFirst;
        private byte[] saltedPassword;

        FakeServer(Scram scram, String password) {
            this.scram = scram;
            new SecureRandom().nextBytes(salt);
            this.saltedPassword = scram.hi(password, salt, 4096);
        }

        byte[] first(byte[] clientFirst) {
            String m = new String(clientFirst, StandardCharsets.UTF_8);
            assertTrue(m.startsWith("n,,"), "no channel binding: " + m);
            clientFirstBare = m.substring(3);
            String clientNonce = attrs(clientFirstBare).get("r");
            assertTrue(Base64.getUrlDecoder().decode(clientNonce).length >= 24, "the client nonce is long and random");
            String nonce = (extendNonce ? clientNonce : "someone-else") + "srv" + System.nanoTime();
            serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(salt) + ",i=" + iterations;
            return serverFirst.getBytes(StandardCharsets.UTF_8);
        }

        byte[] last(byte[] clientFinal) {
            String m = new String(clientFinal, StandardCharsets.UTF_8);
            String withoutProof = m.substring(0, m.indexOf(",p="));
            byte[] proof = Base64.getDecoder().decode(attrs(m).get("p"));
            byte[] auth = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
            byte[] storedKey = scram.hash(scram.hmac(saltedPassword, "Client Key".getBytes(StandardCharsets.US_ASCII)));
            byte[] signature = scram.hmac(storedKey, auth);
            byte[] clientKey = new byte[proof.length];
            for (int i = 0; i < proof.length; i++) {
                clientKey[i] = (byte) (proof[i] ^ signature[i]);
            }
            if (!MessageDigest.isEqual(scram.hash(clientKey), storedKey)) {
                return "e=invalid-proof".getBytes(StandardCharsets.UTF_8);
            }
            byte[] serverKey = scram.hmac(saltedPassword, "Server Key".getBytes(StandardCharsets.US_ASCII));
            byte[] serverSignature = scram.hmac(serverKey, auth);
            if (wrongSignature) {
                serverSignature[0] ^= 1;
            }
            return ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8);
        }

        static Map<String, String> attrs(String m) {
            Map<String, String> out = new HashMap<>();
            for (String part : m.split(",")) {
                out.put(part.substring(0, 1), part.substring(2));
            }
            return out;
        }
    }

    private static ScramExchange client(Scram scram, String password) {
        return new ScramExchange(scram, "user", Secret.of(password), new SecureRandom());
    }

    @Test
    void aDelegationTokenLoginSendsTokenauthAfterTheNonceAndSignsIt() {
        FakeServer server = new FakeServer(Scram.SHA_256, PASSWORD);
        ScramExchange c = new ScramExchange(Scram.SHA_256, "token-id", Secret.of(PASSWORD), Map.of("tokenauth", "true"),
                new SecureRandom());
        String first = new String(c.initialResponse().join(), StandardCharsets.UTF_8);
        assertTrue(first.matches("n,,n=token-id,r=[A-Za-z0-9_-]+,tokenauth=true"), first);
        byte[] clientFinal = c.evaluate(server.first(first.getBytes(StandardCharsets.UTF_8)));
        assertNull(c.evaluate(server.last(clientFinal)), "the proof covers the first message with its extension");
        assertTrue(c.isComplete());
    }

    @Test
    void completesAgainstAnHonestServer() {
        for (Scram scram : Scram.values()) {
            FakeServer server = new FakeServer(scram, PASSWORD);
            ScramExchange c = client(scram, PASSWORD);
            byte[] clientFinal = c.evaluate(server.first(c.initialResponse().join()));
            assertFalse(c.isComplete());
            assertNull(c.evaluate(server.last(clientFinal)));
            assertTrue(c.isComplete(), scram + " completes");
        }
    }

    @Test
    void aNonceThatDoesNotExtendTheClientsIsRejected() {
        FakeServer server = new FakeServer(Scram.SHA_256, PASSWORD);
        server.extendNonce = false;
        ScramExchange c = client(Scram.SHA_256, PASSWORD);
        byte[] serverFirst = server.first(c.initialResponse().join());
        AuthenticationException e = assertThrows(AuthenticationException.class, () -> c.evaluate(serverFirst));
        assertTrue(e.getMessage().contains("nonce"), e.getMessage());
        assertFalse(e.getMessage().contains(PASSWORD));
    }

    @Test
    void aWrongServerSignatureIsRejected() {
        FakeServer server = new FakeServer(Scram.SHA_512, PASSWORD);
        server.wrongSignature = true;
        ScramExchange c = client(Scram.SHA_512, PASSWORD);
        byte[] clientFinal = c.evaluate(server.first(c.initialResponse().join()));
        byte[] serverFinal = server.last(clientFinal);
        AuthenticationException e = assertThrows(AuthenticationException.class, () -> c.evaluate(serverFinal));
        assertTrue(e.getMessage().contains("signature"), e.getMessage());
        assertFalse(c.isComplete());
    }

    @Test
    void tooFewIterationsAreRejected() {
        FakeServer server = new FakeServer(Scram.SHA_256, PASSWORD);
        server.iterations = 1024;
        ScramExchange c = client(Scram.SHA_256, PASSWORD);
        byte[] serverFirst = server.first(c.initialResponse().join());
        AuthenticationException e = assertThrows(AuthenticationException.class, () -> c.evaluate(serverFirst));
        assertTrue(e.getMessage().contains("1024 iterations"), e.getMessage());
    }

    @Test
    void aHostileIterationCountIsRefusedBeforeAnyHashing() {
        // RFC 5802 section 9: a hostile server can make a client spend its CPU on a huge iteration count.
        // PBKDF2 cannot be interrupted and runs on the connection's event loop: 2^31-1 rounds of
        // HMAC-SHA-512 would hold it for hours. Kafka creates no credential over 16384 iterations.
        FakeServer server = new FakeServer(Scram.SHA_512, PASSWORD);
        server.iterations = Integer.MAX_VALUE;
        ScramExchange c = client(Scram.SHA_512, PASSWORD);
        byte[] serverFirst = server.first(c.initialResponse().join());
        AuthenticationException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(AuthenticationException.class, () -> c.evaluate(serverFirst)));
        assertTrue(e.getMessage().contains(Integer.MAX_VALUE + " iterations"), e.getMessage());
    }

    @Test
    void kafkasLargestIterationCountIsAccepted() {
        FakeServer server = new FakeServer(Scram.SHA_256, PASSWORD);
        server.iterations = Scram.MAX_ITERATIONS;
        ScramExchange c = client(Scram.SHA_256, PASSWORD);
        assertTrue(c.evaluate(server.first(c.initialResponse().join())).length > 0);
    }

    @Test
    void aMandatoryExtensionTheClientDoesNotKnowIsRefused() {
        // RFC 5802 section 5.1: "m" names an extension the client must understand, or fail.
        ScramExchange c = client(Scram.SHA_256, PASSWORD);
        String clientFirst = new String(c.initialResponse().join(), StandardCharsets.UTF_8);
        String nonce = FakeServer.attrs(clientFirst.substring(3)).get("r") + "srv";
        byte[] serverFirst = ("m=channel-binding-required,r=" + nonce + ",s=c2FsdA==,i=4096").getBytes(StandardCharsets.UTF_8);
        AuthenticationException e = assertThrows(AuthenticationException.class, () -> c.evaluate(serverFirst));
        assertTrue(e.getMessage().contains("mandatory extension"), e.getMessage());
    }

    @Test
    void aServerErrorIsReportedWithoutThePassword() {
        FakeServer server = new FakeServer(Scram.SHA_256, "the-real-password");
        ScramExchange c = client(Scram.SHA_256, PASSWORD);
        byte[] clientFinal = c.evaluate(server.first(c.initialResponse().join()));
        AuthenticationException e = assertThrows(AuthenticationException.class, () -> c.evaluate(server.last(clientFinal)));
        assertTrue(e.getMessage().contains("invalid-proof"), e.getMessage());
        assertFalse(e.getMessage().contains(PASSWORD));
    }

    @Test
    void userNamesAreEscaped() {
        assertEquals("a=3Db=2Cc", ScramExchange.saslName("a=b,c"));
    }
}
