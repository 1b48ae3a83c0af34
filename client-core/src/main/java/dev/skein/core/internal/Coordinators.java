package dev.skein.core.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the requests of a group or a transactional id go: its coordinator, found once
 * (FindCoordinator) and kept until a request says it moved or the lookup failed. The one coordinator
 * cache of every client (consumer groups, transactions, the admin client); thread-safe.
 */
public final class Coordinators {
    /** What a coordinator coordinates, with its FindCoordinator key type. */
    public enum Kind {
        GROUP((byte) 0), TRANSACTION((byte) 1);

        final byte keyType;

        Kind(byte keyType) {
            this.keyType = keyType;
        }
    }

    private record Key(Kind kind, String key) {}

    private final ClusterClient client;
    private final boolean ownLane;
    private final Duration awaitMetadata;
    private final Map<Key, CompletableFuture<Integer>> known = new ConcurrentHashMap<>();

    /**
     * @param ownLane       route to the coordinator over a connection of its own ({@link ClusterClient#coordinatorLane}):
     *                      a JoinGroup the coordinator holds for seconds must not hold back fetches from that broker
     * @param awaitMetadata when not null, wait up to this long for cluster metadata before the first lookup
     */
    public Coordinators(ClusterClient client, boolean ownLane, Duration awaitMetadata) {
        this.client = client;
        this.ownLane = ownLane;
        this.awaitMetadata = awaitMetadata;
    }

    /** The coordinator's node id (a lane id with {@code ownLane}): cached, or looked up now. */
    public CompletableFuture<Integer> of(Kind kind, String key) {
        Key k = new Key(kind, key);
        CompletableFuture<Integer> c = known.get(k);
        if (c != null && !c.isCompletedExceptionally()) {
            return c;
        }
        CompletableFuture<Integer> found = (awaitMetadata == null ? client.findCoordinator(kind.keyType, key)
                : client.awaitReady(awaitMetadata).thenCompose(x -> client.findCoordinator(kind.keyType, key)))
                .thenApply(node -> ownLane ? ClusterClient.coordinatorLane(node) : node);
        known.put(k, found);
        return found;
    }

    /** The coordinator of {@code key} moved (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE): find it again next time. */
    public void moved(Kind kind, String key) {
        known.remove(new Key(kind, key));
    }

    /** Any coordinator may have moved (a request got no answer). */
    public void allMoved() {
        known.clear();
    }
}
