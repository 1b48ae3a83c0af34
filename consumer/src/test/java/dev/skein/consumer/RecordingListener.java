package dev.skein.consumer;

import dev.skein.core.TopicPartition;
import dev.skein.testkit.DeliveryChecker;

import java.util.Collection;
import java.util.function.IntSupplier;

/**
 * Tells a {@link DeliveryChecker} which partitions a group member owns, as the rebalance callbacks
 * report them; lost partitions count as revoked. Override {@link #changed} to observe the callbacks too.
 */
class RecordingListener implements RebalanceListener {
    private final DeliveryChecker checker;
    private final String member;
    private final IntSupplier generation;

    RecordingListener(DeliveryChecker checker, String member, IntSupplier generation) {
        this.checker = checker;
        this.member = member;
        this.generation = generation;
    }

    /** A member whose generation the checker does not judge (always 0). */
    RecordingListener(DeliveryChecker checker, String member) {
        this(checker, member, () -> 0);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> checker.assigned(member, generation.getAsInt(), tp.topic(), tp.partition()));
        changed(partitions, true);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> checker.revoked(member, tp.topic(), tp.partition()));
        changed(partitions, false);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }

    /** Called after the checker was told; {@code assigned} is false for revoked and lost partitions. */
    protected void changed(Collection<TopicPartition> partitions, boolean assigned) {
    }
}
