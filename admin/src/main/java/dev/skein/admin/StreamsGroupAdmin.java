package dev.skein.admin;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Streams groups (KIP-1071, the Streams rebalance protocol; Apache Kafka 4.2 and later): list and
 * describe them.
 *
 * <p>A streams group is what a Kafka Streams application with {@code group.protocol=streams} joins: the
 * broker keeps its topology (subtopologies and the topics each reads and writes) and assigns tasks
 * (a subtopology and a partition) to the members. Groups of all types share one namespace: a call here on
 * a consumer or share group fails as {@code GROUP_ID_NOT_FOUND} ("no streams group X"), and
 * {@link GroupAdmin#list()} lists streams groups too (type {@link GroupType#STREAMS}). Asynchronous and
 * thread-safe, as every {@link Admin} call; a cluster without streams groups fails with an
 * {@link dev.skein.core.errors.UnsupportedVersionException} naming the API.
 */
public interface StreamsGroupAdmin {
    /** The streams groups on every broker, with their state ({@code Empty}, {@code Stable}, ...). */
    CompletableFuture<List<GroupListing>> list();

    /**
     * State, epochs, the topology as the broker holds it, and each member with its current and target
     * tasks; one future per group.
     */
    Results<String, StreamsGroupDescription> describe(Collection<String> groupIds);
}
