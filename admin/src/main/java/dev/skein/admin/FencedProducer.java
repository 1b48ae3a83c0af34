package dev.skein.admin;

/**
 * What fencing a transactional id left: the producer id and the epoch the coordinator moved it to. A
 * producer still using an older epoch of that id is fenced.
 */
public record FencedProducer(String transactionalId, long producerId, short producerEpoch) {}
