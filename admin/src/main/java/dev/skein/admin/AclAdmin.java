package dev.skein.admin;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * ACLs (the cluster needs an authorizer; without one each call fails with {@code SECURITY_DISABLED}).
 */
public interface AclAdmin {
    /** Creates ACLs; one future per ACL. */
    Results<AclBinding, Void> create(Collection<AclBinding> acls);

    /** The ACLs the filter selects. */
    CompletableFuture<List<AclBinding>> describe(AclFilter filter);

    /** Deletes the ACLs each filter selects; each future yields the ACLs that filter deleted. */
    Results<AclFilter, List<AclBinding>> delete(Collection<AclFilter> filters);
}
