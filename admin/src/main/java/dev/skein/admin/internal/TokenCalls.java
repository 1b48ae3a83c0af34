package dev.skein.admin.internal;

import dev.skein.admin.DelegationToken;
import dev.skein.admin.NewDelegationToken;
import dev.skein.admin.TokenAdmin;
import dev.skein.core.ErrorCode;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.CreateDelegationTokenRequest;
import dev.skein.core.message.CreateDelegationTokenResponse;
import dev.skein.core.message.DescribeDelegationTokenRequest;
import dev.skein.core.message.DescribeDelegationTokenResponse;
import dev.skein.core.message.ExpireDelegationTokenRequest;
import dev.skein.core.message.ExpireDelegationTokenResponse;
import dev.skein.core.message.RenewDelegationTokenRequest;
import dev.skein.core.message.RenewDelegationTokenResponse;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * {@link TokenAdmin} on CreateDelegationToken, RenewDelegationToken, ExpireDelegationToken and
 * DescribeDelegationToken, each to any broker (a KRaft broker forwards the first three to the
 * controller, as Apache Kafka's admin client relies on too).
 */
final class TokenCalls implements TokenAdmin {
    private final Calls calls;

    TokenCalls(Calls calls) {
        this.calls = calls;
    }

    @Override
    public CompletableFuture<DelegationToken> create(NewDelegationToken token) {
        Objects.requireNonNull(token, "token");
        String what = "create a delegation token" + (token.owner() == null ? "" : " for " + token.owner());
        return calls.retrying(what, () -> calls.<CreateDelegationTokenResponse>toAny(ApiKey.CREATE_DELEGATION_TOKEN, v -> {
            List<CreateDelegationTokenRequest.CreatableRenewers> renewers = new ArrayList<>();
            token.renewers().forEach(p -> renewers.add(new CreateDelegationTokenRequest.CreatableRenewers()
                    .setPrincipalType(type(p)).setPrincipalName(name(p))));
            CreateDelegationTokenRequest request = new CreateDelegationTokenRequest().setRenewers(renewers)
                    .setMaxLifetimeMs(token.maxLifetime() == null ? -1 : token.maxLifetime().toMillis());
            if (token.owner() != null) {
                if (v < 3) {
                    throw new UnsupportedVersionException(what + ": a token for another owner needs CreateDelegationToken"
                            + " v3 (Apache Kafka 3.3 or newer); the broker offers v" + v);
                }
                request.setOwnerPrincipalType(type(token.owner())).setOwnerPrincipalName(name(token.owner()));
            }
            return request;
        }).thenApply(r -> {
            check(r.errorCode(), what);
            String owner = r.principalType() + ":" + r.principalName();
            // Before v3 the answer has no requester: the caller asked for itself, the owner.
            String requester = r.tokenRequesterPrincipalName() == null || r.tokenRequesterPrincipalName().isEmpty()
                    ? owner : r.tokenRequesterPrincipalType() + ":" + r.tokenRequesterPrincipalName();
            return new DelegationToken(r.tokenId(), r.hmac(), owner, requester, token.renewers(),
                    Instant.ofEpochMilli(r.issueTimestampMs()), Instant.ofEpochMilli(r.expiryTimestampMs()),
                    Instant.ofEpochMilli(r.maxTimestampMs()));
        }));
    }

    @Override
    public CompletableFuture<Instant> renew(byte[] hmac, Duration period) {
        byte[] key = hmac.clone();
        long ms = period.toMillis();
        return calls.retrying("renew a delegation token", () -> calls.<RenewDelegationTokenResponse>toAny(
                ApiKey.RENEW_DELEGATION_TOKEN, v -> new RenewDelegationTokenRequest().setHmac(key).setRenewPeriodMs(ms))
                .thenApply(r -> {
                    check(r.errorCode(), "renew a delegation token");
                    return Instant.ofEpochMilli(r.expiryTimestampMs());
                }));
    }

    @Override
    public CompletableFuture<Instant> expire(byte[] hmac, Duration period) {
        byte[] key = hmac.clone();
        long ms = period.toMillis();
        return calls.retrying("expire a delegation token", () -> calls.<ExpireDelegationTokenResponse>toAny(
                ApiKey.EXPIRE_DELEGATION_TOKEN, v -> new ExpireDelegationTokenRequest().setHmac(key).setExpiryTimePeriodMs(ms))
                .thenApply(r -> {
                    check(r.errorCode(), "expire a delegation token");
                    return Instant.ofEpochMilli(r.expiryTimestampMs());
                }));
    }

    @Override
    public CompletableFuture<List<DelegationToken>> describe(Collection<String> owners) {
        List<String> wanted = List.copyOf(owners);
        wanted.forEach(TokenCalls::type); // a malformed principal fails here, not on an event loop
        String what = "describe delegation tokens" + (wanted.isEmpty() ? "" : " of " + wanted);
        return calls.retrying(what, () -> calls.<DescribeDelegationTokenResponse>toAny(ApiKey.DESCRIBE_DELEGATION_TOKEN, v -> {
            List<DescribeDelegationTokenRequest.DescribeDelegationTokenOwner> list = null; // null: every owner
            if (!wanted.isEmpty()) {
                list = new ArrayList<>();
                for (String p : wanted) {
                    list.add(new DescribeDelegationTokenRequest.DescribeDelegationTokenOwner()
                            .setPrincipalType(type(p)).setPrincipalName(name(p)));
                }
            }
            return new DescribeDelegationTokenRequest().setOwners(list);
        }).thenApply(r -> {
            check(r.errorCode(), what);
            List<DelegationToken> out = new ArrayList<>();
            for (DescribeDelegationTokenResponse.DescribedDelegationToken t : r.tokens()) {
                String owner = t.principalType() + ":" + t.principalName();
                String requester = t.tokenRequesterPrincipalName() == null || t.tokenRequesterPrincipalName().isEmpty()
                        ? owner : t.tokenRequesterPrincipalType() + ":" + t.tokenRequesterPrincipalName();
                List<String> renewers = new ArrayList<>();
                t.renewers().forEach(p -> renewers.add(p.principalType() + ":" + p.principalName()));
                out.add(new DelegationToken(t.tokenId(), t.hmac(), owner, requester, renewers,
                        Instant.ofEpochMilli(t.issueTimestamp()), Instant.ofEpochMilli(t.expiryTimestamp()),
                        Instant.ofEpochMilli(t.maxTimestamp())));
            }
            return List.copyOf(out);
        }));
    }

    private static void check(short errorCode, String what) {
        ErrorCode code = ErrorCode.forCode(errorCode);
        if (code != ErrorCode.NONE) {
            throw code.exception(what);
        }
    }

    /** {@code User} of {@code User:alice}. */
    private static String type(String principal) {
        int colon = principal.indexOf(':');
        if (colon <= 0 || colon == principal.length() - 1) {
            throw new IllegalArgumentException("a principal is Type:name, such as User:alice, not " + principal);
        }
        return principal.substring(0, colon);
    }

    /** {@code alice} of {@code User:alice}. */
    private static String name(String principal) {
        return principal.substring(type(principal).length() + 1);
    }
}
