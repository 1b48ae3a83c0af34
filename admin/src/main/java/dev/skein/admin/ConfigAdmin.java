package dev.skein.admin;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** Configs of topics, brokers, broker loggers, groups and client-metrics subscriptions. */
public interface ConfigAdmin {
    /** Every config of each resource (value, source, sensitivity, synonyms), keyed by config name. */
    Results<ConfigResource, Map<String, ConfigEntry>> describe(Collection<ConfigResource> resources);

    /**
     * Applies incremental changes (set, delete, append, subtract) per resource; an invalid config fails
     * that resource's future with an error naming the key and the broker's reason.
     */
    Results<ConfigResource, Void> alter(Map<ConfigResource, List<ConfigOp>> changes);

    /** As {@link #alter}, but only validates. */
    Results<ConfigResource, Void> validate(Map<ConfigResource, List<ConfigOp>> changes);

    /**
     * The config resources of the given types the cluster has (ListConfigResources, KIP-1142, Apache
     * Kafka 4.1+): topics, brokers (by id), broker loggers, groups and client-metrics subscriptions, as
     * the broker lists them; an empty set asks for every type the broker lists. A broker of 3.7 to 4.0
     * knows the request only as ListClientMetricsResources (v0, KIP-714) and lists client-metrics
     * resources alone: there a set naming another type fails with
     * {@link dev.skein.core.errors.UnsupportedVersionException} before anything is sent, and an empty set
     * answers the client-metrics resources. Resources of a type this client does not know are left out.
     * Sent to any broker.
     */
    CompletableFuture<List<ConfigResource>> listResources(Set<ConfigResource.Type> types);
}
