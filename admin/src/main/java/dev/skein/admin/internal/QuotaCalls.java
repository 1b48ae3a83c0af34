package dev.skein.admin.internal;

import dev.skein.admin.QuotaAdmin;
import dev.skein.admin.QuotaEntity;
import dev.skein.admin.Results;
import dev.skein.core.ErrorCode;
import dev.skein.core.message.AlterClientQuotasRequest;
import dev.skein.core.message.AlterClientQuotasResponse;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.DescribeClientQuotasRequest;
import dev.skein.core.message.DescribeClientQuotasResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/** {@link QuotaAdmin} on DescribeClientQuotas and AlterClientQuotas. */
final class QuotaCalls implements QuotaAdmin {
    private final Calls calls;

    QuotaCalls(Calls calls) {
        this.calls = calls;
    }

    @Override
    public CompletableFuture<Map<QuotaEntity, Map<String, Double>>> describe() {
        // No components and strict=false: every entity with a quota.
        return calls.retrying("describe client quotas", () -> calls.<DescribeClientQuotasResponse>toAny(
                ApiKey.DESCRIBE_CLIENT_QUOTAS, v -> new DescribeClientQuotasRequest().setComponents(new ArrayList<>())
                        .setStrict(false)).thenApply(r -> {
                            ErrorCode code = ErrorCode.forCode(r.errorCode());
                            if (code != ErrorCode.NONE) {
                                throw code.exception("describe client quotas", r.errorMessage());
                            }
                            Map<QuotaEntity, Map<String, Double>> out = new LinkedHashMap<>();
                            if (r.entries() != null) {
                                for (DescribeClientQuotasResponse.EntryData e : r.entries()) {
                                    Map<String, String> parts = new HashMap<>();
                                    e.entity().forEach(p -> parts.put(p.entityType(), p.entityName()));
                                    Map<String, Double> values = new TreeMap<>();
                                    e.values().forEach(q -> values.put(q.key(), q.value()));
                                    out.put(new QuotaEntity(parts), values);
                                }
                            }
                            return out;
                        }));
    }

    @Override
    public Results<QuotaEntity, Void> alter(Map<QuotaEntity, Map<String, Double>> changes) {
        return calls.perItem("alter client quotas", changes.keySet(), pending -> calls.<AlterClientQuotasResponse>toController(
                ApiKey.ALTER_CLIENT_QUOTAS, v -> {
                    List<AlterClientQuotasRequest.EntryData> entries = new ArrayList<>();
                    for (QuotaEntity entity : pending) {
                        List<AlterClientQuotasRequest.EntityData> parts = new ArrayList<>();
                        entity.parts().forEach((type, name) -> parts.add(new AlterClientQuotasRequest.EntityData()
                                .setEntityType(type).setEntityName(name)));
                        List<AlterClientQuotasRequest.OpData> ops = new ArrayList<>();
                        changes.get(entity).forEach((key, value) -> ops.add(new AlterClientQuotasRequest.OpData().setKey(key)
                                .setValue(value == null ? 0 : value).setRemove(value == null)));
                        entries.add(new AlterClientQuotasRequest.EntryData().setEntity(parts).setOps(ops));
                    }
                    return new AlterClientQuotasRequest().setEntries(entries).setValidateOnly(false);
                }).thenApply(r -> {
                    Map<QuotaEntity, Calls.Outcome<Void>> out = new HashMap<>();
                    for (AlterClientQuotasResponse.EntryData e : r.entries()) {
                        Map<String, String> parts = new HashMap<>();
                        e.entity().forEach(p -> parts.put(p.entityType(), p.entityName()));
                        QuotaEntity entity = new QuotaEntity(parts);
                        out.put(entity, TopicCalls.outcome(e.errorCode(), "alter quotas of " + entity, e.errorMessage()));
                    }
                    return out;
                }));
    }
}
