package dev.skein.core.internal.security;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.security.Secret;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * SCRAM (RFC 5802, RFC 7677) as Kafka runs it: no channel binding ({@code n,,}), a client nonce of
 * 32 random bytes from a secure source. The server's first message is refused when its nonce does
 * not extend the client's, when it requires a mandatory extension ({@code m=}), or when its iteration
 * count is outside Kafka's 4096-16384 (a larger one is a hostile server's way to hold the event loop
 * that computes it, RFC 5802 section 9); its final message is refused unless
 * it carries the server signature the password implies. Error messages never quote the password.
 * Extensions (a delegation token's {@code tokenauth=true}, KIP-48) follow the nonce in the client's
 * first message, as RFC 5802's grammar places them and Kafka's broker reads them.
 */
public final class ScramExchange implements SaslExchange {
    private enum State { SEND_FIRST, RECEIVE_FIRST, RECEIVE_FINAL, COMPLETE }

    private final Scram scram;
    private final String username;
    private final Secret password;
    private final String clientNonce;
    private final Map<String, String> extensions;
    private State state = State.SEND_FIRST;
    private String clientFirstBare;
    private byte[] expectedServerSignature;

    public ScramExchange(Scram scram, String username, Secret password, SecureRandom random) {
        this(scram, username, password, Map.of(), random);
    }

    public ScramExchange(Scram scram, String username, Secret password, Map<String, String> extensions,
                         SecureRandom random) {
        this.scram = scram;
        this.extensions = extensions;
        this.username = username;
        this.password = password;
        byte[] nonce = new byte[32];
        random.nextBytes(nonce);
        this.clientNonce = Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
    }

    @Override
    public CompletableFuture<byte[]> initialResponse() {
        StringBuilder bare = new StringBuilder("n=").append(saslName(username)).append(",r=").append(clientNonce);
        extensions.forEach((key, value) -> bare.append(',').append(key).append('=').append(value));
        clientFirstBare = bare.toString();
        state = State.RECEIVE_FIRST;
        return CompletableFuture.completedFuture(("n,," + clientFirstBare).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] evaluate(byte[] challenge) {
        String message = new String(challenge == null ? new byte[0] : challenge, StandardCharsets.UTF_8);
        switch (state) {
            case RECEIVE_FIRST:
                return clientFinal(message);
            case RECEIVE_FINAL:
                verifyServerFinal(message);
                state = State.COMPLETE;
                return null;
            default:
                throw fail("the server sent a message after the exchange ended");
        }
    }

    @Override
    public boolean isComplete() {
        return state == State.COMPLETE;
    }

    private byte[] clientFinal(String serverFirst) {
        if (serverFirst.startsWith("m=")) {
            throw fail("the server requires a mandatory extension the client does not support");
        }
        Map<String, String> a = attributes(serverFirst);
        String nonce = a.get("r");
        if (nonce == null || !nonce.startsWith(clientNonce) || nonce.length() == clientNonce.length()) {
            throw fail("the server's nonce does not extend the client's");
        }
        byte[] salt;
        int iterations;
        try {
            salt = Base64.getDecoder().decode(a.getOrDefault("s", ""));
            iterations = Integer.parseInt(a.getOrDefault("i", ""));
        } catch (IllegalArgumentException e) {
            throw fail("the server's first message has no valid salt and iteration count");
        }
        if (salt.length == 0) {
            throw fail("the server sent an empty salt");
        }
        if (iterations < Scram.MIN_ITERATIONS) {
            throw fail("the server asks for " + iterations + " iterations, fewer than the minimum of "
                    + Scram.MIN_ITERATIONS);
        }
        if (iterations > Scram.MAX_ITERATIONS) {
            // RFC 5802 section 9: a hostile server's huge count would hold this event loop for hours.
            throw fail("the server asks for " + iterations + " iterations, more than Kafka's maximum of "
                    + Scram.MAX_ITERATIONS);
        }
        String withoutProof = "c=biws,r=" + nonce; // biws = base64("n,,")
        String authMessage = clientFirstBare + "," + serverFirst + "," + withoutProof;
        byte[] auth = authMessage.getBytes(StandardCharsets.UTF_8);
        byte[] salted = scram.hi(password.reveal(), salt, iterations);
        byte[] clientKey = scram.hmac(salted, "Client Key".getBytes(StandardCharsets.US_ASCII));
        byte[] storedKey = scram.hash(clientKey);
        byte[] signature = scram.hmac(storedKey, auth);
        byte[] proof = new byte[clientKey.length];
        for (int i = 0; i < proof.length; i++) {
            proof[i] = (byte) (clientKey[i] ^ signature[i]);
        }
        byte[] serverKey = scram.hmac(salted, "Server Key".getBytes(StandardCharsets.US_ASCII));
        expectedServerSignature = scram.hmac(serverKey, auth);
        state = State.RECEIVE_FINAL;
        return (withoutProof + ",p=" + Base64.getEncoder().encodeToString(proof)).getBytes(StandardCharsets.UTF_8);
    }

    private void verifyServerFinal(String serverFinal) {
        Map<String, String> a = attributes(serverFinal);
        if (a.containsKey("e")) {
            throw fail("the server reported " + a.get("e"));
        }
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(a.getOrDefault("v", ""));
        } catch (IllegalArgumentException e) {
            throw fail("the server's final message has no valid signature");
        }
        if (!MessageDigest.isEqual(signature, expectedServerSignature)) {
            throw fail("the server's signature is wrong: it does not know this user's credentials");
        }
    }

    private AuthenticationException fail(String why) {
        return new AuthenticationException(scram.mechanism() + " authentication of " + username + " failed: " + why,
                (Throwable) null);
    }

    /** RFC 5802 saslname: '=' and ',' escaped. */
    static String saslName(String user) {
        return user.replace("=", "=3D").replace(",", "=2C");
    }

    private static Map<String, String> attributes(String message) {
        Map<String, String> out = new HashMap<>();
        for (String part : message.split(",")) {
            int eq = part.indexOf('=');
            if (eq == 1) {
                out.putIfAbsent(part.substring(0, 1), part.substring(2));
            }
        }
        return out;
    }
}
