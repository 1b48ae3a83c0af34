package dev.skein.admin.internal;

import dev.skein.admin.ConfigAdmin;
import dev.skein.admin.ConfigEntry;
import dev.skein.admin.ConfigOp;
import dev.skein.admin.ConfigResource;
import dev.skein.admin.Results;
import dev.skein.core.ErrorCode;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiMessage;
import dev.skein.core.message.DescribeConfigsRequest;
import dev.skein.core.message.DescribeConfigsResponse;
import dev.skein.core.message.IncrementalAlterConfigsRequest;
import dev.skein.core.message.IncrementalAlterConfigsResponse;

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
 * {@link ConfigAdmin} on DescribeConfigs and IncrementalAlterConfigs. A broker's own configs (and its
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
}
