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

    /**
     * Fences the producers of each transactional id (KIP-618): InitProducerId at the id's coordinator
     * bumps the id's producer epoch, so a producer still using the old epoch fails its next send, commit or
     * abort with {@link dev.skein.core.errors.ProducerFencedException}, and the transaction it had open is
     * aborted by the coordinator (a read_committed consumer never sees its records). One future per id,
     * with the producer id and the new epoch. An id the coordinator does not know is created, as a
     * producer's {@code initTransactions()} would. While the coordinator completes the fenced transaction
     * it answers {@code CONCURRENT_TRANSACTIONS}, and the call asks again until
     * {@code default.api.timeout.ms}. The epoch bump also sets the id's transaction timeout, until a
     * producer initializes the id again, to a minute ({@code transaction.timeout.ms}' default), or
     * {@code default.api.timeout.ms} if shorter. Needs the WRITE permission on each transactional id.
     */
    Results<String, FencedProducer> fenceProducers(Collection<String> transactionalIds);
}
