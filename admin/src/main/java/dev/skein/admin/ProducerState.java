package dev.skein.admin;

/**
 * A producer a partition's leader knows: its id, epoch, last sequence and timestamp, and for an open
 * transaction the offset it started at ({@code -1} when none is open) and the coordinator epoch.
 */
public record ProducerState(long producerId, int producerEpoch, int lastSequence, long lastTimestamp,
                            int coordinatorEpoch, long currentTransactionStartOffset) {}
