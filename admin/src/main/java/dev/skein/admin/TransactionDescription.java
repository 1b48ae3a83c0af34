package dev.skein.admin;

import dev.skein.core.Node;
import dev.skein.core.TopicPartition;

import java.util.Set;

/**
 * A transactional id at its coordinator: state, producer id and epoch, timeout, when the open
 * transaction started (-1 when none is open), and the partitions it has written to.
 */
public record TransactionDescription(String transactionalId, Node coordinator, String state, long producerId,
                                     short producerEpoch, int timeoutMs, long startTimeMs,
                                     Set<TopicPartition> partitions) {}
