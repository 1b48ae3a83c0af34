package dev.skein.core.internal.security;

import dev.skein.core.errors.AuthenticationException;
import dev.skein.core.security.SaslCredentials;

import java.security.SecureRandom;
import java.util.concurrent.CompletableFuture;

/**
 * The client's side of one SASL authentication: the first message, then an answer to each server
 * message until {@link #isComplete()}. One instance per (re)authentication; not thread-safe.
 */
public interface SaslExchange {
    /** The first message; a future because an OAUTHBEARER token may need fetching. */
    CompletableFuture<byte[]> initialResponse();

    /**
     * The answer to a server message, or null when there is nothing more to send.
     *
     * @throws AuthenticationException when the server's message is wrong (a SCRAM nonce or signature)
     */
    byte[] evaluate(byte[] challenge);

    /** True once the server's last message has been checked and the exchange succeeded. */
    boolean isComplete();

    /** A fresh exchange for {@code credentials}. */
    static SaslExchange start(SaslCredentials credentials, SecureRandom random) {
        return switch (credentials.mechanism()) {
            case PLAIN -> new PlainExchange(credentials.username(), credentials.password());
            case SCRAM_SHA_256 -> new ScramExchange(Scram.SHA_256, credentials.username(), credentials.password(),
                    credentials.extensions(), random);
            case SCRAM_SHA_512 -> new ScramExchange(Scram.SHA_512, credentials.username(), credentials.password(),
                    credentials.extensions(), random);
            case OAUTHBEARER -> new OAuthBearerExchange(credentials.tokens(), credentials.extensions());
        };
    }
}
