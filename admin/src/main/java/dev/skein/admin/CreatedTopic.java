package dev.skein.admin;

import java.util.Map;
import java.util.UUID;

/** A topic the cluster created (or, validating only, would create), with the configs it applies. */
public record CreatedTopic(String name, UUID topicId, int partitions, short replicationFactor,
                           Map<String, String> configs) {}
