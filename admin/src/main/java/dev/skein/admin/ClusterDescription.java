package dev.skein.admin;

import dev.skein.core.Node;

import java.util.List;
import java.util.Set;

/**
 * The cluster: its id, the broker acting as controller for admin requests, the live brokers (with
 * racks), and the operations the caller may perform on the cluster (empty when not reported).
 */
public record ClusterDescription(String clusterId, Node controller, List<Node> brokers,
                                 Set<AclOperation> authorizedOperations) {}
