package dev.skein.admin;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What {@link TokenAdmin#create} asks for: the owner (empty for the caller), the principals that may
 * renew the token, and its maximum lifetime (empty for the broker's {@code delegation.token.max.lifetime.ms}).
 *
 * @param owner a principal such as {@code User:alice} to create the token for (CreateDelegationToken v3,
 *     Kafka 3.3+, KIP-373; the caller needs the CREATE_TOKENS permission on that user), or null for the caller
 * @param renewers principals such as {@code User:bob}
 * @param maxLifetime null for the broker's maximum; a longer one is cut to the broker's
 */
public record NewDelegationToken(String owner, List<String> renewers, Duration maxLifetime) {
    public NewDelegationToken {
        renewers = List.copyOf(renewers);
        renewers.forEach(TokenPrincipals::check);
        if (owner != null) {
            TokenPrincipals.check(owner);
        }
        if (maxLifetime != null && (maxLifetime.isNegative() || maxLifetime.isZero())) {
            throw new IllegalArgumentException("the maximum lifetime must be positive: " + maxLifetime);
        }
    }

    /** A token for the caller, renewable by the caller only, living the broker's maximum. */
    public static NewDelegationToken forCaller() {
        return new NewDelegationToken(null, List.of(), null);
    }

    /** This token, owned by {@code owner} ({@code User:alice}) instead of the caller. */
    public NewDelegationToken ownedBy(String owner) {
        return new NewDelegationToken(Objects.requireNonNull(owner, "owner"), renewers, maxLifetime);
    }

    /** This token, renewable also by {@code renewers} ({@code User:bob}). */
    public NewDelegationToken renewableBy(String... renewers) {
        return new NewDelegationToken(owner, List.of(renewers), maxLifetime);
    }

    /** This token, living at most {@code maxLifetime}. */
    public NewDelegationToken maxLifetime(Duration maxLifetime) {
        return new NewDelegationToken(owner, renewers, Objects.requireNonNull(maxLifetime, "maxLifetime"));
    }
}
