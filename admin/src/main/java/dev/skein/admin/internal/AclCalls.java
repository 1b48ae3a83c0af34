package dev.skein.admin.internal;

import dev.skein.admin.AclAdmin;
import dev.skein.admin.AclBinding;
import dev.skein.admin.AclFilter;
import dev.skein.admin.AclOperation;
import dev.skein.admin.AclPermission;
import dev.skein.admin.PatternType;
import dev.skein.admin.ResourceType;
import dev.skein.admin.Results;
import dev.skein.core.ErrorCode;
import dev.skein.core.message.ApiKey;
import dev.skein.core.message.CreateAclsRequest;
import dev.skein.core.message.CreateAclsResponse;
import dev.skein.core.message.DeleteAclsRequest;
import dev.skein.core.message.DeleteAclsResponse;
import dev.skein.core.message.DescribeAclsRequest;
import dev.skein.core.message.DescribeAclsResponse;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@link AclAdmin} on CreateAcls, DescribeAcls and DeleteAcls. Results come back in request order,
 * which is how each is matched to its ACL or filter.
 */
final class AclCalls implements AclAdmin {
    private final Calls calls;

    AclCalls(Calls calls) {
        this.calls = calls;
    }

    @Override
    public Results<AclBinding, Void> create(Collection<AclBinding> acls) {
        return calls.perItem("create ACLs", acls, pending -> {
            List<AclBinding> order = new ArrayList<>(pending);
            return calls.<CreateAclsResponse>toController(ApiKey.CREATE_ACLS, v -> {
                List<CreateAclsRequest.AclCreation> creations = new ArrayList<>();
                order.forEach(a -> creations.add(new CreateAclsRequest.AclCreation().setResourceType(a.type().code())
                        .setResourceName(a.name()).setResourcePatternType(a.pattern().code()).setPrincipal(a.principal())
                        .setHost(a.host()).setOperation(a.operation().code()).setPermissionType(a.permission().code())));
                return new CreateAclsRequest().setCreations(creations);
            }).thenApply(r -> {
                Map<AclBinding, Calls.Outcome<Void>> out = new HashMap<>();
                for (int i = 0; i < order.size() && i < r.results().size(); i++) {
                    CreateAclsResponse.AclCreationResult res = r.results().get(i);
                    out.put(order.get(i), TopicCalls.outcome(res.errorCode(), "create ACL " + order.get(i), res.errorMessage()));
                }
                return out;
            });
        });
    }

    @Override
    public CompletableFuture<List<AclBinding>> describe(AclFilter filter) {
        return calls.retrying("describe ACLs", () -> calls.<DescribeAclsResponse>toAny(ApiKey.DESCRIBE_ACLS, v ->
                new DescribeAclsRequest().setResourceTypeFilter(filter.type().code()).setResourceNameFilter(filter.name())
                        .setPatternTypeFilter(filter.pattern().code()).setPrincipalFilter(filter.principal())
                        .setHostFilter(filter.host()).setOperation(filter.operation().code())
                        .setPermissionType(filter.permission().code())).thenApply(r -> {
                            ErrorCode code = ErrorCode.forCode(r.errorCode());
                            if (code != ErrorCode.NONE) {
                                throw code.exception("describe ACLs matching " + filter, r.errorMessage());
                            }
                            List<AclBinding> out = new ArrayList<>();
                            for (DescribeAclsResponse.DescribeAclsResource res : r.resources()) {
                                for (DescribeAclsResponse.AclDescription a : res.acls()) {
                                    out.add(new AclBinding(ResourceType.forCode(res.resourceType()), res.resourceName(),
                                            PatternType.forCode(res.patternType()), a.principal(), a.host(),
                                            AclOperation.forCode(a.operation()), AclPermission.forCode(a.permissionType())));
                                }
                            }
                            return out;
                        }));
    }

    @Override
    public Results<AclFilter, List<AclBinding>> delete(Collection<AclFilter> filters) {
        return calls.perItem("delete ACLs", filters, pending -> {
            List<AclFilter> order = new ArrayList<>(pending);
            return calls.<DeleteAclsResponse>toController(ApiKey.DELETE_ACLS, v -> {
                List<DeleteAclsRequest.DeleteAclsFilter> list = new ArrayList<>();
                order.forEach(f -> list.add(new DeleteAclsRequest.DeleteAclsFilter().setResourceTypeFilter(f.type().code())
                        .setResourceNameFilter(f.name()).setPatternTypeFilter(f.pattern().code())
                        .setPrincipalFilter(f.principal()).setHostFilter(f.host()).setOperation(f.operation().code())
                        .setPermissionType(f.permission().code())));
                return new DeleteAclsRequest().setFilters(list);
            }).thenApply(r -> {
                Map<AclFilter, Calls.Outcome<List<AclBinding>>> out = new HashMap<>();
                for (int i = 0; i < order.size() && i < r.filterResults().size(); i++) {
                    DeleteAclsResponse.DeleteAclsFilterResult res = r.filterResults().get(i);
                    ErrorCode code = ErrorCode.forCode(res.errorCode());
                    if (code != ErrorCode.NONE) {
                        out.put(order.get(i), Calls.Outcome.failed(code.exception("delete ACLs matching " + order.get(i),
                                res.errorMessage())));
                        continue;
                    }
                    List<AclBinding> deleted = new ArrayList<>();
                    for (DeleteAclsResponse.DeleteAclsMatchingAcl m : res.matchingAcls()) {
                        deleted.add(new AclBinding(ResourceType.forCode(m.resourceType()), m.resourceName(),
                                PatternType.forCode(m.patternType()), m.principal(), m.host(),
                                AclOperation.forCode(m.operation()), AclPermission.forCode(m.permissionType())));
                    }
                    out.put(order.get(i), Calls.Outcome.ok(deleted));
                }
                return out;
            });
        });
    }
}
