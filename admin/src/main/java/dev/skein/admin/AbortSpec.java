package dev.skein.admin;

import dev.skein.core.TopicPartition;

/**
 * Which hanging transaction to abort on which partition: the producer id and epoch and the
 * coordinator epoch, as {@link TransactionAdmin#describeProducers} reports them.
 */
public record AbortSpec(TopicPartition partition, long producerId, short producerEpoch, int coordinatorEpoch) {
    public static AbortSpec of(TopicPartition partition, ProducerState producer) {
        return new AbortSpec(partition, producer.producerId(), (short) producer.producerEpoch(), producer.coordinatorEpoch());
    }
}
