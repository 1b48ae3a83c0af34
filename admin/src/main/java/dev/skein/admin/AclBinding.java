package dev.skein.admin;

import java.util.Objects;

/**
 * One ACL: {@code principal} (like {@code User:alice}) from {@code host} ({@code *} for any) is allowed
 * or denied {@code operation} on the resources {@code type}/{@code name} matches under {@code pattern}.
 *
 * <pre>{@code
 * AclBinding.allow(ResourceType.TOPIC, "orders", "User:billing", AclOperation.READ)
 * }</pre>
 */
public record AclBinding(ResourceType type, String name, PatternType pattern, String principal, String host,
                         AclOperation operation, AclPermission permission) {
    public AclBinding {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(permission, "permission");
        if (type == ResourceType.ANY || pattern == PatternType.ANY || pattern == PatternType.MATCH
                || operation == AclOperation.ANY || permission == AclPermission.ANY) {
            throw new IllegalArgumentException("ANY and MATCH belong in an AclFilter, not in an ACL: " + this);
        }
    }

    /** Allows {@code operation} on the literally named resource, from any host. */
    public static AclBinding allow(ResourceType type, String name, String principal, AclOperation operation) {
        return new AclBinding(type, name, PatternType.LITERAL, principal, "*", operation, AclPermission.ALLOW);
    }

    /** Denies {@code operation} on the literally named resource, from any host. */
    public static AclBinding deny(ResourceType type, String name, String principal, AclOperation operation) {
        return new AclBinding(type, name, PatternType.LITERAL, principal, "*", operation, AclPermission.DENY);
    }

    /** The filter matching exactly this ACL. */
    public AclFilter asFilter() {
        return new AclFilter(type, name, pattern, principal, host, operation, permission);
    }
}
