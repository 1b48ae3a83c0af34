package dev.skein.admin;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Client quotas: {@code producer_byte_rate}, {@code consumer_byte_rate}, {@code request_percentage},
 * {@code controller_mutation_rate}, {@code connection_creation_rate} per {@link QuotaEntity}.
 */
public interface QuotaAdmin {
    /** Every entity with a quota, and its quotas. */
    CompletableFuture<Map<QuotaEntity, Map<String, Double>>> describe();

    /** Sets quotas per entity; a null value removes that quota. One future per entity. */
    Results<QuotaEntity, Void> alter(Map<QuotaEntity, Map<String, Double>> changes);
}
