package dev.skein.admin;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Configs of topics, brokers, broker loggers and groups. */
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
}
