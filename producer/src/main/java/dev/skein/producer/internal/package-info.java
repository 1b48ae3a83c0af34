/**
 * The producer's implementation: the send path on the caller's thread (serialize, partition,
 * append), the accumulator of per-partition batches, the sender that drains them per broker, and the
 * idempotence and transaction rules as state machines that do no I/O ({@code IdempotenceManager},
 * {@code TxnRequests}). Not API.
 */
package dev.skein.producer.internal;
