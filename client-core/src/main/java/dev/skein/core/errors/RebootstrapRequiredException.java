package dev.skein.core.errors;

import dev.skein.core.ErrorCode;

/**
 * A broker answered {@code REBOOTSTRAP_REQUIRED}: the client's metadata is out of date (KIP-1102), or,
 * answering the ApiVersions handshake (v5, Kafka 4.4, KIP-1242), the address the client connected to
 * does not belong to the cluster and node it meant (a broker moved to another address, a stale DNS or
 * proxy entry). The client refreshes its metadata from {@code bootstrap.servers}
 * ({@code metadata.recovery.strategy=rebootstrap}); the operation may succeed once it has, so this is
 * retriable, although the error code alone is not.
 */
public class RebootstrapRequiredException extends ApiException {
    public RebootstrapRequiredException(String message, ErrorCode errorCode) {
        super(message, errorCode);
    }

    /** True: the operation may succeed against the brokers the client finds by bootstrapping again. */
    @Override
    public boolean isRetriable() {
        return true;
    }
}
