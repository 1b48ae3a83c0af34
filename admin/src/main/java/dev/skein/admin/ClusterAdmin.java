package dev.skein.admin;

import java.util.concurrent.CompletableFuture;

/** The cluster as a whole. */
public interface ClusterAdmin {
    /** Cluster id, controller, brokers and racks, and the caller's authorized operations. */
    CompletableFuture<ClusterDescription> describe();

    /** Finalized and supported feature levels. */
    CompletableFuture<FeatureMetadata> features();
}
