package dev.skein.admin;

import dev.skein.core.TopicPartition;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Transactions: who has them, their state, the producers partitions know, and aborting a hanging one. */
public interface TransactionAdmin {
    /** Every transactional id on every broker. */
    CompletableFuture<List<TransactionListing>> list();

    /** State, producer and partitions of each transactional id, from its coordinator. */
    Results<String, TransactionDescription> describe(Collection<String> transactionalIds);

    /** The active producers of each partition, from its leader. */
    Results<TopicPartition, List<ProducerState>> describeProducers(Collection<TopicPartition> partitions);

    /**
     * Writes an abort marker for a transaction left open on a partition (one whose coordinator no longer
     * knows it, so the last stable offset is stuck). Use only for such hanging transactions.
     */
    CompletableFuture<Void> abort(AbortSpec spec);
}
