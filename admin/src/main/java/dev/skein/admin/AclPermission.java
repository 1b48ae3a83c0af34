package dev.skein.admin;

/** Whether an ACL allows or denies. {@code ANY} only in filters. */
public enum AclPermission {
    UNKNOWN(0), ANY(1), DENY(2), ALLOW(3);

    private final byte code;

    AclPermission(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    public static AclPermission forCode(byte code) {
        for (AclPermission p : values()) {
            if (p.code == code) {
                return p;
            }
        }
        return UNKNOWN;
    }
}
