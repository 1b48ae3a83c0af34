package dev.skein.core.internal.net;

import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.CompletableFuture;

/** One request on a connection: encoded, maybe written, waiting for its response. Event-loop confined. */
final class PendingRequest {
    final ApiKey api;
    final short version;
    final boolean expectResponse;
    final CompletableFuture<ApiMessage> future;
    ByteBuf encoded;
    int correlationId;
    boolean written;
    long timeoutMillis;
    /** A SASL request: written even while other requests wait for (re)authentication to finish. */
    boolean auth;
    ScheduledFuture<?> timeout;

    PendingRequest(ApiKey api, short version, boolean expectResponse, ByteBuf encoded,
                   CompletableFuture<ApiMessage> future) {
        this.api = api;
        this.version = version;
        this.expectResponse = expectResponse;
        this.encoded = encoded;
        this.future = future;
    }

    String describe() {
        return api.displayName() + " v" + version;
    }
}
