package dev.skein.admin;

import java.util.Map;

/**
 * Cluster features (KIP-584): the finalized level of each feature the cluster runs at (for example
 * {@code metadata.version}, {@code transaction.version}, {@code group.version}), and the range each
 * broker supports.
 */
public record FeatureMetadata(Map<String, Range> finalized, long finalizedEpoch, Map<String, Range> supported) {
    public record Range(short min, short max) {}
}
