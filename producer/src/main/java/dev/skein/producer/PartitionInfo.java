package dev.skein.producer;

import dev.skein.core.Node;

import java.util.List;

/** A partition as metadata describes it; {@code leader} is null while it has none. */
public record PartitionInfo(String topic, int partition, Node leader, List<Node> replicas, List<Node> inSyncReplicas) {}
