package dev.skein.admin.internal;

import dev.skein.admin.ConfigAdmin;
import dev.skein.admin.ConfigEntry;
import dev.skein.admin.ConfigOp;
import dev.skein.admin.ConfigResource;
import dev.skein.admin.Results;
import dev.skein.core.ErrorCode;
import dev.skein.core.errors.UnsupportedVersionException;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.DescribeConfigsRequest;
import dev.skein.core.message.DescribeConfigsResponse;
import dev.skein.core.message.IncrementalAlterConfigsRequest;
import dev.skein.core.message.IncrementalAlterConfigsResponse;
import dev.skein.core.message.ListConfigResourcesRequest;
import dev.skein.core.message.ListConfigResourcesResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.IntFunction;

/**
 * {@link ConfigAdmin} on DescribeConfigs, IncrementalAlterConfigs and ListConfigResources (any broker). A broker's own configs (and its
 * loggers) are asked of that broker; everything else of the controller's side.
 */
final class ConfigCalls implements ConfigAdmin {
    private final Calls calls;

    ConfigCalls(Calls calls) {
        this.calls = calls;
    }

    /** The broker a resource's request must reach, or -1 for any (topics, groups, broker defaults). */
    private static int brokerOf(ConfigResource r) {
        if ((r.type() == ConfigResource.Type.BROKER || r.type() == ConfigResource.Type.BROKER_LOGGER) && !r.name().isEmpty()) {
            try {
                return Integer.parseInt(r.name());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(r + ": a broker is named by its numeric id", e);
            }
        }
        return -1;
    }

    /** Runs one request per target broker and merges the outcomes ({@link Calls#fanOut}). */
    private <V> CompletableFuture<Map<ConfigResource, Calls.Outcome<V>>> perBroker(Set<ConfigResource> pending,
            BiFunction<Integer, List<ConfigResource>, CompletableFuture<Map<ConfigResource, Calls.Outcome<V>>>> send) {
        Map<Integer, List<ConfigResource>> byBroker = new LinkedHashMap<>();
        pending.forEach(r -> byBroker.computeIfAbsent(brokerOf(r), b -> new ArrayList<>()).add(r));
        return Calls.fanOut(byBroker, new HashMap<>(), send);
    }

    @Override
    public Results<ConfigResource, Map<String, ConfigEntry>> describe(Collection<ConfigResource> resources) {
        resources.forEach(ConfigCalls::brokerOf); // a malformed broker name fails here, not on an event loop
        return calls.perItem("describe configs", resources, pending -> perBroker(pending, (broker, list) -> {
            IntFunction<ApiMessage> build = v -> {
                List<DescribeConfigsRequest.DescribeConfigsResource> rs = new ArrayList<>();
                list.forEach(r -> rs.add(new DescribeConfigsRequest.DescribeConfigsResource().setResourceType(r.type().code())
                        .setResourceName(r.name()).setConfigurationKeys(null)));
                return new DescribeConfigsRequest().setResources(rs).setIncludeSynonyms(true).setIncludeDocumentation(false);
            };
            CompletableFuture<DescribeConfigsResponse> sent = broker < 0 ? calls.toAny(ApiKey.DESCRIBE_CONFIGS, build)
                    : calls.toBroker(broker, ApiKey.DESCRIBE_CONFIGS, build);
            return sent.thenApply(ConfigCalls::describeResult);
        }));
    }

