package dev.skein.core.internal.security;

import dev.skein.core.security.Secret;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** SASL/PLAIN (RFC 4616): one message, {@code \0user\0password}; the broker's answer ends it. */
final class PlainExchange implements SaslExchange {
    private final String username;
    private final Secret password;
    private boolean sent;

    PlainExchange(String username, Secret password) {
        this.username = username;
        this.password = password;
    }

    @Override
    public CompletableFuture<byte[]> initialResponse() {
        sent = true;
        return CompletableFuture.completedFuture(("\0" + username + "\0" + password.reveal()).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] evaluate(byte[] challenge) {
        return null;
    }

    @Override
    public boolean isComplete() {
        return sent;
    }
}
