package dev.skein.consumer;

import dev.skein.core.OffsetAndMetadata;
import dev.skein.core.TopicPartition;

import java.util.Map;

/**
 * The log of a partition was truncated below this consumer's position (an unclean leader election
 * lost records it had read, KIP-320), and {@code auto.offset.reset} is none, so the consumer does not
 * move on its own. {@link #divergentOffsets()} names, per partition, the first offset where the leader's
 * log differs from what was read; {@link Consumer#seek(TopicPartition, OffsetAndMetadata)} there reads
 * the leader's records from that point. Until a seek the partitions are not fetched.
 */
public class LogTruncationException extends NoOffsetForPartitionException {
    private final Map<TopicPartition, Long> positions;
    private final Map<TopicPartition, OffsetAndMetadata> divergentOffsets;

    public LogTruncationException(String message, Map<TopicPartition, Long> positions,
                                  Map<TopicPartition, OffsetAndMetadata> divergentOffsets) {
        super(message);
        this.positions = Map.copyOf(positions);
        this.divergentOffsets = Map.copyOf(divergentOffsets);
    }

    /** The positions at which the truncation was found. */
    public Map<TopicPartition, Long> positions() {
        return positions;
    }

    /** Per partition, the first offset (with its leader epoch) known to diverge from what was read. */
    public Map<TopicPartition, OffsetAndMetadata> divergentOffsets() {
        return divergentOffsets;
    }
}
