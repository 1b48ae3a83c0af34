package dev.skein.admin;

import dev.skein.core.OffsetAndTimestamp;
import dev.skein.core.TopicPartition;

import java.util.Map;

/** Offsets and records of partitions, asked of each partition's leader. */
public interface RecordAdmin {
    /** Earliest, latest, max-timestamp or by-timestamp offsets, one future per partition. */
    Results<TopicPartition, OffsetAndTimestamp> listOffsets(Map<TopicPartition, OffsetSpec> specs);

    /**
     * Deletes the records before the given offset of each partition ({@code -1}: before the high
     * watermark); each future yields the partition's new low watermark.
     */
    Results<TopicPartition, Long> deleteRecords(Map<TopicPartition, Long> beforeOffsets);
}
