/**
 * The Skein consumer: {@link dev.skein.consumer.Consumer} (built by
 * {@link dev.skein.consumer.ConsumerBuilder}, its options held in an immutable
 * {@link dev.skein.consumer.ConsumerOptions}) reads records by assignment or as a member of a group
 * (the classic protocol or KIP-848's), with a {@link dev.skein.consumer.Delivery} mode that decides when
 * offsets are committed, and {@link dev.skein.consumer.ExactlyOnceProcessor} for read-process-write in
 * transactions.
 */
package dev.skein.consumer;
