package dev.skein.producer.internal;

import dev.skein.core.internal.ClusterClient;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a transactional producer's requests go: its transaction coordinator and the group
 * coordinators of the offsets it commits, each found once (FindCoordinator) and kept until a request
 * says it moved or the lookup failed.
 */
final class Coordinators {
    private static final byte GROUP_KEY = 0;
    private static final byte TRANSACTION_KEY = 1;

    private final ClusterClient client;
    private final String transactionalId;
    private volatile CompletableFuture<Integer> transaction;
    private final Map<String, CompletableFuture<Integer>> groups = new ConcurrentHashMap<>();

    Coordinators(ClusterClient client, String transactionalId) {
        this.client = client;
        this.transactionalId = transactionalId;
    }

    /** The transaction coordinator's node id. */
    CompletableFuture<Integer> transaction() {
        CompletableFuture<Integer> c = transaction;
        if (c == null || c.isCompletedExceptionally()) {
            c = client.findCoordinator(TRANSACTION_KEY, transactionalId);
            transaction = c;
        }
        return c;
    }

    /** The coordinator of {@code group}'s offsets. */
    CompletableFuture<Integer> group(String group) {
        CompletableFuture<Integer> c = groups.get(group);
        if (c == null || c.isCompletedExceptionally()) {
            c = client.findCoordinator(GROUP_KEY, group);
            groups.put(group, c);
        }
        return c;
    }

    /** The transaction coordinator moved: find it again next time. */
    void transactionMoved() {
        transaction = null;
    }

    /** The group's coordinator moved: find it again next time. */
    void groupMoved(String group) {
        groups.remove(group);
    }

    /** Any coordinator may have moved (a request got no answer). */
    void allMoved() {
        transaction = null;
        groups.clear();
    }
}
