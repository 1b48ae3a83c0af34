package dev.skein.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Delegation tokens (KIP-48; Apache Kafka 1.1+, in KRaft mode from 3.6, KIP-900): create, renew, expire,
 * describe. The broker needs {@code delegation.token.secret.key}, else every call fails with
 * {@code DELEGATION_TOKEN_AUTH_DISABLED}; and the calls must come over an authenticated (SASL or mutual
 * TLS) connection not itself authenticated by a token, else {@code DELEGATION_TOKEN_REQUEST_NOT_ALLOWED}.
 * Both are {@link dev.skein.core.errors.ApiException}s, as are an unknown HMAC
 * ({@code DELEGATION_TOKEN_NOT_FOUND}), an expired token ({@code DELEGATION_TOKEN_EXPIRED}) and a caller that
 * renews or expires a token it neither owns nor may renew ({@code DELEGATION_TOKEN_OWNER_MISMATCH}; the
 * requester of a token made for another owner is neither). Any broker takes them (a KRaft
 * broker forwards the changes to the controller); a new or changed token reaches the other brokers
 * through the metadata log, a moment after the call completes.
 *
 * <p>A client authenticates with a token over SCRAM: its id as user name and {@link DelegationToken#hmacBase64()}
 * as password, with {@code tokenauth=true} (Skein's {@code SaslCredentials.delegationToken}, or the option of
 * that name in {@code sasl.jaas.config}, as for Apache Kafka's clients).
 */
public interface TokenAdmin {
    /**
     * Creates a token; the answer carries its HMAC, which only the owner and renewers may see later. Like
     * Apache Kafka's admin client, a request whose answer is lost (a dropped connection) is sent again, so a
     * token may then be created twice: the first one is listed by {@link #describe} until it expires.
     */
    CompletableFuture<DelegationToken> create(NewDelegationToken token);

    /**
     * Extends the token's expiry to now plus {@code period} (capped at its maximum lifetime; a negative period
     * for the broker's {@code delegation.token.expiry.time.ms}) and answers the new expiry.
     */
    CompletableFuture<Instant> renew(byte[] hmac, Duration period);

    /**
     * Moves the token's expiry to now plus {@code period} and answers it; a negative period expires it at
     * once, and the broker removes it: later calls naming it fail with {@code DELEGATION_TOKEN_NOT_FOUND}.
     */
    CompletableFuture<Instant> expire(byte[] hmac, Duration period);

    /**
     * The tokens each of the given principals ({@code User:alice}) owns or may renew (the broker matches
     * both), or every token when {@code principals} is empty, as far as the caller may describe them: the
     * tokens it owns or may renew, and any with the DESCRIBE permission on the token (an authorizer-less
     * broker describes all).
     */
    CompletableFuture<List<DelegationToken>> describe(Collection<String> principals);
}
