package dev.skein.admin.internal;

import dev.skein.admin.CredentialAdmin;
import dev.skein.admin.Results;
import dev.skein.admin.ScramChange;
import dev.skein.admin.ScramCredential;
import dev.skein.admin.ScramMechanism;
import dev.skein.core.ErrorCode;
import dev.skein.core.message.AlterUserScramCredentialsRequest;
import dev.skein.core.message.AlterUserScramCredentialsResponse;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.DescribeUserScramCredentialsRequest;
import dev.skein.core.message.DescribeUserScramCredentialsResponse;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/** {@link CredentialAdmin} on DescribeUserScramCredentials and AlterUserScramCredentials. */
final class CredentialCalls implements CredentialAdmin {
    private final Calls calls;
    private final SecureRandom random = new SecureRandom();

    CredentialCalls(Calls calls) {
        this.calls = calls;
    }

    private CompletableFuture<DescribeUserScramCredentialsResponse> describeRequest(Set<String> users) {
        return calls.toAny(ApiKey.DESCRIBE_USER_SCRAM_CREDENTIALS, v -> {
            List<DescribeUserScramCredentialsRequest.UserName> names = null;
            if (users != null) {
                names = new ArrayList<>();
                for (String u : users) {
                    names.add(new DescribeUserScramCredentialsRequest.UserName().setName(u));
                }
            }
            return new DescribeUserScramCredentialsRequest().setUsers(names);
        });
    }

    private static List<ScramCredential> credentials(DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult r) {
        List<ScramCredential> out = new ArrayList<>();
        r.credentialInfos().forEach(c -> out.add(new ScramCredential(ScramMechanism.forCode(c.mechanism()), c.iterations())));
        return List.copyOf(out);
    }

    @Override
    public Results<String, List<ScramCredential>> describe(Collection<String> users) {
        return calls.perItem("describe SCRAM credentials", users, pending -> describeRequest(pending).thenApply(r -> {
            ErrorCode top = ErrorCode.forCode(r.errorCode());
            if (top != ErrorCode.NONE) {
                throw top.exception("describe SCRAM credentials", r.errorMessage());
            }
            Map<String, Calls.Outcome<List<ScramCredential>>> out = new HashMap<>();
            for (DescribeUserScramCredentialsResponse.DescribeUserScramCredentialsResult res : r.results()) {
                ErrorCode code = ErrorCode.forCode(res.errorCode());
                out.put(res.user(), code == ErrorCode.NONE ? Calls.Outcome.ok(credentials(res))
                        : Calls.Outcome.failed(code.exception("SCRAM credentials of user " + res.user(), res.errorMessage())));
            }
            return out;
        }));
    }

    @Override
    public CompletableFuture<Map<String, List<ScramCredential>>> describeAll() {
        return calls.retrying("describe SCRAM credentials", () -> describeRequest(null).thenApply(r -> {
            ErrorCode top = ErrorCode.forCode(r.errorCode());
            if (top != ErrorCode.NONE) {
                throw top.exception("describe SCRAM credentials", r.errorMessage());
            }
            Map<String, List<ScramCredential>> out = new TreeMap<>();
            r.results().forEach(res -> out.put(res.user(), credentials(res)));
            return out;
        }));
    }

    @Override
    public Results<String, Void> alter(Collection<ScramChange> changes) {
        Set<String> users = new LinkedHashSet<>();
        changes.forEach(c -> users.add(c.user()));
        // Salted once, so a retry sends the same salt and hash.
        Map<ScramChange, ScramChange.Salted> salted = new HashMap<>();
        changes.forEach(c -> {
            if (!c.isDeletion()) {
                salted.put(c, c.salt(random));
            }
        });
        // The broker takes one change per user per request: a user's second change goes in a second round.
        Map<String, List<ScramChange>> byUser = new HashMap<>();
        changes.forEach(c -> byUser.computeIfAbsent(c.user(), u -> new ArrayList<>()).add(c));
        int rounds = byUser.values().stream().mapToInt(List::size).max().orElse(0);
        // How many of each user's changes the broker confirmed, kept across attempts: an attempt that
        // fails half-way (an answer lost) is followed by one that starts where each user got to. Sending a
        // confirmed change again would fail a deletion already made with RESOURCE_NOT_FOUND.
        Map<String, Integer> confirmed = new ConcurrentHashMap<>();
        return calls.perItem("alter SCRAM credentials", users, pending -> {
            CompletableFuture<Map<String, Calls.Outcome<Void>>> done = CompletableFuture.completedFuture(new HashMap<>());
            for (int i = 0; i < rounds; i++) {
                done = done.thenCompose(outcomes -> {
                    List<ScramChange> batch = new ArrayList<>();
                    for (String u : pending) {
                        Calls.Outcome<Void> soFar = outcomes.get(u);
                        int next = confirmed.getOrDefault(u, 0);
                        if ((soFar == null || soFar.error() == null) && byUser.get(u).size() > next) {
                            batch.add(byUser.get(u).get(next));
                        }
                    }
                    if (batch.isEmpty()) {
                        return CompletableFuture.completedFuture(outcomes);
                    }
                    return alterOnce(batch, salted).thenApply(r -> {
                        r.forEach((u, o) -> {
                            if (o.error() == null) {
                                confirmed.merge(u, 1, Integer::sum);
                            }
                        });
                        Map<String, Calls.Outcome<Void>> merged = new HashMap<>(outcomes);
                        merged.putAll(r);
                        return merged;
                    });
                });
            }
            return done.thenApply(outcomes -> {
                for (String u : pending) { // every change confirmed by an earlier attempt: nothing was sent now
                    if (!outcomes.containsKey(u) && confirmed.getOrDefault(u, 0) == byUser.get(u).size()) {
                        outcomes.put(u, Calls.Outcome.ok(null));
                    }
                }
                return outcomes;
            });
        });
    }

    private CompletableFuture<Map<String, Calls.Outcome<Void>>> alterOnce(List<ScramChange> batch,
                                                                         Map<ScramChange, ScramChange.Salted> salted) {
        return calls.<AlterUserScramCredentialsResponse>toController(ApiKey.ALTER_USER_SCRAM_CREDENTIALS, v -> {
            List<AlterUserScramCredentialsRequest.ScramCredentialDeletion> deletions = new ArrayList<>();
            List<AlterUserScramCredentialsRequest.ScramCredentialUpsertion> upsertions = new ArrayList<>();
            for (ScramChange c : batch) {
                if (c.isDeletion()) {
                    deletions.add(new AlterUserScramCredentialsRequest.ScramCredentialDeletion().setName(c.user())
                            .setMechanism(c.mechanism().code()));
                } else {
                    ScramChange.Salted s = salted.get(c);
                    upsertions.add(new AlterUserScramCredentialsRequest.ScramCredentialUpsertion().setName(c.user())
                            .setMechanism(c.mechanism().code()).setIterations(c.iterations()).setSalt(s.salt())
                            .setSaltedPassword(s.saltedPassword()));
                }
            }
            return new AlterUserScramCredentialsRequest().setDeletions(deletions).setUpsertions(upsertions);
        }).thenApply(r -> {
            Map<String, Calls.Outcome<Void>> out = new HashMap<>();
            r.results().forEach(res -> out.put(res.user(), TopicCalls.outcome(res.errorCode(),
                    "alter SCRAM credentials of user " + res.user(), res.errorMessage())));
            return out;
        });
    }
}
