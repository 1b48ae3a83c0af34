package dev.skein.admin;

import java.util.Objects;

/**
 * Selects ACLs: null strings match anything, as do the {@code ANY} values; {@link PatternType#MATCH}
 * selects every pattern that applies to the named resource.
 */
public record AclFilter(ResourceType type, String name, PatternType pattern, String principal, String host,
                        AclOperation operation, AclPermission permission) {
    public AclFilter {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(permission, "permission");
    }

    /** Every ACL. */
    public static AclFilter any() {
        return new AclFilter(ResourceType.ANY, null, PatternType.ANY, null, null, AclOperation.ANY, AclPermission.ANY);
    }

    /** Every ACL on resources of {@code type} named {@code name} (literal or prefixed). */
    public static AclFilter forResource(ResourceType type, String name) {
        return new AclFilter(type, name, PatternType.ANY, null, null, AclOperation.ANY, AclPermission.ANY);
    }

    /** Every ACL of {@code principal}. */
    public static AclFilter forPrincipal(String principal) {
        return new AclFilter(ResourceType.ANY, null, PatternType.ANY, principal, null, AclOperation.ANY, AclPermission.ANY);
    }
}
