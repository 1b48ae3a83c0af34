package dev.skein.admin.internal;

import dev.skein.admin.AclOperation;
import dev.skein.admin.ClusterAdmin;
import dev.skein.admin.ClusterDescription;
import dev.skein.admin.FeatureMetadata;
import dev.skein.core.ErrorCode;
import dev.skein.core.Node;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.ApiVersionsRequest;
import dev.skein.core.message.ApiVersionsResponse;
import dev.skein.core.message.DescribeClusterRequest;
import dev.skein.core.message.DescribeClusterResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@link ClusterAdmin} on DescribeCluster and ApiVersions. */
final class ClusterCalls implements ClusterAdmin {
    private final Calls calls;

    ClusterCalls(Calls calls) {
        this.calls = calls;
    }

    @Override
    public CompletableFuture<ClusterDescription> describe() {
        return calls.retrying("describe cluster", () -> calls.<DescribeClusterResponse>toAny(ApiKey.DESCRIBE_CLUSTER,
                v -> new DescribeClusterRequest().setIncludeClusterAuthorizedOperations(true)).thenApply(r -> {
                    ErrorCode code = ErrorCode.forCode(r.errorCode());
                    if (code != ErrorCode.NONE) {
                        throw code.exception("describe cluster", r.errorMessage());
                    }
                    List<Node> brokers = new ArrayList<>();
                    Node controller = null;
                    for (DescribeClusterResponse.DescribeClusterBroker b : r.brokers()) {
                        Node n = new Node(b.brokerId(), b.host(), b.port(), b.rack());
                        brokers.add(n);
                        if (b.brokerId() == r.controllerId()) {
                            controller = n;
                        }
                    }
                    brokers.sort((a, b) -> Integer.compare(a.id(), b.id()));
                    return new ClusterDescription(r.clusterId(), controller, List.copyOf(brokers),
                            AclOperation.fromBits(r.clusterAuthorizedOperations()));
                }));
    }

    @Override
    public CompletableFuture<FeatureMetadata> features() {
        return calls.retrying("describe features", () -> calls.<ApiVersionsResponse>toAny(ApiKey.API_VERSIONS,
                v -> new ApiVersionsRequest().setClientSoftwareName("skein").setClientSoftwareVersion("0.1.0"))
                .thenApply(r -> {
                    ErrorCode code = ErrorCode.forCode(r.errorCode());
                    if (code != ErrorCode.NONE) {
                        throw code.exception("describe features");
                    }
                    Map<String, FeatureMetadata.Range> finalized = new LinkedHashMap<>();
                    if (r.finalizedFeatures() != null) {
                        r.finalizedFeatures().forEach(f -> finalized.put(f.name(),
                                new FeatureMetadata.Range(f.minVersionLevel(), f.maxVersionLevel())));
                    }
                    Map<String, FeatureMetadata.Range> supported = new LinkedHashMap<>();
                    if (r.supportedFeatures() != null) {
                        r.supportedFeatures().forEach(f -> supported.put(f.name(),
                                new FeatureMetadata.Range(f.minVersion(), f.maxVersion())));
                    }
                    return new FeatureMetadata(Map.copyOf(finalized), r.finalizedFeaturesEpoch(), Map.copyOf(supported));
                }));
    }
}