    private static Map<ConfigResource, Calls.Outcome<Map<String, ConfigEntry>>> describeResult(DescribeConfigsResponse r) {
        Map<ConfigResource, Calls.Outcome<Map<String, ConfigEntry>>> out = new HashMap<>();
        for (DescribeConfigsResponse.DescribeConfigsResult res : r.results()) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.forCode(res.resourceType()), res.resourceName());
            ErrorCode code = ErrorCode.forCode(res.errorCode());
            if (code != ErrorCode.NONE) {
                out.put(resource, Calls.Outcome.failed(code.exception("describe configs of " + resource, res.errorMessage())));
                continue;
            }
            Map<String, ConfigEntry> entries = new LinkedHashMap<>();
            for (DescribeConfigsResponse.DescribeConfigsResourceResult c : res.configs()) {
                List<ConfigEntry.Synonym> synonyms = new ArrayList<>();
                if (c.synonyms() != null) {
                    c.synonyms().forEach(s -> synonyms.add(new ConfigEntry.Synonym(s.name(), s.value(),
                            ConfigEntry.Source.forCode(s.source()))));
                }
                entries.put(c.name(), new ConfigEntry(c.name(), c.value(), ConfigEntry.Source.forCode(c.configSource()),
                        c.isSensitive(), c.readOnly(), List.copyOf(synonyms)));
            }
            out.put(resource, Calls.Outcome.ok(entries));
        }
        return out;
    }

    @Override
    public Results<ConfigResource, Void> alter(Map<ConfigResource, List<ConfigOp>> changes) {
        return alter(changes, false);
    }

    @Override
    public Results<ConfigResource, Void> validate(Map<ConfigResource, List<ConfigOp>> changes) {
        return alter(changes, true);
    }

    private Results<ConfigResource, Void> alter(Map<ConfigResource, List<ConfigOp>> changes, boolean validateOnly) {
        changes.keySet().forEach(ConfigCalls::brokerOf);
        return calls.perItem("alter configs", changes.keySet(), pending -> perBroker(pending, (broker, list) -> {
            IntFunction<ApiMessage> build = v -> {
                List<IncrementalAlterConfigsRequest.AlterConfigsResource> rs = new ArrayList<>();
                for (ConfigResource r : list) {
                    List<IncrementalAlterConfigsRequest.AlterableConfig> ops = new ArrayList<>();
                    changes.get(r).forEach(op -> ops.add(new IncrementalAlterConfigsRequest.AlterableConfig()
                            .setName(op.name()).setConfigOperation(op.kind().code()).setValue(op.value())));
                    rs.add(new IncrementalAlterConfigsRequest.AlterConfigsResource().setResourceType(r.type().code())
                            .setResourceName(r.name()).setConfigs(ops));
                }
                return new IncrementalAlterConfigsRequest().setResources(rs).setValidateOnly(validateOnly);
            };
            CompletableFuture<IncrementalAlterConfigsResponse> sent = broker < 0
                    ? calls.toController(ApiKey.INCREMENTAL_ALTER_CONFIGS, build)
                    : calls.toBroker(broker, ApiKey.INCREMENTAL_ALTER_CONFIGS, build);
            return sent.thenApply(r -> {
                Map<ConfigResource, Calls.Outcome<Void>> out = new HashMap<>();
                for (IncrementalAlterConfigsResponse.AlterConfigsResourceResponse res : r.responses()) {
                    ConfigResource resource = new ConfigResource(ConfigResource.Type.forCode(res.resourceType()),
                            res.resourceName());
                    out.put(resource, TopicCalls.outcome(res.errorCode(), "alter configs of " + resource
                            + " (" + describeOps(changes.get(resource)) + ")", res.errorMessage()));
                }
                return out;
            });
        }));
    }

    private static String describeOps(List<ConfigOp> ops) {
        if (ops == null) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        ops.forEach(op -> parts.add(op.kind().name().toLowerCase() + " " + op.name()));
        return String.join(", ", parts);
    }

    /**
     * ListConfigResources to any broker. Version 0 (ListClientMetricsResources, Kafka 3.7 to 4.0) has no
     * type filter and answers client-metrics names only; its answers read as that type, the field's
     * default for v0.
     */
    @Override
    public CompletableFuture<List<ConfigResource>> listResources(Set<ConfigResource.Type> types) {
        Set<ConfigResource.Type> wanted = Set.copyOf(types);
        String what = "list config resources" + (wanted.isEmpty() ? "" : " of types " + wanted);
        return calls.retrying(what, () -> calls.<ListConfigResourcesResponse>toAny(ApiKey.LIST_CONFIG_RESOURCES, v -> {
            if (v < 1 && !wanted.isEmpty() && !wanted.equals(Set.of(ConfigResource.Type.CLIENT_METRICS))) {
                throw new UnsupportedVersionException(what + ": listing config resources other than client metrics"
                        + " needs ListConfigResources v1 (Apache Kafka 4.1 or newer); the broker offers only v0"
                        + " (ListClientMetricsResources)");
            }
            if (v < 1) {
                return new ListConfigResourcesRequest(); // no filter field: client metrics only
            }
            List<Byte> codes = new ArrayList<>();
            wanted.forEach(t -> codes.add(t.code()));
            return new ListConfigResourcesRequest().setResourceTypes(codes);
        }).thenApply(r -> {
            ErrorCode code = ErrorCode.forCode(r.errorCode());
            if (code != ErrorCode.NONE) {
                throw code.exception(what);
            }
            List<ConfigResource> out = new ArrayList<>();
            for (ListConfigResourcesResponse.ConfigResource c : r.configResources()) {
                ConfigResource.Type type = knownType(c.resourceType());
                if (type != null && (wanted.isEmpty() || wanted.contains(type))) {
                    out.add(new ConfigResource(type, c.resourceName()));
                }
            }
            return List.copyOf(out);
        }));
    }

    /** A type this client knows, or null for one a newer broker may list. */
    private static ConfigResource.Type knownType(byte code) {
        for (ConfigResource.Type t : ConfigResource.Type.values()) {
            if (t.code() == code) {
                return t;
            }
        }
        return null;
    }
}
